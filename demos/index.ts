// The index page's engine check: the README's Demo 2 for one activation, in the browser.
import { F, manualSeed, nn, optim, randn } from 'shadergrad';

const out = document.querySelector<HTMLOutputElement>('#out')!;
const button = document.querySelector<HTMLButtonElement>('#run')!;

button.addEventListener('click', async () => {
  button.disabled = true;
  try {
    manualSeed(3);
    const X = randn([100, 2]);
    const y = X.sum(1).gt(0);
    const net = new nn.Sequential(new nn.Linear(2, 8), new nn.ReLU(), new nn.Linear(8, 2));
    const opt = new optim.Adam(net.parameters(), { lr: 0.08 });
    const t0 = performance.now();
    for (let epoch = 0; epoch < 80; epoch++) {
      const loss = F.crossEntropy(net.forward(X), y);
      opt.zeroGrad();
      loss.backward();
      opt.step();
      const value = await loss.item();
      if (epoch % 10 === 9) out.textContent = `epoch ${epoch + 1}: loss ${value.toFixed(4)}`;
    }
    out.textContent += `\n80 epochs in ${(performance.now() - t0).toFixed(0)} ms`;
  } catch (err) {
    out.textContent = `Error: ${err instanceof Error ? err.message : String(err)}`;
  } finally {
    button.disabled = false;
  }
});
