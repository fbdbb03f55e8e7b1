#!/usr/bin/python3
"""Writes the PyTorch reference for one ddpm3d training step.

Run with Debian's Python (python3-torch): /usr/bin/python3 tests/engine/make_ddpm_fixtures.py
Output: tests/engine/fixtures/ddpm_step.bin (format: make_fixtures.py).

The model is the engine's U-Net (make_fixtures.UNet) with one more input
channel (x_t before the condition) and a timestep embedding: sinusoid(t) ->
Linear -> SiLU -> Linear -> SiLU -> Linear to one bias per channel of every
block, added after the first conv unit of enc l, the centre and dec l (in
that order in the bias vector). One Adam step on the epsilon-prediction MSE
with t, the noise and the condition dropout fixed (the C test passes the
same draws through nn_ddpm_set_draw).
"""
import math
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_fixtures as mf  # noqa: E402

T, BASE, DEPTH, E, CIN = 100, 4, 2, 8, 2


def cosine_alpha_bar(T, s=0.008):
    f = lambda u: math.cos((u / T + s) / (1 + s) * math.pi / 2) ** 2
    ab, out = 1.0, []
    for t in range(T):
        ab *= 1 - min(1 - f(t + 1) / f(t), 0.999)
        out.append(ab)
    return torch.tensor(out, dtype=torch.float64)


def sinusoid(t, dim):
    half = dim // 2
    f = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float64) / half)
    a = t.double()[:, None] * f[None, :]
    return torch.cat((a.sin(), a.cos()), 1).float()


class DDPMNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.u = mf.UNet(CIN + 1, BASE, DEPTH, 0.0)
        chans = [BASE << l for l in range(DEPTH)]
        chans += [BASE << (DEPTH - 1)] + [BASE << l for l in reversed(range(DEPTH))]
        self.chans = chans
        self.fc1 = nn.Linear(E, 4 * E)
        self.fc2 = nn.Linear(4 * E, 4 * E)
        self.out = nn.Linear(4 * E, sum(chans))

    def forward(self, x, t):
        cb = self.out(F.silu(self.fc2(F.silu(self.fc1(sinusoid(t, E))))))
        bias = iter(torch.split(cb, self.chans, 1))
        add = lambda h: h + next(bias)[:, :, None, None, None]
        m, skips = self.u.m, []
        for l in range(DEPTH):
            x = m["enc%d_b" % l](add(m["enc%d_a" % l](x)))
            skips.append(x)
            x = F.max_pool3d(x, 2)
        r = x
        x = add(m["centre_0"](x))
        x = m["centre_2"](m["centre_1"](x))
        x = x + r
        for l in reversed(range(DEPTH)):
            x = torch.cat((m["up%d" % l](x), skips[l]), 1)
            x = add(m["dec%d_a" % l](x))
            x = m["dec%d_c" % l](m["dec%d_b" % l](x))
        return m["final"](x)


def name_of(n):
    return mf.engine_name(n[2:]) if n.startswith("u.") else "temb." + n


def main():
    torch.manual_seed(4321)
    torch.set_num_threads(1)
    w = mf.Writer()
    net = DDPMNet()
    net.train()
    ab = cosine_alpha_bar(T)
    N, D, H, W = 2, 4, 8, 8
    x = mf.rnd(N, CIN, D, H, W)
    y = 0.5 * mf.rnd(N, 1, D, H, W)
    m = (torch.rand(N, 1, D, H, W) > 0.1).float()
    t = torch.tensor([3, 71])
    eps = torch.randn(N, 1, D, H, W)
    keep = torch.tensor([1.0, 0.0])  # the second sample's condition dropped
    for k, v in (("x", x), ("y", y), ("w", m), ("t", t.float()), ("eps", eps),
                 ("keep", keep), ("alpha_bar", ab)):
        w.add("ddpm." + k, v)
    for n, p in net.named_parameters():
        w.add("init." + name_of(n), p)
    a = ab[t].float().view(N, 1, 1, 1, 1)
    xt = a.sqrt() * y + (1 - a).sqrt() * eps
    xin = torch.cat((xt, keep.view(N, 1, 1, 1, 1) * x), 1)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    opt.zero_grad()
    eps_hat = net(xin, t)
    loss = mf.weighted((eps_hat - eps) ** 2, m)
    loss.backward()
    w.add("step.loss", loss.view(1))
    w.add("step.eps_hat", eps_hat)
    for n, p in net.named_parameters():
        w.add("grad." + name_of(n), p.grad)
    opt.step()
    for n, p in net.named_parameters():
        w.add("final." + name_of(n), p)
    for n, b in net.named_buffers():
        if "running" in n:
            w.add("final." + name_of(n), b)
    os.makedirs(os.path.join(HERE, "fixtures"), exist_ok=True)
    w.save(os.path.join(HERE, "fixtures", "ddpm_step.bin"))


if __name__ == "__main__":
    main()
