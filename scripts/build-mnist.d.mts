export declare const MNIST_DIR: string;
export declare const IMAGES_FILE: string;
export declare const LABELS_FILE: string;
export declare function buildMnist(opts?: { force?: boolean; quiet?: boolean }): { images: string; labels: string; built: boolean };
