import type { Browser } from 'puppeteer';
export function chromePath(): string;
export function launchChrome(protocolTimeout?: number): Promise<Browser>;
