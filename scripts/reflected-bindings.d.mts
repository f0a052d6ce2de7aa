import type { Plugin } from 'vite';

export type ReflectedTable = Record<string, Record<string, { binding: number; name: string; access: 'read' | 'read_write' }[]>>;
export function reflectAll(): Promise<ReflectedTable>;
export function reflectedBindings(table: ReflectedTable): Plugin;
