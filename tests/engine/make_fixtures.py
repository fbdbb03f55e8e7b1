#!/usr/bin/python3
"""Writes the PyTorch reference numbers the engine tests compare against.

Run with Debian's Python (python3-torch): /usr/bin/python3 tests/engine/make_fixtures.py
Output: tests/engine/fixtures/layers.bin and unet_step.bin. Inputs are drawn
from a seeded torch generator, so the files are reproducible.

File format (little endian): magic b"NNFX", u32 count, then per array:
u32 name length, name bytes, u32 ndim, ndim x u32 dims, float32 data.
"""
import os
import struct

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
torch.manual_seed(1234)
torch.set_num_threads(1)


class Writer:
    def __init__(self):
        self.items = []

    def add(self, name, t):
        # clone: parameters change in place after they are recorded
        t = torch.as_tensor(t, dtype=torch.float32).detach().clone().contiguous()
        self.items.append((name, t))

    def save(self, path):
        with open(path, "wb") as f:
            f.write(b"NNFX" + struct.pack("<I", len(self.items)))
            for name, t in self.items:
                b = name.encode()
                f.write(struct.pack("<I", len(b)) + b)
                f.write(struct.pack("<I", t.dim()))
                f.write(struct.pack("<%dI" % t.dim(), *t.shape))
                f.write(t.numpy().astype("<f4").tobytes())
        print(path, os.path.getsize(path), "bytes")


def rnd(*shape, scale=1.0):
    return (torch.rand(*shape) * 2 - 1) * scale


def grads_of(out, dout, *tensors):
    return torch.autograd.grad(out, tensors, dout)


def layer_fixtures(w):
    # 3D max-pooling 2x2x2.
    x = rnd(2, 3, 4, 4, 6).requires_grad_()
    y = F.max_pool3d(x, 2)
    d = rnd(*y.shape)
    w.add("pool.x", x); w.add("pool.out", y); w.add("pool.dout", d)
    w.add("pool.dx", grads_of(y, d, x)[0])
    # Transposed convolution, kernel 2 stride 2.
    x = rnd(2, 3, 2, 3, 2).requires_grad_()
    up = nn.ConvTranspose3d(3, 4, 2, stride=2)
    y = up(x)
    d = rnd(*y.shape)
    dx, dw, db = grads_of(y, d, x, up.weight, up.bias)
    for k, v in dict(x=x, w=up.weight, b=up.bias, out=y, dout=d, dx=dx, dw=dw, db=db).items():
        w.add("up." + k, v)
    # 1x1x1 convolution.
    x = rnd(2, 3, 2, 3, 4).requires_grad_()
    c1 = nn.Conv3d(3, 2, 1)
    y = c1(x)
    d = rnd(*y.shape)
    dx, dw, db = grads_of(y, d, x, c1.weight, c1.bias)
    for k, v in dict(x=x, w=c1.weight, b=c1.bias, out=y, dout=d, dx=dx, dw=dw, db=db).items():
        w.add("c1." + k, v)
    # Batch normalization: training step, then inference with the updated stats.
    x = (rnd(3, 2, 2, 2, 3) * 2 + 0.5).requires_grad_()
    bn = nn.BatchNorm3d(2, momentum=0.1, eps=1e-5)
    with torch.no_grad():
        bn.weight.copy_(rnd(2) + 1.5)
        bn.bias.copy_(rnd(2))
    y = bn(x)
    d = rnd(*y.shape)
    dx, dg, db = grads_of(y, d, x, bn.weight, bn.bias)
    for k, v in dict(x=x, gamma=bn.weight, beta=bn.bias, out=y, dout=d, dx=dx,
                     dgamma=dg, dbeta=db, running_mean=bn.running_mean,
                     running_var=bn.running_var).items():
        w.add("bn." + k, v)
    bn.eval()
    w.add("bn.out_eval", bn(x))
    # 3x3x3 convolution (engine-perf's kernels; checked here as the U-Net uses them).
    x = rnd(2, 3, 3, 4, 5).requires_grad_()
    c3 = nn.Conv3d(3, 2, 3, padding=1, bias=False)
    y = c3(x)
    d = rnd(*y.shape)
    dx, dw = grads_of(y, d, x, c3.weight)
    for k, v in dict(x=x, w=c3.weight, out=y, dout=d, dx=dx, dw=dw).items():
        w.add("c3." + k, v)
    # ReLU.
    x = rnd(200).requires_grad_()
    y = F.relu(x)
    d = rnd(200)
    w.add("relu.x", x); w.add("relu.out", y); w.add("relu.dout", d)
    w.add("relu.dx", grads_of(y, d, x)[0])


