// The README's example is real code: cut it out and run it as a user would.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { expect, it, vi } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

function snippet(name: string): string {
  const readme = readFileSync(`${root}README.md`, 'utf8');
  const m = readme.match(new RegExp(`<!-- snippet:${name} -->\\s*\`\`\`ts\\n([\\s\\S]*?)\`\`\`\\s*<!-- /snippet -->`));
  if (!m) throw new Error(`README.md has no snippet '${name}'`);
  return m[1]!;
}

it('README: Part 3.4 Demo 2 runs and every activation learns', async () => {
  const code = snippet('activations-demo2');
  // The lesson's hyperparameters are in the code a reader sees.
  expect(code).toContain('new nn.Linear(2, 8)');
  expect(code).toContain('{ lr: 0.08 }');
  expect(code).toContain('epoch < 80');
  const dir = `${root}tests/unit/.generated/`;
  mkdirSync(dir, { recursive: true });
  const file = `${dir}readme-activations-demo2.ts`;
  writeFileSync(file, `${code}\nexport { lossHist };\n`);
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  const { lossHist } = (await import(/* @vite-ignore */ pathToFileURL(file).href)) as { lossHist: Record<string, number[]> };
  expect(log).toHaveBeenCalledTimes(4);
  log.mockRestore();
  expect(Object.keys(lossHist)).toEqual(['sigmoid', 'tanh', 'relu', 'leakyrelu']);
  for (const [act, losses] of Object.entries(lossHist)) {
    expect(losses, act).toHaveLength(80);
    expect(losses.every(Number.isFinite), act).toBe(true);
    // Two classes start near ln 2 = 0.69; a linearly separable task is learned well in 80 Adam steps.
    expect(losses[0]!, act).toBeGreaterThan(0.3);
    expect(losses[79]!, act).toBeLessThan(0.1);
    expect(losses[79]!, act).toBeLessThan(losses[0]! / 4);
  }
});
