"""NIfTI-1 header fields and a digest of the voxel bytes, as JSON, read
without nibabel (gzip + struct): the BIDS-App tests check pixdim[4],
xyzt_units, descrip, qform/sform and bitwise equality of voxels with it.

usage: nifti_fields.py FILE.nii[.gz]
"""
import gzip
import hashlib
import json
import struct
import sys


def read(path):
    raw = open(path, "rb").read()
    if path.endswith(".gz"):
        raw = gzip.decompress(raw)
    if struct.unpack("<i", raw[:4])[0] != 348:
        sys.exit(f"{path}: not a little-endian NIfTI-1 file")
    dim = struct.unpack("<8h", raw[40:56])
    pixdim = struct.unpack("<8f", raw[76:108])
    vox_offset = int(struct.unpack("<f", raw[108:112])[0])
    scl = struct.unpack("<2f", raw[112:120])
    f = {
        "dim": list(dim),
        "datatype": struct.unpack("<h", raw[70:72])[0],
        "pixdim": [float(x) for x in pixdim],
        "xyzt_units": raw[123],
        "descrip": raw[148:228].split(b"\0")[0].decode("ascii", "replace"),
        "qform_code": struct.unpack("<h", raw[252:254])[0],
        "sform_code": struct.unpack("<h", raw[254:256])[0],
        "quatern": [float(x) for x in struct.unpack("<6f", raw[256:280])],
        "srow": [float(x) for x in struct.unpack("<12f", raw[280:328])],
        "scl": [float(x) for x in scl],
        "data_sha256": hashlib.sha256(raw[vox_offset:]).hexdigest(),
    }
    return f


if __name__ == "__main__":
    print(json.dumps(read(sys.argv[1])))
