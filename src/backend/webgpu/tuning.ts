// The matmul kernel-choice tables measured per adapter (`npm run bench -- --tune` writes
// src/backend/webgpu/tuning/<adapter>.json); the backend installs the one that matches its
// adapter, or the hand-chosen default.
import { DEFAULT_TUNING } from '../../ops/matmul-choice.ts';
import type { MatmulTuning } from '../../ops/matmul-choice.ts';

/** A measured table and the words an adapter's description must contain for it to apply. */
export interface TuningFile extends MatmulTuning {
  match: string[];
}

const files = import.meta.glob('./tuning/*.json', { import: 'default', eager: true }) as Record<string, TuningFile>;

/** The words of an adapter description that identify it (vendor, architecture, device). */
export function adapterWords(description: string): string[] {
  return description
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0);
}

/** The table for an adapter: the first file whose words all occur in its description. */
export function tuningFor(description: string): MatmulTuning {
  const words = new Set(adapterWords(description));
  for (const [path, t] of Object.entries(files).sort(([a], [b]) => a.localeCompare(b))) {
    if (!Array.isArray(t.match) || t.match.length === 0) throw new Error(`matmul tuning ${path}: 'match' must list the adapter's words`);
    if (t.match.every((w) => words.has(w.toLowerCase()))) return t;
  }
  return DEFAULT_TUNING;
}
