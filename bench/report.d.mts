// Types for report.mjs (plain JavaScript, so run.mjs imports it without a build).
import type { PeerName, Result } from './rows.ts';

export declare const PEERS: readonly PeerName[];
export declare function schemaErrors(r: unknown, opts?: { requirePeers?: boolean }): string[];
export declare function table(r: Result): string;
