// The index page: the lesson list, and a quick check that training works on this machine.
import { F, manualSeed, nn, optim, randn } from 'shadergrad';
import { Chart, initPage, nextFrame, section } from './ui/index.ts';

const main = document.querySelector<HTMLElement>('#main')!;
await initPage();

const check = section(main, 'engine-check', 'Engine check');
check.body.textContent =
  'One 2-8-2 network (ReLU, Adam with learning rate 0.08) trained for 80 epochs on 100 random points, right here. If the loss falls, your browser is ready for the lessons.';
const chart = new Chart(check.output, { id: 'engine-check-loss', title: 'Loss', xLabel: 'epoch', yLabel: 'cross-entropy', series: [{ label: 'loss' }] });

check.onRun(async (ctx) => {
  chart.reset();
  manualSeed(3);
  const X = randn([100, 2]);
  const y = X.sum(1).gt(0);
  const net = new nn.Sequential(new nn.Linear(2, 8), new nn.ReLU(), new nn.Linear(8, 2));
  const opt = new optim.Adam(net.parameters(), { lr: 0.08 });
  const losses: number[] = [];
  const t0 = performance.now();
  for (let epoch = 0; epoch < 80 && !ctx.signal.aborted; epoch++) {
    const loss = F.crossEntropy(net.forward(X), y);
    opt.zeroGrad();
    loss.backward();
    opt.step();
    losses.push(await loss.item());
    chart.append(epoch, [losses.at(-1)!]);
    ctx.stepTime((performance.now() - t0) / (epoch + 1));
    ctx.progress((epoch + 1) / 80, `epoch ${epoch + 1}: loss ${losses.at(-1)!.toFixed(4)}`);
    if (epoch % 5 === 4) await nextFrame();
  }
  return { losses };
});