def weighted(e, m):
    return (m * e).sum() / m.sum()


def gauss_window():
    t = torch.arange(-2, 3, dtype=torch.float64)
    k = torch.exp(-0.5 * t * t / 1.5 ** 2)
    return (k / k.sum()).float()


def blur(v):  # v: (N, 1, D, H, W), zero padding, separable
    k = gauss_window()
    v = F.conv3d(v, k.view(1, 1, 1, 1, 5), padding=(0, 0, 2))
    v = F.conv3d(v, k.view(1, 1, 1, 5, 1), padding=(0, 2, 0))
    return F.conv3d(v, k.view(1, 1, 5, 1, 1), padding=(2, 0, 0))


def ssim_loss(x, y, m):
    L = (y.flatten(1).max(1)[0] - y.flatten(1).min(1)[0]).view(-1, 1, 1, 1, 1)
    c1, c2 = (0.01 * L) ** 2, (0.03 * L) ** 2
    mx, my = blur(x), blur(y)
    sxx = blur(x * x) - mx * mx
    syy = blur(y * y) - my * my
    sxy = blur(x * y) - mx * my
    s = (2 * mx * my + c1) * (2 * sxy + c2) / ((mx * mx + my * my + c1) * (sxx + syy + c2))
    return 1 - weighted(s, m)


def loss_fixtures(w):
    y = 1 + 0.5 * rnd(2, 1, 4, 5, 6)
    x = (y + 0.3 * rnd(2, 1, 4, 5, 6)).requires_grad_()
    m = (torch.rand(2, 1, 4, 5, 6) > 0.2).float()
    w.add("loss.pred", x); w.add("loss.target", y); w.add("loss.w", m)
    for name, l in (("l1", weighted((x - y).abs(), m)),
                    ("mse", weighted((x - y) ** 2, m)),
                    ("ssim", ssim_loss(x, y, m))):
        w.add("loss.%s" % name, l.view(1))
        w.add("loss.%s.dpred" % name, torch.autograd.grad(l, x)[0])


def adam_fixtures(w):
    p0 = rnd(50)
    grads = [rnd(50) for _ in range(3)]
    w.add("adam.p0", p0)
    for i, g in enumerate(grads):
        w.add("adam.g%d" % i, g)
    for name, cls in (("adam", torch.optim.Adam), ("adamw", torch.optim.AdamW)):
        p = nn.Parameter(p0.clone())
        opt = cls([p], lr=1e-2, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.1)
        for g in grads:
            p.grad = g.clone()
            opt.step()
        w.add("%s.p3" % name, p)


