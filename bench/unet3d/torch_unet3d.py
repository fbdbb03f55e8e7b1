#!/usr/bin/python3
"""PyTorch reference for bench_unet3d: the same 3D U-Net (docs/engine.md,
engine/src/unet3d_graph.c) with 2 input channels at 64x64x32, one training
step (forward, L1 loss, backward, Adam) at the training batch, and inference
(eval mode, no_grad, forward plus the loss) at batch 1 and the training
batch. Medians of several runs after a warm-up; prints the same key=value
lines as bench_unet3d.

    /usr/bin/python3 bench/unet3d/torch_unet3d.py [--batch B] [--reps R] [--threads T]
        [--device cpu|cuda] [--precision fp32|tf32|bf16]

--device cuda keeps model and data on the GPU and synchronizes before each
clock reading; --precision tf32 allows TF32 in cuDNN and cuBLAS (fp32 turns
it off, PyTorch's default for cuDNN being on); bf16 runs forward and loss
under torch.autocast(bfloat16) with FP32 weights and TF32 off. With cuda,
infer_host_ms_per_volume times what the engine's nn_eval_loss does: the
batch and its target copied up from ordinary host memory, forward, loss,
and the loss value read back (.item()). gpu_mem_mb is
torch.cuda.max_memory_allocated (the peak of live tensors, cuDNN workspaces
included, the caching allocator's spare blocks and the CUDA context not);
gpu_reserved_mb is torch.cuda.max_memory_reserved (what the allocator took
from the driver).
"""
import argparse
import resource
import statistics
import time

import torch
import torch.nn as nn


def conv_unit(ci, co):
    return [nn.Conv3d(ci, co, 3, padding=1, bias=False), nn.BatchNorm3d(co),
            nn.ReLU(inplace=True)]


class UNet3D(nn.Module):
    def __init__(self, cin=2, base=16, depth=4, p=0.05):
        super().__init__()
        chans = [base << lvl for lvl in range(depth)]
        self.enc = nn.ModuleList()
        c = cin
        for co in chans:
            self.enc.append(nn.Sequential(*conv_unit(c, co), *conv_unit(co, co),
                                          nn.Dropout(p)))
            c = co
        self.pool = nn.MaxPool3d(2)
        self.centre = nn.Sequential(*conv_unit(c, c), *conv_unit(c, c),
                                    *conv_unit(c, c))
        self.centre_drop = nn.Dropout(p)
        self.up = nn.ModuleList()
        self.dec = nn.ModuleList()
        for co in reversed(chans):
            self.up.append(nn.ConvTranspose3d(c, co, 2, stride=2))
            self.dec.append(nn.Sequential(*conv_unit(2 * co, co), *conv_unit(co, co),
                                          *conv_unit(co, co), nn.Dropout(p)))
            c = co
        self.final = nn.Conv3d(c, 1, 1)

    def forward(self, x):
        skips = []
        for enc in self.enc:
            x = enc(x)
            skips.append(x)
            x = self.pool(x)
        x = self.centre_drop(self.centre(x) + x)
        for up, dec, skip in zip(self.up, self.dec, reversed(skips)):
            x = dec(torch.cat([up(x), skip], 1))
        return self.final(x)


def set_tf32(on):
    """TF32 in cuDNN convolutions and cuBLAS matmuls on or off: the
    fp32_precision settings of PyTorch >= 2.9, else the allow_tf32 flags.
    Returns what was set, for the output."""
    try:
        value = "tf32" if on else "ieee"
        torch.backends.cudnn.conv.fp32_precision = value
        torch.backends.cuda.matmul.fp32_precision = value
        return f"fp32_precision={torch.backends.cudnn.conv.fp32_precision}"
    except (AttributeError, RuntimeError, TypeError):
        torch.backends.cudnn.allow_tf32 = on
        torch.backends.cuda.matmul.allow_tf32 = on
        return f"allow_tf32={int(torch.backends.cudnn.allow_tf32)}"


def sync():
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        torch.cuda.synchronize()


