#!/usr/bin/python3
"""PyTorch reference for bench_vit3d: the same vit3d (docs/vit3d.md; the
model class of tests/engine/make_vit_fixtures.py, built from nn.Linear and
nn.TransformerEncoderLayer(norm_first=True, gelu)) with 2 input channels at
64x64x32: one training step (forward, L1 loss, backward, Adam) at the
training batch, and inference (eval mode, no_grad, forward plus the loss) at
batch 1 and the training batch. --config defaults: vit3d's defaults (dim
128, depth 4, heads 4, MLP ratio 4, patch 8,8,4); --config paper:
examples/paper.yaml's (patch 8,8,8, dim 192, depth 6, heads 6). Medians
after a warm-up; prints the same key=value lines as bench_vit3d.

    /usr/bin/python3 bench/vit3d/torch_vit3d.py [--batch B] [--reps R] [--threads T]
        [--config defaults|paper] [--device cpu|cuda] [--precision fp32|tf32|bf16]

--device cuda times the GPU as bench/unet3d/torch_unet3d.py does:
synchronize before each clock reading; tf32 allows TF32 in cuBLAS (fp32
turns it off); bf16 runs forward and loss under torch.autocast(bfloat16)
with FP32 weights; infer_host_ms_per_volume copies the batch and target up
and reads the loss back (what the engine's nn_eval_loss does); gpu_mem_mb and
gpu_reserved_mb are torch.cuda.max_memory_allocated / max_memory_reserved.
"""
import argparse
import os
import resource
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "engine"))
sys.path.insert(0, os.path.join(HERE, "..", "unet3d"))
from make_vit_fixtures import ViT3D  # noqa: E402
from torch_unet3d import median_time, set_tf32  # noqa: E402

# (patch (x, y, z), dim, depth, heads) per --config; MLP ratio 4.
CONFIGS = {"defaults": ((8, 8, 4), 128, 4, 4), "paper": ((8, 8, 8), 192, 6, 6)}
GRID = (64, 64, 32)  # x, y, z: tensors (N, C, 32, 64, 64)


def flops(T, C, F, pin, pv, depth):
    block = 2 * T * C * 3 * C + 4 * T * T * C + 2 * T * C * C + 4 * T * C * F
    return 2 * T * pin * C + depth * block + 2 * T * C * pv


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--config", choices=sorted(CONFIGS), default="defaults")
    ap.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    ap.add_argument("--precision", choices=["fp32", "tf32", "bf16"], default="fp32")
    a = ap.parse_args()
    if a.device == "cuda" and not torch.cuda.is_available():
        sys.exit("torch_vit3d.py: --device cuda: torch sees no CUDA device")
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    tf32_setting = set_tf32(a.precision == "tf32") if a.device == "cuda" else "n/a"
    patch, dim, depth, heads = CONFIGS[a.config]
    net = ViT3D(2, GRID, patch, dim, depth, heads, 4.0).to(a.device)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    x = torch.rand(a.batch, 2, 32, 64, 64, device=a.device)
    y = torch.rand(a.batch, 1, 32, 64, 64, device=a.device)
    amp = dict(device_type=a.device, dtype=torch.bfloat16, enabled=a.precision == "bf16")

    def train():
        net.train()
        opt.zero_grad(set_to_none=True)
        with torch.autocast(**amp):
            loss = (net(x) - y).abs().mean()
        loss.backward()
        opt.step()

    def infer(b):
        def run():
            net.eval()
            with torch.no_grad(), torch.autocast(**amp):
                (net(x[:b]) - y[:b]).abs().mean()
        return run

    x_host, y_host = x.cpu(), y.cpu()

    def infer_host():
        net.eval()
        with torch.no_grad(), torch.autocast(**amp):
            xd, yd = x_host.to(a.device), y_host.to(a.device)
            (net(xd) - yd).abs().mean().item()

    t_train, c_train = (v / a.batch for v in median_time(train, a.reps))
    t_inf1, c_inf1 = median_time(infer(1), a.reps)
    t_infb, c_infb = (v / a.batch for v in median_time(infer(a.batch), a.reps))
    t_infh = median_time(infer_host, a.reps)[0] / a.batch if a.device == "cuda" else None
    T = 1
    for g, p in zip(GRID, patch):
        T *= g // p
    pv = patch[0] * patch[1] * patch[2]
    f = flops(T, dim, 4 * dim, 2 * pv, pv, depth)
    report(a, net, f, t_train, t_inf1, t_infb, t_infh, tf32_setting, (c_train, c_inf1, c_infb))


def report(a, net, f, t_train, t_inf1, t_infb, t_infh, tf32_setting, cpu):
    d = 3 if a.device == "cuda" else 1  # GPU figures are around a millisecond
    n = sum(p.numel() for p in net.parameters())
    print(f"impl=pytorch-{torch.__version__} threads={a.threads} batch={a.batch} reps={a.reps}")
    if a.config != "defaults":
        patch, dim, depth, heads = CONFIGS[a.config]
        print(f"config={a.config} patch={','.join(map(str, patch))} dim={dim} "
              f"depth={depth} heads={heads}")
    print(f"params={n}")
    print(f"gflop_forward_per_volume={f * 1e-9:.3f}")
    print(f"train_ms_per_volume={t_train * 1e3:.{d}f}")
    print(f"infer_b1_ms_per_volume={t_inf1 * 1e3:.{d}f}")
    print(f"infer_ms_per_volume={t_infb * 1e3:.{d}f}")
    print(f"gflops_train={3 * f / t_train * 1e-9:.1f}")
    print(f"gflops_infer={f / t_infb * 1e-9:.1f}")
    print(f"peak_rss_mb={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}")
    c_train, c_inf1, c_infb = cpu  # process CPU seconds per volume
    print(f"train_cpu_ms_per_volume={c_train * 1e3:.{d}f}")
    print(f"infer_b1_cpu_ms_per_volume={c_inf1 * 1e3:.{d}f}")
    print(f"infer_cpu_ms_per_volume={c_infb * 1e3:.{d}f}")
    if a.device == "cuda":
        print(f"device=cuda precision={a.precision} tf32_setting={tf32_setting}")
        print(f"gpu={torch.cuda.get_device_name()}")
        print(f"infer_host_ms_per_volume={t_infh * 1e3:.3f}")
        print(f"gpu_mem_mb={torch.cuda.max_memory_allocated() / 2**20:.0f}")
        print(f"gpu_reserved_mb={torch.cuda.max_memory_reserved() / 2**20:.0f}")


if __name__ == "__main__":
    main()
