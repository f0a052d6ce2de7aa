import type { Browser } from 'puppeteer';
export function chromePath(): string;
export function launchChrome(protocolTimeout?: number): Promise<Browser>;
export function callInPage(url: string, fn: string, arg: unknown): Promise<{ result: any; errors: string[] }>;
