#!/usr/bin/python3
"""PyTorch reference for bench_ddpm3d: the same conditional diffusion
denoiser (docs/ddpm3d.md, engine/src/ddpm3d_*.c) and the plain U-Net it is
built on, timed the way bench_ddpm3d times them, printing the same
key=value lines.

Network: the 3D U-Net of bench/unet3d/torch_unet3d.py (base 16, depth 4,
dropout 0.05) with in_channels + 1 inputs (x_t, then ASL and M0), and the
timestep embedding sinusoid(t) (temb_dim 32) -> Linear(32, 128) -> SiLU ->
Linear(128, 128) -> SiLU -> Linear(128, 608), one bias per channel of every
block added after the block's first conv -> BN -> ReLU unit (enc l, the
centre, dec l, in that order). T = 1000, cosine schedule.

Figures: one training step (draw t, eps; q-sample; forward; MSE on the
noise; backward; Adam lr 1e-3) per volume at the training batch, for the
U-Net (2 channels, MSE on the target) and ddpm3d; one U-Net inference
forward plus loss at batch 1; whole-volume DDIM sampling (eta 0, no
guidance, eval mode, no_grad) for each step count, and its cost per step.
Medians of --reps runs after a warm-up (sampling: --sample-reps runs after
one warm-up chain).

    /usr/bin/python3 bench/ddpm3d/torch_ddpm3d.py [--grid X,Y,Z] [--batch B]
        [--reps R] [--sample-reps R] [--threads T] [--steps 10,50,250]
        [--params-only]

--params-only prints the two parameter counts and exits (the smoke test
compares them with the engine's).
"""
import argparse
import math
import os
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "unet3d"))
from torch_unet3d import UNet3D, conv_unit, forward_flops  # noqa: E402

T_STEPS, TEMB = 1000, 32


def cosine_alpha_bar(T, s=0.008):
    """alpha_bar[t] of the cosine schedule (Nichol & Dhariwal), beta clipped
    at 0.999, as nn_diffusion_schedule computes it (double precision)."""
    f = lambda u: math.cos((u / T + s) / (1 + s) * math.pi / 2) ** 2
    ab, out = 1.0, []
    for t in range(T):
        ab *= 1 - min(1 - f(t + 1) / f(t), 0.999)
        out.append(ab)
    return out


def sinusoid(t, dim):
    half = dim // 2
    freq = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float64) / half)
    a = t.double()[:, None] * freq[None, :]
    return torch.cat((a.sin(), a.cos()), 1).float()


class DDPM3D(nn.Module):
    """eps_theta(x_t, c, t): the U-Net with a per-sample channel bias from
    the time MLP after the first conv unit of every block."""

    def __init__(self, cin=3, base=16, depth=4, p=0.05, temb=TEMB):
        super().__init__()
        chans = [base << lvl for lvl in range(depth)]
        self.enc_a, self.enc_b = nn.ModuleList(), nn.ModuleList()
        c = cin
        for co in chans:
            self.enc_a.append(nn.Sequential(*conv_unit(c, co)))
            self.enc_b.append(nn.Sequential(*conv_unit(co, co), nn.Dropout(p)))
            c = co
        self.centre_a = nn.Sequential(*conv_unit(c, c))
        self.centre_b = nn.Sequential(*conv_unit(c, c), *conv_unit(c, c))
        self.centre_drop = nn.Dropout(p)
        self.up, self.dec_a, self.dec_b = nn.ModuleList(), nn.ModuleList(), nn.ModuleList()
        for co in reversed(chans):
            self.up.append(nn.ConvTranspose3d(c, co, 2, stride=2))
            self.dec_a.append(nn.Sequential(*conv_unit(2 * co, co)))
            self.dec_b.append(nn.Sequential(*conv_unit(co, co), *conv_unit(co, co),
                                            nn.Dropout(p)))
            c = co
        self.final = nn.Conv3d(c, 1, 1)
        self.split = chans + [chans[-1]] + list(reversed(chans))
        self.temb = temb
        self.fc1 = nn.Linear(temb, 4 * temb)
        self.fc2 = nn.Linear(4 * temb, 4 * temb)
        self.out = nn.Linear(4 * temb, sum(self.split))

    def forward(self, x, t):
        cb = self.out(F.silu(self.fc2(F.silu(self.fc1(sinusoid(t, self.temb))))))
        bias = iter(torch.split(cb, self.split, 1))
        add = lambda h: h + next(bias)[:, :, None, None, None]
        skips = []
        for a, b in zip(self.enc_a, self.enc_b):
            x = b(add(a(x)))
            skips.append(x)
            x = F.max_pool3d(x, 2)
        x = self.centre_drop(self.centre_b(add(self.centre_a(x))) + x)
        for up, a, b, skip in zip(self.up, self.dec_a, self.dec_b, reversed(skips)):
            x = b(add(a(torch.cat([up(x), skip], 1))))
        return self.final(x)


