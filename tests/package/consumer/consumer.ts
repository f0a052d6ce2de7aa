// A strict TypeScript consumer (nodenext, strict): the package's types must resolve and check.
import { exp, manualSeed, tensor, nn, optim, F } from 'shadergrad';
import type { Tensor, BackendInfo, DType } from 'shadergrad';

manualSeed(1);
const net = new nn.Sequential(new nn.Linear(2, 4), new nn.ReLU(), new nn.Linear(4, 1));
const x: Tensor = tensor([[0, 1]]);
const loss: Tensor = F.mseLoss(net.forward(x), tensor([[1]]));
const opt = new optim.SGD(net.parameters(), { lr: 0.1 });
opt.zeroGrad();
loss.backward();
opt.step();
const dtype: DType = loss.dtype;
// The methods come from one table (src/ops/api.ts), merged into the declaration of Tensor.
export const same: [Tensor, Tensor, Tensor] = [x.exp().relu(), exp(x), x.add(1).mul(x).transpose(0, 1)];
export const report = async (info: BackendInfo): Promise<string> => `${info.name} ${dtype} ${await loss.item()}`;
