# The MNIST page's download in PyTorch: the lesson's ShallowNet takes the file's weights and is
# tested on the page's 2,000 test digits. Run it beside mnist-shallow.safetensors and the two
# IDX files that `npm run build:mnist` writes into demos/public/data/mnist/.
import numpy as np
import torch
from safetensors import safe_open
from safetensors.torch import load_file
from torch import nn


class ShallowNet(nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.fc1 = nn.Linear(28 * 28, hidden)
        self.fc2 = nn.Linear(hidden, 10)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x.view(x.size(0), -1))))


state = load_file("mnist-shallow.safetensors")
# The page's model is nn.Sequential(Linear, ReLU, Linear): its layers are named 0 and 2.
rename = {"0.weight": "fc1.weight", "0.bias": "fc1.bias", "2.weight": "fc2.weight", "2.bias": "fc2.bias"}
model = ShallowNet(hidden=state["0.weight"].shape[0])
model.load_state_dict({rename[name]: value for name, value in state.items()})
model.eval()

# The page's test digits: numpy's RandomState(seed).permutation shuffles the 10,000, the first
# train_size train, the rest test. The file's metadata says which seed and split it used.
with safe_open("mnist-shallow.safetensors", "pt") as f:
    meta = f.metadata()
images = np.fromfile("mnist-10k-images-idx3-ubyte", np.uint8)[16:].reshape(-1, 784) / 255
labels = np.fromfile("mnist-10k-labels-idx1-ubyte", np.uint8)[8:]
test = np.random.RandomState(int(meta["split_seed"])).permutation(len(labels))[int(meta["train_size"]):]
with torch.no_grad():
    predicted = model(torch.tensor(images[test], dtype=torch.float32)).argmax(1)
right = (predicted == torch.tensor(labels[test])).sum().item()
print(f"test accuracy {right / len(test):.4f} ({right} of {len(test)})")
