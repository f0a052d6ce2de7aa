// The index page: the lesson list, and a quick check that training works on this machine.
import { Chart, codePanel, initPage, nextFrame, numberControl, section } from './ui/index.ts';
import { engineCheck } from './engine-check.ts';
import engineCheckSource from './engine-check.ts?raw';

const main = document.querySelector<HTMLElement>('#main')!;
await initPage();

const check = section(main, 'engine-check', 'Engine check');
check.body.textContent =
  'One 2-8-2 network (ReLU, Adam with learning rate 0.08) trained for 80 epochs on 100 random points, right here. If the loss falls, your browser is ready for the lessons.';
const epochsCtl = numberControl(check.controls, 'epochs', 80, { min: 1, max: 100000, step: 1, id: 'engine-check-epochs' });
const chart = new Chart(check.output, { id: 'engine-check-loss', title: 'Loss', xLabel: 'epoch', yLabel: 'cross-entropy', series: [{ label: 'loss' }] });
codePanel(check.root, 'The code that runs (demos/engine-check.ts)', engineCheckSource);

check.onRun(async (ctx) => {
  const epochs = epochsCtl.get();
  chart.reset();
  return engineCheck({
    epochs,
    signal: ctx.signal,
    onEpoch: async (epoch, loss) => {
      chart.append(epoch, [loss]);
      ctx.stepsDone(epoch + 1);
      ctx.progress((epoch + 1) / epochs, `epoch ${epoch + 1}: loss ${loss.toFixed(4)}`);
      if (epoch % 5 === 4) await nextFrame();
    },
  });
});
