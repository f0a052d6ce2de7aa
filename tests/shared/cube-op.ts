// A throwaway unary op, cube, made from the three pieces a new unary op is (README, "Adding an
// op") and nothing else, in a registry of its own: tests/unit/new-op.test.ts shows it gets
// GPU cases, a workbench entry and a gradient check; tests/gpu/new-op.test.ts runs its cases
// on WebGPU with the extended kernel.
import { readFileSync } from 'node:fs';
import { mul, square } from '../../src/index.ts';
import { OP_CODES, opCodeName, wgslContract } from '../../src/ops/contract.ts';
import { OP_FAMILIES, makeRegistry } from '../../src/ops/registry.ts';
import { unaryOpsFor } from '../../src/ops/unary.ts';
import type { OpDef } from '../../src/ops/define.ts';

// ---- the three pieces ------------------------------------------------------------------------

// 1. Contract: the unary codes with cube's after the last (an extended copy of OP_CODES.UNARY).
export const UNARY = { ...OP_CODES.UNARY, cube: Object.keys(OP_CODES.UNARY).length } as const;

// 2. Definition: one line, with the helper the real unary ops are made with.
export const cube = unaryOpsFor(UNARY)('cube', (x) => x * x * x, ({ g, inputs: [x] }) => [mul(g, mul(square(x!), 3))]);

// 3. WGSL: unary.wgsl with one more case in its `switch OP`.
const UNARY_WGSL = readFileSync(new URL('../../shaders/unary.wgsl', import.meta.url), 'utf8');
const CASE = `    case ${opCodeName('UNARY', 'cube')}: { return x * x * x; }\n`;
const switchAt = UNARY_WGSL.search(/switch\s+OP\s*\{/);
const defaultAt = switchAt < 0 ? -1 : UNARY_WGSL.indexOf('default', switchAt);
if (defaultAt < 0) throw new Error('tests/shared/cube-op.ts: shaders/unary.wgsl has no `switch OP { ... default ... }` to add a case to');
const lineStart = UNARY_WGSL.lastIndexOf('\n', defaultAt) + 1;
export const cubeWgsl = UNARY_WGSL.slice(0, lineStart) + CASE + UNARY_WGSL.slice(lineStart);

// The registry of the real families and the module a contributor's edit would make of
// unary-ops.ts (here a family of its own, holding only cube).
export const reg = makeRegistry({ ...OP_FAMILIES, added: { cube } });
export const def = reg.cube as OpDef<any>;

/** The family's source as the GPU would compile it: the contract's consts (cube's included), common.wgsl, unary.wgsl. */
const common = readFileSync(new URL('../../shaders/common.wgsl', import.meta.url), 'utf8');
export const cubeConst = `const ${opCodeName('UNARY', 'cube')}: u32 = ${UNARY.cube}u;`;
export const cubeFamilySource = `${wgslContract()}\n${cubeConst}\n${common}\n${cubeWgsl}`;