def median_time(fn, reps):
    """Median wall and process-CPU seconds (CPU time does not count waiting
    for a core, so with 1 thread it compares across a loaded machine)."""
    fn()  # warm-up: oneDNN primitive caches, allocator
    sync()
    ts, cs = [], []
    for _ in range(reps):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        sync()
        ts.append(time.perf_counter() - t0)
        cs.append(time.process_time() - c0)
    return statistics.median(ts), statistics.median(cs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    ap.add_argument("--precision", choices=["fp32", "tf32", "bf16"], default="fp32")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    tf32_setting = "n/a"
    if a.device == "cuda":
        tf32_setting = set_tf32(a.precision == "tf32")
    D, H, W = 32, 64, 64
    model = UNet3D().to(a.device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.L1Loss()
    x = torch.rand(a.batch, 2, D, H, W, device=a.device)
    y = torch.rand(a.batch, 1, D, H, W, device=a.device)

    amp = a.precision == "bf16"

    def train():
        model.train()
        opt.zero_grad()
        with torch.autocast(a.device, dtype=torch.bfloat16, enabled=amp):
            loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()

    def infer(b):
        def run():
            model.eval()
            with torch.no_grad(), torch.autocast(a.device, dtype=torch.bfloat16, enabled=amp):
                loss_fn(model(x[:b]), y[:b])
        return run

    x_host, y_host = x.cpu(), y.cpu()

    def infer_host():
        model.eval()
        with torch.no_grad(), torch.autocast(a.device, dtype=torch.bfloat16, enabled=amp):
            xd, yd = x_host.to(a.device), y_host.to(a.device)
            loss_fn(model(xd), yd).item()

    t_train, c_train = median_time(train, a.reps)
    t_inf1, _ = median_time(infer(1), a.reps)
    t_infb, c_infb = median_time(infer(a.batch), a.reps)
    t_infh = median_time(infer_host, a.reps)[0] / a.batch if a.device == "cuda" else None
    t_train, c_train = t_train / a.batch, c_train / a.batch
    t_infb, c_infb = t_infb / a.batch, c_infb / a.batch
    flops = forward_flops(D, H, W)
    n_params = sum(p.numel() for p in model.parameters())
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(f"impl=pytorch-{torch.__version__} threads={a.threads} batch={a.batch} reps={a.reps}")
    print(f"params={n_params}")
    print(f"gflop_forward_per_volume={flops * 1e-9:.3f}")
    print(f"train_ms_per_volume={t_train * 1e3:.3f}")
    print(f"infer_b1_ms_per_volume={t_inf1 * 1e3:.3f}")
    print(f"infer_ms_per_volume={t_infb * 1e3:.3f}")
    print(f"gflops_train={3 * flops / t_train * 1e-9:.1f}")
    print(f"gflops_infer={flops / t_infb * 1e-9:.1f}")
    print(f"peak_rss_mb={rss:.0f}")
    print(f"train_cpu_ms_per_volume={c_train * 1e3:.1f}")
    print(f"infer_cpu_ms_per_volume={c_infb * 1e3:.1f}")
    if a.device == "cuda":
        print(f"device=cuda precision={a.precision} tf32_setting={tf32_setting} "
              f"cudnn_benchmark={int(torch.backends.cudnn.benchmark)}")
        print(f"gpu={torch.cuda.get_device_name()}")
        print(f"infer_host_ms_per_volume={t_infh * 1e3:.3f}")
        print(f"gpu_mem_mb={torch.cuda.max_memory_allocated() / 2**20:.0f}")
        print(f"gpu_reserved_mb={torch.cuda.max_memory_reserved() / 2**20:.0f}")


def forward_flops(D, H, W, cin=2, base=16, depth=4):
    """Convolution and transposed-convolution FLOPs of one forward pass."""
    vox = lambda lvl: (D >> lvl) * (H >> lvl) * (W >> lvl)
    f, c = 0.0, cin
    for lvl in range(depth):
        co = base << lvl
        f += 2 * 27 * vox(lvl) * (c * co + co * co)
        c = co
    f += 3 * 2 * 27 * vox(depth) * c * c
    for lvl in reversed(range(depth)):
        co = base << lvl
        f += 2 * 8 * vox(lvl + 1) * c * co
        f += 2 * 27 * vox(lvl) * (2 * co * co + 2 * co * co)
        c = co
    return f + 2 * vox(0) * c


if __name__ == "__main__":
    main()