class Unit(nn.Module):  # conv3 (no bias) -> BN -> ReLU
    def __init__(self, ci, co):
        super().__init__()
        self.conv = nn.Conv3d(ci, co, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm3d(co, momentum=0.1)

    def forward(self, x):
        return F.relu(self.bn(self.conv(x)))


class UNet(nn.Module):
    """The engine's U-Net (docs/engine.md), module names = the engine's."""

    def __init__(self, cin, base, depth, p):
        super().__init__()
        self.depth = depth
        self.m = nn.ModuleDict()
        c_prev = cin
        for l in range(depth):
            c = base << l
            self.m["enc%d_a" % l] = Unit(c_prev, c)
            self.m["enc%d_b" % l] = Unit(c, c)
            c_prev = c
        for i in range(3):
            self.m["centre_%d" % i] = Unit(c_prev, c_prev)
        up_in = c_prev
        for l in reversed(range(depth)):
            c = base << l
            self.m["up%d" % l] = nn.ConvTranspose3d(up_in, c, 2, stride=2)
            self.m["dec%d_a" % l] = Unit(2 * c, c)
            self.m["dec%d_b" % l] = Unit(c, c)
            self.m["dec%d_c" % l] = Unit(c, c)
            up_in = c
        self.m["final"] = nn.Conv3d(base, 1, 1)
        self.drop = nn.Dropout(p)

    def forward(self, x):
        skips = []
        for l in range(self.depth):
            x = self.m["enc%d_b" % l](self.m["enc%d_a" % l](x))
            x = self.drop(x)
            skips.append(x)
            x = F.max_pool3d(x, 2)
        r = x
        for i in range(3):
            x = self.m["centre_%d" % i](x)
        x = self.drop(x + r)
        for l in reversed(range(self.depth)):
            x = torch.cat((self.m["up%d" % l](x), skips[l]), 1)
            for s in "abc":
                x = self.m["dec%d_%s" % (l, s)](x)
            x = self.drop(x)
        return self.m["final"](x)


def engine_name(n):
    # "m.enc0_a.conv.weight" -> "enc0.a.conv"; "m.up2.weight" stays "up2.weight"
    module, rest = n[2:].split(".", 1)
    return (module.replace("_", ".") + "." + rest).replace(".conv.weight", ".conv")


def unet_fixtures(w):
    net = UNet(2, 4, 3, 0.0)
    net.train()
    x = rnd(2, 2, 8, 16, 16)  # (N, C, D=z, H=y, W=x)
    y = 0.5 * rnd(2, 1, 8, 16, 16)
    m = (torch.rand(2, 1, 8, 16, 16) > 0.1).float()
    w.add("unet.x", x); w.add("unet.y", y); w.add("unet.w", m)
    for n, p in net.named_parameters():
        w.add("init." + engine_name(n), p)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    # Step 0: output, loss, every gradient; then the weights and BN stats
    # after its Adam update. Step 1: only the loss (a forward pass on the
    # updated weights). Weights after a second update are not compared: L1's
    # sign() makes them hinge on residuals near 0, chaotic under rounding.
    for step in range(2):
        opt.zero_grad()
        out = net(x)
        loss = weighted((out - y).abs(), m)
        w.add("step%d.loss" % step, loss.view(1))
        if step == 1:
            break
        loss.backward()
        w.add("step0.out", out)
        for n, p in net.named_parameters():
            w.add("grad." + engine_name(n), p.grad)
        opt.step()
        for n, p in net.named_parameters():
            w.add("final." + engine_name(n), p)
        for n, b in net.named_buffers():
            if "running" in n:
                w.add("final." + engine_name(n), b)


def gaussian_fixtures(w):
    """scipy.ndimage.gaussian_filter, the reference of the gaussian baseline."""
    import numpy as np
    from scipy import ndimage
    v = rnd(5, 6, 7).numpy().astype(np.float64)
    w.add("gauss.x", v)
    for mode, name in (("reflect", "reflect"), ("constant", "zeros")):
        for sigma in (0.7, 1.5):
            out = ndimage.gaussian_filter(v, sigma, mode=mode, truncate=4.0)
            w.add("gauss.%s.%g" % (name, sigma), out)


def main():
    out = os.path.join(HERE, "fixtures")
    os.makedirs(out, exist_ok=True)
    w = Writer()
    layer_fixtures(w)
    loss_fixtures(w)
    adam_fixtures(w)
    gaussian_fixtures(w)
    w.save(os.path.join(out, "layers.bin"))
    w = Writer()
    unet_fixtures(w)
    w.save(os.path.join(out, "unet_step.bin"))


if __name__ == "__main__":
    main()
