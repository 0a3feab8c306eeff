"""PyTorch's training throughput on the networks of autonas's throughput benchmark.

  python3 throughput.py '{"net": "chain", "threads": 2, "steps": 20, "batch_size": 64}'

prints one JSON line {"imagesPerSecond": ..., "torch": version}. The networks are those of
apps/benchmark/src/throughput-nets.ts (chain: autonas's default network; mnist_cnn: the Keras
example; resnet: 3 stages x 2 basic blocks of 16/32/64 channels), trained with Adam (lr 1e-3)
and cross-entropy on random 28x28x1 images, after two warm-up steps, as autonas's worker does.
"""
import json
import sys
import time

import torch
from torch import nn


def chain():
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32, eps=1e-3, momentum=0.1), nn.ReLU(), nn.MaxPool2d(2), nn.Dropout(0.25),
        nn.Conv2d(32, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64, eps=1e-3, momentum=0.1), nn.ReLU(), nn.MaxPool2d(2), nn.Dropout(0.25),
        nn.Flatten(), nn.Linear(7 * 7 * 64, 128), nn.ReLU(), nn.Dropout(0.5), nn.Linear(128, 10))


def mnist_cnn():
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Dropout(0.25),
        nn.Flatten(), nn.Linear(12 * 12 * 64, 128), nn.ReLU(), nn.Dropout(0.5), nn.Linear(128, 10))


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.a = nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout, eps=1e-3), nn.ReLU(),
                               nn.Conv2d(cout, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout, eps=1e-3))
        self.shortcut = nn.Identity() if stride == 1 and cin == cout else nn.Sequential(
            nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout, eps=1e-3))

    def forward(self, x):
        return torch.relu(self.a(x) + self.shortcut(x))


def resnet():
    layers = [nn.Conv2d(1, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16, eps=1e-3), nn.ReLU()]
    cin = 16
    for stage, cout in enumerate((16, 32, 64)):
        for block in range(2):
            layers.append(Block(cin, cout, 2 if stage > 0 and block == 0 else 1))
            cin = cout
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10)]
    return nn.Sequential(*layers)


NETS = {"chain": chain, "mnist_cnn": mnist_cnn, "resnet": resnet}


def main():
    job = json.loads(sys.argv[1])
    torch.set_num_threads(int(job["threads"]))
    torch.manual_seed(1)
    model = NETS[job["net"]]()
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    batch = int(job["batch_size"])
    steps = int(job["steps"])
    x = torch.rand(steps + 2, batch, 1, 28, 28)
    y = torch.arange(batch) % 10

    def step(i):
        opt.zero_grad()
        loss = loss_fn(model(x[i]), y)
        loss.backward()
        opt.step()
        return loss.item()

    step(0)
    step(1)
    start = time.perf_counter()
    for i in range(steps):
        step(i + 2)
    seconds = time.perf_counter() - start
    print(json.dumps({"imagesPerSecond": steps * batch / seconds, "torch": torch.__version__}))


if __name__ == "__main__":
    main()
