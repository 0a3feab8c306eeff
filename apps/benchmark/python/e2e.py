"""The PyTorch peer of autonas's end-to-end benchmark (`npm run bench -- e2e`).

  python3 e2e.py '{"train_x": "...", "train_y": "...", "test_x": "...", "test_y": "...",
                   "seconds": 540, "threads": 2, "seed": 0, "batch_size": 64, "lr": 0.001,
                   "target": 0.99}'

trains the Keras mnist_cnn (the network of throughput.py) on the MNIST images autonas wrote
(raw little-endian float32 pixels in [0, 1], N x 28 x 28, and int32 labels) with Adam and a cosine
learning rate that ends with `seconds` of training, as autonas's trainModel does: the rate follows
the larger of the step fraction and the time fraction, and training stops at the first batch past
the time. After each epoch (and after the last, cut-short one) it evaluates on the test images;
that time is not counted. Progress goes to stderr, one JSON line to stdout:
{"testAccuracy", "trainSeconds", "timeToTarget" (null: never), "epochs", "curve", "evalSeconds",
"samplesPerSecond", "torch", "threads"}.
"""
import json
import math
import sys
import time

import numpy as np
import torch
from torch import nn

from throughput import mnist_cnn

MAX_EPOCHS = 1000  # a cap only: the time ends the training, as in the autonas peer


def load(images, labels):
    x = torch.from_numpy(np.fromfile(images, dtype="<f4").reshape(-1, 1, 28, 28))
    y = torch.from_numpy(np.fromfile(labels, dtype="<i4").astype(np.int64))
    if x.shape[0] != y.shape[0]:
        raise SystemExit(f"{images}: {x.shape[0]} images but {y.shape[0]} labels")
    return x, y


def accuracy(model, x, y):
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, x.shape[0], 1000):
            correct += int((model(x[i:i + 1000]).argmax(1) == y[i:i + 1000]).sum())
    model.train()
    return correct / x.shape[0]


def main():
    job = json.loads(sys.argv[1])
    threads = int(job["threads"])
    torch.set_num_threads(threads)
    seed = int(job["seed"])
    torch.manual_seed(seed)
    x, y = load(job["train_x"], job["train_y"])
    xt, yt = load(job["test_x"], job["test_y"])
    budget = float(job["seconds"])
    batch = int(job["batch_size"])
    base_lr = float(job["lr"])
    target = float(job["target"])
    model = mnist_cnn()
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=base_lr)
    loss_fn = nn.CrossEntropyLoss()
    n = x.shape[0]
    batches = math.ceil(n / batch)
    total_steps = MAX_EPOCHS * batches
    gen = torch.Generator().manual_seed(seed)
    trained = 0.0  # seconds of training, evaluation left out
    eval_seconds = 0.0
    samples = 0
    step = 0
    curve = []
    reached = None
    done = False
    for epoch in range(MAX_EPOCHS):
        order = torch.randperm(n, generator=gen)
        seen = 0
        start = time.perf_counter()
        for b in range(batches):
            elapsed = trained + time.perf_counter() - start
            if elapsed >= budget:
                done = True
                break
            progress = min(1.0, max(step / total_steps, elapsed / budget))
            for g in opt.param_groups:
                g["lr"] = base_lr * (1 + math.cos(math.pi * progress)) / 2
            idx = order[b * batch:(b + 1) * batch]
            opt.zero_grad()
            loss = loss_fn(model(x[idx]), y[idx])
            loss.backward()
            opt.step()
            step += 1
            seen += idx.shape[0]
        trained += time.perf_counter() - start
        samples += seen
        if seen == 0:
            break
        t = time.perf_counter()
        acc = accuracy(model, xt, yt)
        eval_seconds += time.perf_counter() - t
        curve.append({"epoch": epoch, "trainSeconds": trained, "testAccuracy": acc, "samples": seen, "partial": done})
        if reached is None and acc >= target:
            reached = trained
        print(f"  pytorch epoch {epoch + 1}{' (cut at the time)' if done else ''}: test {acc * 100:.2f}% at {trained:.1f} s", file=sys.stderr, flush=True)
        if done:
            break
    print(json.dumps({
        "testAccuracy": curve[-1]["testAccuracy"] if curve else None,
        "trainSeconds": trained,
        "timeToTarget": reached,
        "epochs": sum(1 for c in curve if not c["partial"]),
        "curve": curve,
        "evalSeconds": eval_seconds,
        "samplesPerSecond": samples / max(trained, 1e-9),
        "torch": torch.__version__,
        "threads": threads,
    }))


if __name__ == "__main__":
    main()
