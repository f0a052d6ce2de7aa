// Section 5 of the MNIST page: the trained model leaves as a safetensors file (Download) and a
// file comes back in (Load weights), built at the file's hidden size and tested on the page's
// test digits. The PyTorch lines shown are the file that tests/fixtures/safetensors/ runs.
import { tensor } from 'shadergrad';
import type { nn } from 'shadergrad';
import { codePanel, el, prose } from '../ui/index.ts';
import { PIXELS, evaluate } from './mnist.ts';
import type { MnistSplit } from './mnist.ts';
import { MODEL_FILE, modelFile, netFromFile } from './weights.ts';
import pytorchSource from './load_in_pytorch.py?raw';

export interface WeightsSection {
  /** A run finished (or stopped after an epoch): its net can be downloaded. */
  trained(net: nn.Module, split: MnistSplit): void;
}

export function weightsSection(parent: HTMLElement, ensureSplit: (signal: AbortSignal) => Promise<MnistSplit>, onLoaded?: (net: nn.Module, file: string) => void): WeightsSection {
  const root = el('section', { class: 'exercise', id: 'mnist-weights' });
  parent.append(root);
  root.append(el('h2', {}, '5. Take the model to PyTorch, and back'));
  prose(
    root,
    "Download saves the trained network as a safetensors file, the format PyTorch and Hugging Face share weights in: a small JSON header naming each tensor with its shape (0.weight, 0.bias, 2.weight, 2.bias, the names our nn.Sequential gives its two Linear layers), then the float32 numbers. Load weights reads such a file back, builds a network with the file's hidden size and tests it on this page's test digits. The PyTorch lines below load the same file into the lesson's ShallowNet (fc1, fc2) and test it on the same 2,000 digits, and print the accuracy this page shows.",
  );
  const download = el('button', { id: 'mnist-download', disabled: '' }, 'Download model (.safetensors)');
  const input = el('input', { type: 'file', id: 'mnist-load-weights', accept: '.safetensors' });
  const status = el('p', { id: 'mnist-weights-status' }, 'Train the network (section 2) to download it, or load a file.');
  root.append(el('div', { class: 'controls' }, download, el('label', {}, 'Load weights: ', input)), status);
  codePanel(root, 'The same model in PyTorch (demos/mnist/load_in_pytorch.py)', pytorchSource);

  let last: { net: nn.Module; split: MnistSplit } | null = null;
  download.addEventListener('click', () => {
    if (!last) return;
    const { net, split } = last;
    void modelFile(net, { seed: split.seed, trainSize: split.train.y.length }).then((bytes) => {
      // The bytes are published for the tests, which cannot open a browser's download.
      window.__results['mnist-download'] = { file: MODEL_FILE, bytes: Array.from(bytes) };
      const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }));
      const a = el('a', { href: url, download: MODEL_FILE });
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
    });
  });

  input.addEventListener('change', () => {
    const file = input.files?.[0];
    if (!file) return;
    status.textContent = `Reading ${file.name}…`;
    void (async () => {
      try {
        const { net, hidden, split: fileSplit } = netFromFile(new Uint8Array(await file.arrayBuffer()));
        const split = await ensureSplit(new AbortController().signal);
        const Xtest = tensor(split.test.x, { shape: [split.test.y.length, PIXELS] });
        const ev = await evaluate(net, Xtest, split.test);
        Xtest.dispose();
        const right = Math.round(ev.accuracy * split.test.y.length);
        const other = fileSplit && (fileSplit.seed !== split.seed || fileSplit.trainSize !== split.train.y.length) ? ` (the file was tested on shuffle seed ${fileSplit.seed} with ${fileSplit.trainSize} training digits; section 1 now uses seed ${split.seed} and ${split.train.y.length})` : '';
        status.textContent = `${file.name}: a 784-${hidden}-10 network, test accuracy ${(ev.accuracy * 100).toFixed(2)}% (${right} of ${split.test.y.length})${other}.`;
        window.__results['mnist-load'] = { file: file.name, hidden, accuracy: ev.accuracy, right };
        onLoaded?.(net, file.name);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        status.textContent = message;
        window.__results['mnist-load'] = { file: file.name, error: message };
      }
    })();
  });

  return {
    trained(net, split) {
      last = { net, split };
      download.disabled = false;
      status.textContent = `The trained 784-${net.parameters()[0]!.shape[0]}-10 network can be downloaded as ${MODEL_FILE}.`;
    },
  };
}
