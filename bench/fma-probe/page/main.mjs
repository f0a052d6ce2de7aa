// The probe in Chromium (its SwiftShader is what bench:kernels measures): chrome.mjs calls window.runFmaProbe.
import * as sg from '../../../src/index.ts';
import * as mm from '../../../src/ops/matmul.ts';
import { currentBackend } from '../../../src/engine/backend.ts';
import { timeDispatches, replayOf } from '../../../src/backend/webgpu/replay.ts';
import { runProbe } from '../core.mjs';
import * as kernels from '../../../src/tools/kernels.ts';
import * as choice from '../../../src/ops/matmul-choice.ts';
const log = (msg) => { console.log(`bench: ${msg}`); document.querySelector('#log').textContent += `${msg}\n`; };
window.runFmaProbe = async (a) => {
  await sg.setBackend('webgpu');
  await runProbe({ sg, mm, device: currentBackend().device, backend: currentBackend(), timeDispatches, replayOf, kernels, choice, ...a, log });
  return 'done';
};
