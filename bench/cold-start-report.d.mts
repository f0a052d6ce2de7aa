// Types for cold-start-report.mjs (plain JavaScript, so cold-start.mjs runs without a build).
export declare const FIRST_STEP: string;
export declare const FIRST_CHART_POINT: string;
export declare const BACKEND_READY: string;
export declare const CLICK: string;
export declare const PAGES: readonly { page: string; exercise: string }[];

export interface ColdStartOptions {
  site: string | null;
  runs: number;
  pages: string[];
  exercises: Record<string, string>;
  timeoutS: number;
  /** Seconds a learner reads before pressing Run (0: at once). */
  readS: number;
  out: string | null;
}
export declare function parseArgs(argv: string[]): ColdStartOptions;
export declare function exerciseFor(page: string, opts: ColdStartOptions): string | null;

export interface Mark {
  name: string;
  startTime: number;
  detail?: { chart?: string; pipelines?: number | null } | null;
}
export interface RunFigures {
  backendMs: number | null;
  clickMs: number | null;
  firstStepMs: number | null;
  firstChartMs: number | null;
  chart: string | null;
  pipelinesAtStep: number | null;
  pipelinesAtChart: number | null;
  missing: string[];
}
export declare function readRun(marks: Mark[], exercise: string): RunFigures;
export declare function median(xs: (number | null | undefined)[]): number | null;

export interface PageRuns {
  page: string;
  exercise: string;
  runs: (Partial<RunFigures> & { error?: string; pipelinesTotal?: number | null; compileWallMs?: number | null })[];
}
export interface SummaryRow {
  page: string;
  exercise: string;
  runs: number;
  failed: number;
  backendMs: number | null;
  clickMs: number | null;
  firstStepMs: number | null;
  firstChartMs: number | null;
  stepRange: [number, number] | null;
  pipelinesAtStep: number | null;
  pipelinesTotal: number | null;
  compileWallMs: number | null;
}
export declare function summarize(results: PageRuns[]): SummaryRow[];
export declare function markdownTable(rows: SummaryRow[]): string;

export interface TraceEvent {
  name: string;
  cat: string;
  ph: string;
  ts?: number;
  dur?: number;
}
export declare function compileFromTrace(events: TraceEvent[]): { byName: Record<string, { count: number; ms: number }>; wallMs: number };
