// Plain Node ESM, as a user of the installed package writes it: train XOR on the backend
// named on the command line and print the final loss as JSON.
import { manualSeed, tensor, nn, F, optim, setBackend } from 'shadergrad';

const backend = process.argv[2] ?? 'cpu';
const info = await setBackend(backend);
manualSeed(0);
const X = tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);
const y = tensor([0, 1, 1, 0], { dtype: 'int32' });
const net = new nn.Sequential(new nn.Linear(2, 8), new nn.Tanh(), new nn.Linear(8, 2));
const opt = new optim.Adam(net.parameters(), { lr: 0.05 });
let loss = Infinity;
for (let epoch = 0; epoch < 300; epoch++) {
  const l = F.crossEntropy(net.forward(X), y);
  opt.zeroGrad();
  l.backward();
  opt.step();
  loss = await l.item();
}
console.log(JSON.stringify({ backend: info.name, loss }));
// Dawn keeps the event loop alive while a device lives.
process.exit(0);
