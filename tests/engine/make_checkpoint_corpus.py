#!/usr/bin/python3
"""Writes the seed corpus of the `checkpoint` fuzz target from the format
described in engine/src/checkpoint.c (an independent writer of it):

  /usr/bin/python3 tests/engine/make_checkpoint_corpus.py

Valid files for the three kinds (tiny U-Net with a caller blob, identity,
gaussian) plus a few broken ones: truncated, bad magic, a newer version,
a header that lies about the sizes (with a valid checksum)."""
import os
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fuzz",
                   "corpus", "checkpoint")


def fnv1a64(b):
    h = 1469598103934665603
    for x in b:
        h = ((h ^ x) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return h


def unet_sizes(cin, base, depth):
    params = buffers = 0

    def unit(ci, co):
        nonlocal params, buffers
        params += ci * co * 27 + 2 * co
        buffers += 2 * co

    c_prev = cin
    for l in range(depth):
        c = base << l
        unit(c_prev, c)
        unit(c, c)
        c_prev = c
    for _ in range(3):
        unit(c_prev, c_prev)
    up_in = c_prev
    for l in reversed(range(depth)):
        c = base << l
        params += up_in * c * 8 + c
        unit(2 * c, c)
        unit(c, c)
        unit(c, c)
        up_in = c
    params += base + 1
    return params, buffers


def checkpoint(kind, cin, grid, params, n_params, n_buffers, user=b"",
               version=1, step=3, epoch=2, fix_sizes=None):
    header = "kind=%s\nin_channels=%d\ngrid=%d,%d,%d\nseed=42\n" % (kind, cin, *grid)
    header += "".join("%s=%s\n" % kv for kv in params)
    hb = header.encode()
    sizes = fix_sizes or (n_params, n_buffers)
    fixed = struct.pack("<QQqiIII5fI4QQ", sizes[0], sizes[1], step, epoch, 0,
                        0, 0, 1e-3, 0.9, 0.999, 1e-8, 0.0, 0, 1, 2, 3, 4,
                        len(user))
    body = b"ASLNNCKP" + struct.pack("<II", version, len(hb)) + hb + fixed
    weights = struct.pack("<%df" % (3 * n_params), *([0.01] * (3 * n_params)))
    buffers = struct.pack("<%df" % n_buffers, *([1.0] * n_buffers))
    body += weights + buffers + user
    return body + struct.pack("<Q", fnv1a64(body))


def main():
    os.makedirs(OUT, exist_ok=True)
    p, b = unet_sizes(1, 1, 1)
    unet = checkpoint("unet3d", 1, (2, 2, 2),
                      [("base_channels", "1"), ("depth", "1"), ("dropout", "0.05")],
                      p, b, user=b"runner-state-0123")
    files = {
        "unet_tiny.ckpt": unet,
        "identity.ckpt": checkpoint("identity", 2, (64, 64, 32), [], 0, 0),
        "gaussian.ckpt": checkpoint("gaussian", 1, (7, 9, 5),
                                    [("sigma", "1.5"), ("border", "reflect")], 0, 0),
        "truncated.ckpt": unet[: len(unet) // 2],
        "bad_magic.ckpt": b"XSLNNCKP" + unet[8:],
        "version2.ckpt": checkpoint("identity", 1, (4, 4, 4), [], 0, 0, version=2),
        "lying_sizes.ckpt": checkpoint("unet3d", 1, (2, 2, 2),
                                       [("base_channels", "1"), ("depth", "1")],
                                       p, b, fix_sizes=(p + 1, b)),
        "unknown_key.ckpt": checkpoint("gaussian", 1, (4, 4, 4), [("radius", "3")], 0, 0),
    }
    for name, data in files.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
        print(name, len(data))


if __name__ == "__main__":
    main()
