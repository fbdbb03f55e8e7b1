#!/usr/bin/python3
"""PyTorch reference for bench_vit3d: the same vit3d (docs/vit3d.md; the
model class of tests/engine/make_vit_fixtures.py, built from nn.Linear and
nn.TransformerEncoderLayer(norm_first=True, gelu)) at its defaults (dim 128,
depth 4, heads 4, MLP ratio 4, patch 8,8,4) with 2 input channels at
64x64x32: one training step (forward, L1 loss, backward, Adam) at the
training batch, and inference (eval mode, no_grad, forward plus the loss) at
batch 1 and the training batch. Medians after a warm-up; prints the same
key=value lines as bench_vit3d.

    /usr/bin/python3 bench/vit3d/torch_vit3d.py [--batch B] [--reps R] [--threads T]
"""
import argparse
import os
import resource
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "tests", "engine"))
from make_vit_fixtures import ViT3D  # noqa: E402


def median_time(fn, reps):
    fn()  # warm-up
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts)


def flops(T, C, F, pin, pv, depth):
    block = 2 * T * C * 3 * C + 4 * T * T * C + 2 * T * C * C + 4 * T * C * F
    return 2 * T * pin * C + depth * block + 2 * T * C * pv


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    net = ViT3D(2, (64, 64, 32), (8, 8, 4), 128, 4, 4, 4.0)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    x = torch.rand(a.batch, 2, 32, 64, 64)
    y = torch.rand(a.batch, 1, 32, 64, 64)

    def train():
        net.train()
        opt.zero_grad(set_to_none=True)
        (net(x) - y).abs().mean().backward()
        opt.step()

    def infer(b):
        net.eval()
        with torch.no_grad():
            (net(x[:b]) - y[:b]).abs().mean().item()

    t_train = median_time(train, a.reps) / a.batch
    t_inf1 = median_time(lambda: infer(1), a.reps)
    t_infb = median_time(lambda: infer(a.batch), a.reps) / a.batch
    f = flops(512, 128, 512, 2 * 256, 256, 4)
    n = sum(p.numel() for p in net.parameters())
    print(f"impl=pytorch-{torch.__version__} threads={a.threads} batch={a.batch} reps={a.reps}")
    print(f"params={n}")
    print(f"gflop_forward_per_volume={f * 1e-9:.3f}")
    print(f"train_ms_per_volume={t_train * 1e3:.1f}")
    print(f"infer_b1_ms_per_volume={t_inf1 * 1e3:.1f}")
    print(f"infer_ms_per_volume={t_infb * 1e3:.1f}")
    print(f"gflops_train={3 * f / t_train * 1e-9:.1f}")
    print(f"gflops_infer={f / t_infb * 1e-9:.1f}")
    print(f"peak_rss_mb={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}")


if __name__ == "__main__":
    main()