def median_time(fn, reps):
    """Median wall and process-CPU seconds after one warm-up call."""
    fn()
    ts, cs = [], []
    for _ in range(reps):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        ts.append(time.perf_counter() - t0)
        cs.append(time.process_time() - c0)
    return statistics.median(ts), statistics.median(cs)


def n_params(model):
    return sum(p.numel() for p in model.parameters())


def ddim(net, cond, ab, steps, gen):
    """One chain from x_{T-1} ~ N(0, I) to x_0 (eta 0): tau[i] = floor(i T / S)
    (nn_diffusion_timesteps), one network evaluation per step."""
    T = len(ab)
    tau = [i * T // steps for i in range(steps)]
    x = torch.randn(cond.shape[0], 1, *cond.shape[2:], generator=gen)
    t = torch.empty(cond.shape[0], dtype=torch.long)
    for i in reversed(range(steps)):
        eps = net(torch.cat((x, cond), 1), t.fill_(tau[i]))
        a, a_prev = ab[tau[i]], ab[tau[i - 1]] if i else 1.0
        x0 = (x - math.sqrt(1 - a) * eps) / math.sqrt(a)
        x = math.sqrt(a_prev) * x0 + math.sqrt(1 - a_prev) * eps
    return x


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--grid", default="32,32,16", help="X,Y,Z (default 32,32,16)")
    ap.add_argument("--batch", type=int, default=2)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--sample-reps", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", default="10,50,250")
    ap.add_argument("--params-only", action="store_true")
    a = ap.parse_args()
    try:
        W, H, D = (int(v) for v in a.grid.split(","))
        steps = [int(s) for s in a.steps.split(",")]
    except ValueError:
        sys.exit(f"torch_ddpm3d.py: --grid wants X,Y,Z and --steps S1,S2,... (got "
                 f"{a.grid!r}, {a.steps!r})")
    if a.batch < 1 or a.reps < 1 or a.sample_reps < 1 or min(steps) < 1 or min(W, H, D) < 16:
        ap.error("--batch, --reps, --sample-reps, --steps must be >= 1, the grid >= 16")
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    unet, net = UNet3D(cin=2), DDPM3D(cin=3)
    if a.params_only:
        print(f"unet3d_params={n_params(unet)}\nddpm3d_params={n_params(net)}")
        return
    ab = cosine_alpha_bar(T_STEPS)
    ab_t = torch.tensor(ab, dtype=torch.float32)
    B = a.batch
    x = torch.rand(B, 2, D, H, W)
    y = torch.rand(B, 1, D, H, W)
    print(f"impl=pytorch-{torch.__version__} grid={W}x{H}x{D} threads={a.threads} "
          f"batch={B} reps={a.reps}")
    gflop = forward_flops(D, H, W, cin=3) * 1e-9
    print(f"ddpm3d_gflop_forward_per_volume={gflop:.3f}")

    u_opt = torch.optim.Adam(unet.parameters(), lr=1e-3)

    def u_train():
        unet.train()
        u_opt.zero_grad()
        F.mse_loss(unet(x), y).backward()
        u_opt.step()

    def u_forward():
        unet.eval()
        with torch.no_grad():
            F.mse_loss(unet(x[:1]), y[:1])

    t, c = median_time(u_train, a.reps)
    print(f"unet3d_params={n_params(unet)}\nunet3d_train_ms_per_volume={t / B * 1e3:.1f}\n"
          f"unet3d_train_cpu_ms_per_volume={c / B * 1e3:.1f}")
    t, c = median_time(u_forward, a.reps)
    print(f"unet3d_forward_ms={t * 1e3:.1f}\nunet3d_forward_cpu_ms={c * 1e3:.1f}")

    d_opt = torch.optim.Adam(net.parameters(), lr=1e-3)

    def d_train():
        net.train()
        d_opt.zero_grad()
        tt = torch.randint(0, T_STEPS, (B,))
        eps = torch.randn(B, 1, D, H, W)
        s = ab_t[tt].view(B, 1, 1, 1, 1)
        xt = s.sqrt() * y + (1 - s).sqrt() * eps
        F.mse_loss(net(torch.cat((xt, x), 1), tt), eps).backward()
        d_opt.step()

    t, c = median_time(d_train, a.reps)
    print(f"ddpm3d_params={n_params(net)}\nddpm3d_train_ms_per_volume={t / B * 1e3:.1f}\n"
          f"ddpm3d_train_cpu_ms_per_volume={c / B * 1e3:.1f}")
    net.eval()
    for S in steps:
        gen = torch.Generator().manual_seed(7)

        def sample():
            with torch.no_grad():
                ddim(net, x[:1], ab, S, gen)

        t, c = median_time(sample, a.sample_reps)
        print(f"ddim{S}_ms_per_volume={t * 1e3:.0f}\nddim{S}_cpu_ms_per_volume={c * 1e3:.0f}")
        print(f"ddim{S}_ms_per_step={t / S * 1e3:.1f}\nddim{S}_cpu_ms_per_step={c / S * 1e3:.1f}")


if __name__ == "__main__":
    main()
