// The README's example is real code: cut it out and run it as a user would, and check that
// it prints what the README says PyTorch prints.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { expect, it, vi } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const readme = (): string => readFileSync(`${root}README.md`, 'utf8');

function snippet(name: string): string {
  const m = readme().match(new RegExp(`<!-- snippet:${name} -->\\s*\`\`\`ts\\n([\\s\\S]*?)\`\`\`\\s*<!-- /snippet -->`));
  if (!m) throw new Error(`README.md has no snippet '${name}'`);
  return m[1]!;
}

/** The lines the README says a snippet prints. */
function output(name: string): string[] {
  const m = readme().match(new RegExp(`<!-- output:${name} -->\\s*\`\`\`text\\n([\\s\\S]*?)\`\`\`\\s*<!-- /output -->`));
  if (!m) throw new Error(`README.md has no output '${name}'`);
  return m[1]!.trim().split('\n');
}

/** The lesson's Demo 2 as PyTorch ran it (tests/fixtures/torch/activations.py). */
const torchDemo2 = (JSON.parse(readFileSync(`${root}tests/fixtures/torch/activations.json`, 'utf8')) as { demos: { demo2: { losses: Record<string, { last: number }> } } }).demos.demo2;

it("README: Part 3.4 Demo 2 runs and prints PyTorch's final losses", async () => {
  const code = snippet('activations-demo2');
  // The lesson's seed, generator and hyperparameters are in the code a reader sees.
  expect(code).toContain("manualSeed(3, { generator: 'torch' })");
  expect(code).toContain('new nn.Linear(2, 8)');
  expect(code).toContain('{ lr: 0.08 }');
  expect(code).toContain('epoch < 80');
  const dir = `${root}tests/unit/.generated/`;
  mkdirSync(dir, { recursive: true });
  const file = `${dir}readme-activations-demo2.ts`;
  writeFileSync(file, `${code}\nexport { lossHist };\n`);
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  const { lossHist } = (await import(/* @vite-ignore */ pathToFileURL(file).href)) as { lossHist: Record<string, number[]> };
  const printed = log.mock.calls.map((args) => args.join(' '));
  log.mockRestore();

  expect(Object.keys(lossHist)).toEqual(['sigmoid', 'tanh', 'relu', 'leakyrelu']);
  // The README's lines are PyTorch's final losses to 4 decimals, and the snippet prints them.
  expect(output('activations-demo2')).toEqual(Object.entries(torchDemo2.losses).map(([act, l]) => `${act} ${l.last.toFixed(4)}`));
  expect(printed).toEqual(output('activations-demo2'));
  for (const [act, losses] of Object.entries(lossHist)) {
    expect(losses, act).toHaveLength(80);
    // Unrounded, the engine's float32 run ends within 1e-6 of PyTorch's (relative); seen: 4e-7.
    const want = torchDemo2.losses[act]!.last;
    expect(Math.abs(losses[79]! - want) / want, act).toBeLessThan(1e-6);
  }
});

it('README: the safetensors snippet writes a file, loads it into a fresh net and prints the README\'s line', async () => {
  const code = snippet('safetensors-node');
  expect(code).toContain("writeFileSync('tiny.safetensors', await saveSafetensors(net))");
  const dir = `${root}tests/unit/.generated/`;
  mkdirSync(dir, { recursive: true });
  // The snippet writes into the current folder; here that is the scratch folder (a worker
  // thread cannot chdir), so only its file name is changed.
  const file = `${dir}readme-safetensors.ts`;
  writeFileSync(file, code.replaceAll("'tiny.safetensors'", JSON.stringify(`${dir}tiny.safetensors`)));
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  await import(/* @vite-ignore */ pathToFileURL(file).href);
  const printed = log.mock.calls.map((args) => args.join(' '));
  log.mockRestore();
  const m = readme().match(/<!-- output:safetensors -->\s*```text\n([\s\S]*?)```/);
  expect(printed).toEqual(m![1]!.trim().split('\n'));
  // The file is what PyTorch loaded in tests/fixtures/safetensors/make_fixtures.py.
  expect(new Uint8Array(readFileSync(`${dir}tiny.safetensors`))).toEqual(new Uint8Array(readFileSync(`${root}tests/fixtures/safetensors/ours_readme.safetensors`)));
});
