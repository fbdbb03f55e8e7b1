"""Opens a results cube with xarray (h5netcdf engine) the way docs/cube.md
says users do, and checks what they rely on: string labels come back as
str, selecting by a string label works, /jobs and /subjects open with named
dimensions (no phony_dims), and the metrics carry long_name and units.

usage: xarray_check.py RESULTS.h5 [--part]   (--part: a job-array part,
whose /jobs/slice must carry the job dimension too). Exit 77 when xarray or
h5netcdf is missing."""
import sys

try:
    import h5netcdf  # noqa: F401
    import xarray as xr
except ImportError as e:
    print(f"skip: {e}", file=sys.stderr)
    sys.exit(77)

failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print(f"FAIL: {what}", file=sys.stderr)


path = sys.argv[1]
part = "--part" in sys.argv[2:]

main = xr.open_dataset(path, group="main", engine="h5netcdf")
for axis in ("strategy", "m0", "model", "subject", "stage", "metric"):
    labels = main[axis].values.tolist()
    check(labels and all(type(v) is str for v in labels), f"{axis} labels are str: {labels!r}")
check(main["nav"].values.tolist() == [2, 4], f"nav axis stays int: {main['nav'].values!r}")
check(main["stage"].values.tolist() == ["input", "denoised"], "stage labels")
check(main["metric"].values.tolist() == ["ssim", "psnr", "nmae"], "metric labels")

den = main["metrics"].sel(stage="denoised", metric="ssim", model="identity")
check(den.dims == ("strategy", "nav", "m0", "snr_group", "subject"), f"sel dims {den.dims}")
check(part or bool(den.notnull().all()), "a done run has every denoised SSIM of the identity model")
one = main["metrics"].sel(subject="sub-02", stage="input", metric="psnr", nav=4, strategy="windowed",
                          m0="off", snr_group="all", model="unet3d")
check(one.shape == () and (part or bool(one.notnull())), f"one cell by labels: {one.values!r}")

attrs = main["metrics"].attrs
check(attrs.get("units") == "ssim: 1, psnr: dB, nmae: 1", f"metrics units: {attrs.get('units')!r}")
check("long_name" in attrs, "metrics long_name")
pi = main["metrics_per_image"].attrs
check(pi.get("units") == attrs.get("units") and "long_name" in pi, "metrics_per_image attributes")
check("psnr: peak signal-to-noise ratio" in main["metric"].attrs.get("long_name", ""),
      "metric axis long_name names each metric")
check(main["job"].dims[-1] == "subject", "experiment job cells by subject")

jobs = xr.open_dataset(path, group="jobs", engine="h5netcdf")
n_jobs = jobs.sizes["job"]
check(n_jobs == 12, f"12 jobs, got {n_jobs}")
check(jobs["job"].values.tolist() == list(range(n_jobs)), "job coordinate is the index")
check(jobs.sizes.get("epoch") == 4, f"epoch dimension of 4: {dict(jobs.sizes)}")
# Format version 2: loss rows of train jobs only, by loss_index; error texts
# in a heap along error_byte.
by_other = {"train_loss": ("loss_index", "epoch"), "val_loss": ("loss_index", "epoch"),
            "error_text": ("error_byte",)}
for name, var in jobs.data_vars.items():
    want_dims = by_other.get(name)
    if want_dims:
        check(var.dims == want_dims, f"/jobs/{name} dims {var.dims}")
    else:
        check(var.dims[0] == "job", f"/jobs/{name} dims {var.dims}")
n_train = int((jobs["kind"] == 0).sum())
check(jobs.sizes.get("loss_index") == n_train, f"one loss row per train job: {dict(jobs.sizes)}")
rows = jobs["loss_row"].values.tolist()
kinds = jobs["kind"].values.tolist()
check(all((r >= 0) == (k == 0) for r, k in zip(rows, kinds)), "loss_row: train jobs only")
if not part and n_train:
    first = kinds.index(0)
    curve = jobs["train_loss"].isel(loss_index=rows[first])
    check(curve.dims == ("epoch",) and bool(curve.notnull().any()), "a train job's loss curve")
keys = jobs["key"].values.tolist()
check(all(type(k) is str and k for k in keys), "job keys are str")
check(("slice" in jobs) == part, f"/jobs/slice present only in a part (part={part})")
if not part:
    check(bool((jobs["status"] == 2).all()), "every job done")
    # The experiment's job cells index the job coordinate.
    cell = int(main["job"].sel(nav=2, model="identity", subject="sub-01").squeeze())
    check(keys[cell].startswith("main/") and "model=identity" in keys[cell],
          f"cell job {cell} is an identity infer job: {keys[cell]!r}")
    check(jobs["kind"].sel(job=cell).item() == 1, "cell job is an infer job")

# Every dataset the job scale lists still exists (merge detaches
# /jobs/slice before removing it) and is a /jobs dataset.
import h5py  # noqa: E402  (h5netcdf's own dependency)

with h5py.File(path, "r") as f:
    listed = sorted(f[ref].name for ref, _ in f["jobs/job"].attrs["REFERENCE_LIST"])
    want = sorted(f"/jobs/{n}" for n in jobs.data_vars if n not in by_other)
    check(listed == want, f"/jobs/job scale lists {listed}, expected {want}")

subj = xr.open_dataset(path, group="subjects", engine="h5netcdf")
check(subj["subject"].values.tolist() == [f"sub-{i:02d}" for i in range(1, 7)],
      f"subject coordinate: {subj['subject'].values!r}")
check(all(v.dims == ("subject",) for v in subj.data_vars.values()), "subjects by subject")
check(type(subj["snr_group"].sel(subject="sub-03").item()) is str, "snr_group is str")
check(subj["subject"].values.tolist() == main["subject"].values.tolist(),
      "/subjects and the experiment share the subject order")

if failures:
    sys.exit(1)
print(f"ok: {path} opens in xarray {xr.__version__} with h5netcdf {h5netcdf.__version__}")
