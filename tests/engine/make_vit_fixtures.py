#!/usr/bin/python3
"""Writes the PyTorch reference numbers for the engine's transformer layers
and vit3d (tests/engine/test_vit_torch.c).

Run with Debian's Python (python3-torch):
  /usr/bin/python3 tests/engine/make_vit_fixtures.py
Output: tests/engine/fixtures/vit_layers.bin and vit_step.bin, in the format
of make_fixtures.py (magic b"NNFX", u32 count, then per array: u32 name
length, name, u32 ndim, dims, float32 data). Seeded, so reproducible.

The reference model is built from PyTorch's own modules: nn.Linear for the
patch embedding and decoder and nn.TransformerEncoderLayer(norm_first=True,
activation='gelu', batch_first=True, dropout=0) for the blocks, so its
state_dict names are the engine's parameter names (docs/vit3d.md).
"""
import os
import struct

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
torch.manual_seed(4321)
torch.set_num_threads(1)


class Writer:
    def __init__(self):
        self.items = []

    def add(self, name, t):
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


def layer_fixtures(w):
    # Linear.
    lin = nn.Linear(6, 7)
    x = rnd(5, 6).requires_grad_()
    y = lin(x)
    d = rnd(*y.shape)
    dx, dw, db = torch.autograd.grad(y, (x, lin.weight, lin.bias), d)
    for k, v in dict(x=x, w=lin.weight, b=lin.bias, out=y, dout=d, dx=dx,
                     dw=dw, db=db).items():
        w.add("lin." + k, v)
    # LayerNorm with non-trivial affine parameters.
    ln = nn.LayerNorm(8, eps=1e-5)
    with torch.no_grad():
        ln.weight.copy_(rnd(8) + 1.0)
        ln.bias.copy_(rnd(8))
    x = (rnd(4, 8) * 3 + 1).requires_grad_()
    y = ln(x)
    d = rnd(*y.shape)
    dx, dg, db = torch.autograd.grad(y, (x, ln.weight, ln.bias), d)
    for k, v in dict(x=x, gamma=ln.weight, beta=ln.bias, out=y, dout=d, dx=dx,
                     dgamma=dg, dbeta=db).items():
        w.add("ln." + k, v)
    # GELU, exact.
    x = rnd(64, scale=4.0).requires_grad_()
    y = F.gelu(x)
    d = rnd(64)
    w.add("gelu.x", x); w.add("gelu.out", y); w.add("gelu.dout", d)
    w.add("gelu.dx", torch.autograd.grad(y, x, d)[0])
    # Multi-head self-attention: B 2, T 5, C 8, 2 heads.
    mha = nn.MultiheadAttention(8, 2, dropout=0.0, batch_first=True)
    with torch.no_grad():
        mha.in_proj_bias.copy_(rnd(24, scale=0.5))
        mha.out_proj.bias.copy_(rnd(8, scale=0.5))
    x = rnd(2, 5, 8).requires_grad_()
    y = mha(x, x, x, need_weights=False)[0]
    d = rnd(*y.shape)
    ps = (mha.in_proj_weight, mha.in_proj_bias, mha.out_proj.weight, mha.out_proj.bias)
    g = torch.autograd.grad(y, (x,) + ps, d)
    names = ("in_w", "in_b", "out_w", "out_b")
    w.add("mha.x", x); w.add("mha.out", y); w.add("mha.dout", d); w.add("mha.dx", g[0])
    for n, p, gp in zip(names, ps, g[1:]):
        w.add("mha." + n, p)
        w.add("mha.d" + n, gp)


class ViT3D(nn.Module):
    """The engine's vit3d (docs/vit3d.md) from PyTorch modules."""

    def __init__(self, cin, grid, patch, dim, depth, heads, mlp_ratio):
        super().__init__()
        self.grid, self.patch = grid, patch  # (x, y, z)
        gx, gy, gz = (g // p for g, p in zip(grid, patch))
        self.T, self.pv = gx * gy * gz, patch[0] * patch[1] * patch[2]
        self.embed = nn.Linear(cin * self.pv, dim)
        self.pos_embed = nn.Parameter(torch.randn(self.T, dim) * 0.02)
        self.blocks = nn.ModuleList([
            nn.TransformerEncoderLayer(dim, heads, dim_feedforward=int(round(mlp_ratio * dim)),
                                       dropout=0.0, activation="gelu",
                                       batch_first=True, norm_first=True)
            for _ in range(depth)])
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, self.pv)

    def forward(self, x):
        N, C, D, H, W = x.shape
        px, py, pz = self.patch
        gz, gy, gx = D // pz, H // py, W // px
        t = x.reshape(N, C, gz, pz, gy, py, gx, px).permute(0, 2, 4, 6, 1, 3, 5, 7)
        h = self.embed(t.reshape(N, self.T, C * self.pv)) + self.pos_embed
        for b in self.blocks:
            h = b(h)
        o = self.head(self.norm(h)).reshape(N, gz, gy, gx, pz, py, px)
        o = o.permute(0, 1, 4, 2, 5, 3, 6).reshape(N, 1, D, H, W)
        return o + x[:, :1]


def vit_fixtures(w):
    # grid 8x8x4 (x, y, z), patch 4,4,2: 8 tokens; dim 16, 2 blocks, 2 heads.
    net = ViT3D(2, (8, 8, 4), (4, 4, 2), 16, 2, 2, 2.0)
    with torch.no_grad():  # non-zero LayerNorm affines and biases everywhere
        for name, p in net.named_parameters():
            if name.endswith("bias"):
                p.copy_(rnd(*p.shape, scale=0.2))
            elif "norm" in name:
                p.copy_(1.0 + rnd(*p.shape, scale=0.3))
    net.train()
    for name, p in net.named_parameters():
        w.add("init." + name, p)
    x = rnd(2, 2, 4, 8, 8)
    y = x[:, :1] + 0.3 * rnd(2, 1, 4, 8, 8)
    m = (torch.rand(2, 1, 4, 8, 8) > 0.2).float()
    w.add("vit.x", x); w.add("vit.y", y); w.add("vit.w", m)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    for step in range(2):
        opt.zero_grad()
        out = net(x)
        loss = (m * (out - y).abs()).sum() / m.sum()
        loss.backward()
        w.add("step%d.loss" % step, loss.view(1))
        if step == 0:
            w.add("step0.out", out)
            for name, p in net.named_parameters():
                w.add("grad." + name, p.grad)
        opt.step()
    for name, p in net.named_parameters():
        w.add("final." + name, p)


def main():
    out = os.path.join(HERE, "fixtures")
    os.makedirs(out, exist_ok=True)
    w = Writer()
    layer_fixtures(w)
    w.save(os.path.join(out, "vit_layers.bin"))
    w = Writer()
    vit_fixtures(w)
    w.save(os.path.join(out, "vit_step.bin"))


if __name__ == "__main__":
    main()
