#!/usr/bin/python3
"""Side-by-side table of the CUDA benchmark runs (bench/gpu/device_check.sh):
reads bench_unet3d / bench_vit3d and torch_unet3d.py / torch_vit3d.py
outputs, each run headed by a line '### [model=M] precision=P batch=B'
(model unet3d when absent) and made of key=value lines, and prints, per
model, one row per
run: ms per volume (train step; inference at the batch on GPU-resident
tensors, and with the host copies nn_eval_loss makes; inference at batch 1),
TFLOP/s, GPU memory (the engine's device allocations against PyTorch's peak
allocated and peak reserved) and the engine / PyTorch ratio (< 1: engine
faster or smaller). gflops_infer is the engine's with host copies. The
ViT adds the engine's tiled 96x96x48 inference (no PyTorch figure).

    python3 bench/gpu/figures.py bench_engine.txt bench_torch.txt
"""
import sys


def parse(path):
    runs, cur = {}, None
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("### "):
                kv = dict(t.split("=", 1) for t in line[4:].split())
                key = (kv.get("model", "unet3d"), kv["precision"], int(kv["batch"]))
                cur = runs.setdefault(key, {})
                continue
            if cur is None:
                continue
            if line.startswith("gpu="):  # free text
                cur.setdefault("gpu", line[4:])
                continue
            for tok in line.split():
                if "=" in tok:
                    k, v = tok.split("=", 1)
                    cur.setdefault(k, v)
    return runs


def num(run, key):
    try:
        return float(run[key])
    except (KeyError, ValueError):
        return None


def fmt(v, digits=1):
    return "-" if v is None else f"{v:.{digits}f}"


TITLES = {
    "unet3d": "U-Net 3D, 2 input channels, 64x64x32, L1 loss, Adam",
    "vit3d": "ViT 3D of examples/paper.yaml (patch 8,8,8, dim 192, depth 6, "
             "heads 6), 2 input channels, 64x64x32, L1 loss, Adam",
}
# (figure, engine key, PyTorch key, digits). infer_ms_per_volume: both sides
# on tensors already on the GPU; infer_host_ms_per_volume: both copying the
# batch and target up and the loss down (nn_eval_loss).
ROWS = [("train_ms_per_volume", "train_ms_per_volume", "train_ms_per_volume", 3),
        ("infer_ms_per_volume", "infer_resident_ms_per_volume", "infer_ms_per_volume", 3),
        ("infer_host_ms_per_volume", "infer_ms_per_volume", "infer_host_ms_per_volume", 3),
        ("infer_b1_ms_per_volume", "infer_b1_ms_per_volume", "infer_b1_ms_per_volume", 3),
        ("gflops_train", "gflops_train", "gflops_train", 0),
        ("gflops_infer", "gflops_infer", "gflops_infer", 0),
        ("gpu_mem_mb", "gpu_mem_mb", "gpu_mem_mb", 0),
        ("gpu_reserved_mb", "gpu_mem_mb", "gpu_reserved_mb", 0)]
VIT_ROWS = [("infer_96x96x48_ms", "infer_96x96x48_ms", None, 3)]


def table(model, eng, tor):
    """One model's rows; eng and tor map (precision, batch) to a run."""
    print(f"{TITLES.get(model, model)}; medians of 10 runs after a warm-up; "
          "ms per volume. ratio = engine / PyTorch.")
    print(f"engine: {next((r.get('impl') for r in eng.values()), '?')}; "
          f"PyTorch: {next((r.get('impl') for r in tor.values()), '?')}")
    print()
    cols = ["precision", "batch", "figure", "engine", "pytorch", "ratio"]
    print("| " + " | ".join(cols) + " |")
    print("|" + "|".join("---" for _ in cols) + "|")
    rows = ROWS + (VIT_ROWS if model == "vit3d" else [])
    order = {"fp32": 0, "tf32": 1, "bf16": 2}
    for key in sorted(set(eng) | set(tor), key=lambda k: (order.get(k[0], 9), k)):
        e, t = eng.get(key, {}), tor.get(key, {})
        for fig, ek, tk, d in rows:
            a, b = num(e, ek), num(t, tk) if tk else None
            if fig.startswith("gflops"):
                a = None if a is None else a / 1000
                b = None if b is None else b / 1000
                fig, d = fig.replace("gflops", "tflops"), 1
            ratio = a / b if a is not None and b else None
            print(f"| {key[0]} | {key[1]} | {fig} | {fmt(a, d)} | {fmt(b, d)} | {fmt(ratio, 2)} |")


def main():
    if len(sys.argv) != 3 or sys.argv[1] in ("-h", "--help"):
        print(__doc__)
        return 0 if len(sys.argv) == 2 else 2
    eng, tor = parse(sys.argv[1]), parse(sys.argv[2])
    gpu = next((r["gpu"] for r in list(eng.values()) + list(tor.values()) if "gpu" in r), "?")
    print(f"GPU: {gpu}")
    models = sorted({k[0] for k in list(eng) + list(tor)},
                    key=lambda m: (m != "unet3d", m))
    for model in models:
        print()
        table(model, {k[1:]: v for k, v in eng.items() if k[0] == model},
              {k[1:]: v for k, v in tor.items() if k[0] == model})
    return 0


if __name__ == "__main__":
    sys.exit(main())
