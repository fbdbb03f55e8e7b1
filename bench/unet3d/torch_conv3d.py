#!/usr/bin/python3
"""PyTorch reference for bench_conv3d: the same 3x3x3 convolution shapes
(conv3d_shapes.h), forward with torch.nn.functional.conv3d and backward by
autograd (input and weight gradients; none for the first layer's input),
median of several runs, same output format.

    /usr/bin/python3 bench/unet3d/torch_conv3d.py [--batch N] [--reps R] [--threads T]
"""
import argparse
import statistics
import time

import torch
import torch.nn.functional as F

# name, ci, co, d, h, w, count: as in conv3d_shapes.h
SHAPES = [
    ("enc0.a", 2, 16, 32, 64, 64, 1), ("enc0.b", 16, 16, 32, 64, 64, 3),
    ("enc1.a", 16, 32, 16, 32, 32, 1), ("enc1.b", 32, 32, 16, 32, 32, 3),
    ("enc2.a", 32, 64, 8, 16, 16, 1), ("enc2.b", 64, 64, 8, 16, 16, 3),
    ("enc3.a", 64, 128, 4, 8, 8, 1), ("enc3.b", 128, 128, 4, 8, 8, 3),
    ("centre", 128, 128, 2, 4, 4, 3), ("dec3.a", 256, 128, 4, 8, 8, 1),
    ("dec2.a", 128, 64, 8, 16, 16, 1), ("dec1.a", 64, 32, 16, 32, 32, 1),
    ("dec0.a", 32, 16, 32, 64, 64, 1),
]


def time_shape(n, ci, co, d, h, w, reps, first):
    x = torch.rand(n, ci, d, h, w) - 0.5
    x.requires_grad_(not first)
    wt = (torch.rand(co, ci, 3, 3, 3) - 0.5).requires_grad_(True)
    tf, tb, cf, cb = [], [], [], []
    for _ in range(reps + 1):  # first run warms up oneDNN's primitive cache
        t0, c0 = time.perf_counter(), time.process_time()
        y = F.conv3d(x, wt, None, padding=1)
        t1, c1 = time.perf_counter(), time.process_time()
        y.backward(y.detach())
        t2, c2 = time.perf_counter(), time.process_time()
        tf.append(t1 - t0)
        tb.append(t2 - t1)
        cf.append(c1 - c0)
        cb.append(c2 - c1)
        wt.grad = None
        x.grad = None
    med = lambda v: statistics.median(v[1:])
    return med(tf), med(tb), med(cf), med(cb)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    print(f"# torch {torch.__version__} batch={a.batch} threads={a.threads} "
          f"reps={a.reps} (median) mkldnn={torch.backends.mkldnn.is_available()}")
    tot_f = tot_b = fl_f = fl_b = cpu_f = cpu_b = 0.0
    for i, (name, ci, co, d, h, w, count) in enumerate(SHAPES):
        first = i == 0
        flops = 2.0 * a.batch * ci * co * 27 * d * h * w
        tf, tb, cf, cb = time_shape(a.batch, ci, co, d, h, w, a.reps, first)
        bflops = flops * (1 if first else 2)
        print(f"{name:<7} ci={ci:<3} co={co:<3} {d:2}x{h:2}x{w:2} "
              f"fwd_ms={tf * 1e3:8.2f} fwd_gflops={flops / tf * 1e-9:6.1f} "
              f"bwd_ms={tb * 1e3:8.2f} bwd_gflops={bflops / tb * 1e-9:6.1f} "
              f"fwd_cpu_ms={cf * 1e3:8.2f} bwd_cpu_ms={cb * 1e3:8.2f}")
        tot_f += tf * count
        tot_b += tb * count
        cpu_f += cf * count
        cpu_b += cb * count
        fl_f += flops * count
        fl_b += bflops * count
    print(f"total_fwd_ms={tot_f * 1e3:.1f} total_fwd_gflops={fl_f / tot_f * 1e-9:.1f} "
          f"total_bwd_ms={tot_b * 1e3:.1f} total_bwd_gflops={fl_b / tot_b * 1e-9:.1f} "
          f"total_fwd_cpu_ms={cpu_f * 1e3:.1f} total_bwd_cpu_ms={cpu_b * 1e3:.1f}")


if __name__ == "__main__":
    main()
