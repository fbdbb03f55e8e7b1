#!/usr/bin/python3
"""Temporal noise of an aslsweep phantom, per subject, in grey matter (GM
probseg >= 0.7 inside the brain mask):

  tSNR_pair   mean over pairs of (control - label) / its temporal SD,
              averaged over the GM voxels: the single-pair temporal SNR
  nonthermal  share of the pair-difference variance that is not thermal
              noise: the variance in DIR_NOISE0 (the same phantom written
              with --noise 0, which keeps every other random draw) over
              the variance in DIR

usage: scripts/phantom_noise.py DIR DIR_NOISE0
  e.g. aslsweep phantom --out /tmp/p1 && aslsweep phantom --out /tmp/p0 --noise 0
       scripts/phantom_noise.py /tmp/p1 /tmp/p0
Needs numpy (Debian: python3-numpy). docs/data.md quotes its output."""
import gzip
import struct
import sys

import numpy as np

DTYPES = {2: np.uint8, 4: np.int16, 16: np.float32, 64: np.float64}


def nii(path):
    """A NIfTI-1 .nii.gz as float64 (t, z, y, x), scl_slope applied."""
    raw = gzip.open(path).read()
    dims = struct.unpack('<8h', raw[40:56])
    code = struct.unpack('<h', raw[70:72])[0]
    if code not in DTYPES:
        sys.exit(f'{path}: NIfTI datatype {code} not handled; the phantom writes uint8, int16, float32')
    offset = int(struct.unpack('<f', raw[108:112])[0])
    slope, inter = struct.unpack('<2f', raw[112:120])
    shape = dims[1:dims[0] + 1]
    a = np.frombuffer(raw[offset:], dtype=DTYPES[code], count=int(np.prod(shape)))
    a = a.reshape(shape[::-1]).astype(np.float64)
    return a * (slope if slope else 1.0) + inter


def pair_differences(root, sub):
    a = nii(f'{root}/{sub}/perf/{sub}_asl.nii.gz')
    return a[0::2] - a[1::2]  # the phantom writes control, label, control, ...


def rows(path):
    return [line.split('\t') for line in open(path).read().splitlines()[1:] if line]


def main(argv):
    if len(argv) != 3 or argv[1] in ('-h', '--help'):
        print(__doc__)
        return 0 if len(argv) == 2 else 2
    d1, d0 = argv[1], argv[2]
    try:
        tiers = {r[0]: r[1] for r in rows(f'{d1}/derivatives/phantom/participants.tsv')}
    except OSError as e:
        print(f'{e.filename}: {e.strerror}; DIR must be written by `aslsweep phantom`', file=sys.stderr)
        return 2
    print('subject  tier  tSNR_pair  nonthermal')
    for sub in sorted(tiers):
        deriv = f'{d1}/derivatives/phantom/{sub}/perf/{sub}_label-GM_probseg.nii.gz'
        gm = nii(deriv)
        mask = nii(f'{d1}/derivatives/phantom/{sub}/perf/{sub}_desc-brain_mask.nii.gz')
        sel = (gm >= 0.7) & (mask > 0)
        x1 = pair_differences(d1, sub)[:, sel]
        x0 = pair_differences(d0, sub)[:, sel]
        tsnr = np.mean(x1.mean(0) / x1.std(0, ddof=1))
        share = np.mean(x0.var(0, ddof=1)) / np.mean(x1.var(0, ddof=1))
        print(f'{sub}  {tiers[sub]:4s}  {tsnr:9.2f}  {share:10.3f}')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
