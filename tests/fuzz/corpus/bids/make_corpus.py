#!/usr/bin/python3
# Writes the seed corpus of the `bids` fuzz target (run with Debian's
# /usr/bin/python3, which has nibabel): small valid and broken NIfTI files,
# sidecars and aslcontext tables. Every file here is also fed to the
# parsers, this script included.
import gzip
import os

import nibabel as nib
import numpy as np

here = os.path.dirname(os.path.abspath(__file__))


def out(name, data):
    with open(os.path.join(here, name), "wb") as f:
        f.write(data)


aff = np.diag([3.0, 3.0, 5.0, 1.0])
aff[:3, 3] = [-90, -120, -60]
vol = (np.arange(2 * 3 * 2 * 2, dtype=np.float32).reshape(2, 3, 2, 2) - 5) * 0.5
out("f32_4d.nii", nib.Nifti1Image(vol, aff).to_bytes())
out("f32_4d.nii.gz", gzip.compress(nib.Nifti1Image(vol, aff).to_bytes(), mtime=0))
i16 = nib.Nifti1Image(vol.astype(">i2"), aff)  # big-endian int16 with scaling
i16.header.set_slope_inter(0.25, 1.0)
out("i16_bigendian_scaled.nii", i16.to_bytes())
out("u8_3d.nii", nib.Nifti1Image(np.arange(8, dtype=np.uint8).reshape(2, 2, 2), aff).to_bytes())
out("f64_nifti2.nii", nib.Nifti2Image(vol.astype(np.float64), aff).to_bytes())
nan = vol.copy()
nan[1, 1, 1, 1] = np.nan
out("nan.nii", nib.Nifti1Image(nan, aff).to_bytes())
good = nib.Nifti1Image(vol, aff).to_bytes()
out("truncated.nii", good[: len(good) - 10])
out("header_only.nii", good[:348])
out("not_nifti.nii", b"this is not a NIfTI image\n" * 20)
five = nib.Nifti1Image(np.zeros((2, 2, 2, 1, 2), np.float32), aff)
out("five_d.nii", five.to_bytes())
cplx = nib.Nifti1Image(np.zeros((2, 2, 2), np.complex64), aff)
out("complex.nii", cplx.to_bytes())

out("sidecar_pcasl.json", b'{"ArterialSpinLabelingType": "PCASL", "PostLabelingDelay": 1.8,\n'
    b' "LabelingDuration": 1.8, "M0Type": "Separate", "BackgroundSuppression": true}\n')
out("sidecar_pasl.json", b'{"ArterialSpinLabelingType": "PASL", "PostLabelingDelay": [1.8, 1.8],'
    b' "BolusCutOffFlag": true, "BolusCutOffDelayTime": [0.8, 1.6], "M0Type": "Estimate",'
    b' "M0Estimate": 1.5e3}')
out("sidecar_escapes.json", b'{"Manufacturer": "a\\u00e9\\ud83d\\ude00\\n", "x": [null, false, -0.0e+1, {}]}')
out("sidecar_broken.json", b'{"ArterialSpinLabelingType": "PCASL", "PostLabelingDelay": 1.8,}')
out("sidecar_deep.json", b"[" * 80 + b"]" * 80)
out("sidecar_multidelay.json", b'{"ArterialSpinLabelingType": "PCASL", "M0Type": "Included",\n'
    b' "PostLabelingDelay": [0, 1.5, 1.5, 2.0, 2.0, 2.5, 2.5], "LabelingDuration": [0, 1.8, 1.8, 1.8, 1.8, 1.8, 1.8]}')
out("sidecar_minimal.json", b'{"ArterialSpinLabelingType": "PCASL", "M0Type": "Absent"}')
out("sidecar_duplicate.json", b'{"M0Type": "Separate", "M0Type": "Absent"}')
out("aslcontext.tsv", b"volume_type\ncontrol\nlabel\ncontrol\nlabel\n")
out("aslcontext_mixed.tsv", b"volume_type\r\nm0scan\r\ndeltam\r\nlabel\r\ncontrol\r\ncbf\r\nnoRF")
out("aslcontext_broken.tsv", b"volume_type\ncontrol\n\nlabel\nfoo\n")
