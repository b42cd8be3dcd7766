#!/usr/bin/env bash
# neuraloperator's small Darcy example, flag for flag through `physis train-operator`, and the same model and training
# in plain PyTorch (pytorch_fno_darcy.py) on the same HDF5 files; prints test relative L2 and H1 at 16 and 32 points.
#   benchmarks/darcy-small/run.sh [OUT_DIR] [THREADS]     (default runs/darcy-small, 2 threads)
# Needs a built Physis (dotnet build Physis.sln -c Release) and Debian's python3-torch and python3-h5py.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="${1:-runs/darcy-small}"
threads="${2:-2}"
physis=(dotnet "$root/src/Physis.Cli/bin/Release/net10.0/linux-x64/Physis.Cli.dll")
python=/usr/bin/python3
mkdir -p "$out"

# 1000 training and 100 test samples at 16 x 16 (seed 0), 50 test samples at 32 x 32 from the same distribution (seed 1).
[ -f "$out/darcy_16.h5" ] || "${physis[@]}" generate darcy --samples 1100 --resolution 16 --seed 0 --out "$out/darcy_16.h5"
[ -f "$out/darcy_32.h5" ] || "${physis[@]}" generate darcy --samples 50 --resolution 32 --seed 1 --out "$out/darcy_32.h5"

"${physis[@]}" train-operator fno --data "$out/darcy_16.h5" --train 1000 --test 100 --test-data "$out/darcy_32.h5" \
    --modes-total 8,8 --width 24 --projection-width 48 --optimizer adamw --lr 1e-2 --weight-decay 1e-4 \
    --schedule cosine --cosine-period 30 --epochs 15 --batch 64 --loss h1 --h1 periodic --normalised-loss \
    --threads "$threads" --out "$out/physis"
"$python" "$root/benchmarks/darcy-small/pytorch_fno_darcy.py" "$threads" "$out/darcy_16.h5" 1000 100 "$out/darcy_32.h5" \
    > "$out/pytorch.json"

"$python" - "$out/physis/run.json" "$out/pytorch.json" <<'PY'
import json, sys
physis, torch = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
tests = physis["tests"]
rows = [("Physis", physis["parameter_count"], physis["wall_seconds"], tests[0], tests[1]),
        ("PyTorch", torch["parameters"], torch["seconds"], *torch["tests"].values())]
print("| run | parameters | training s | test L2 at 16 | test H1 at 16 | test L2 at 32 | test H1 at 32 |")
print("| --- | --- | --- | --- | --- | --- | --- |")
for name, count, seconds, at16, at32 in rows:
    l2 = lambda t: t.get("relative_l2", t.get("l2"))
    h1 = lambda t: t.get("relative_h1", t.get("h1"))
    print(f"| {name} | {count:,} | {seconds:.1f} | {l2(at16):.4f} | {h1(at16):.4f} | {l2(at32):.4f} | {h1(at32):.4f} |")
PY
