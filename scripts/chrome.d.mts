import type { Browser } from 'puppeteer';
export function chromePath(): string;
export function launchChrome(protocolTimeout?: number, extraArgs?: string[]): Promise<Browser>;
export function callInPage(url: string, fn: string, arg: unknown): Promise<{ result: any; errors: string[] }>;
