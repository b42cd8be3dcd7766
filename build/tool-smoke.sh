#!/usr/bin/env bash
# Installs the physis tool from FOLDER (written by build/pack.sh) into a temporary tool path, with FOLDER as the only
# package source, and runs `physis --help` and a 20-step Burgers solve with it.
# Usage: build/tool-smoke.sh [FOLDER]   (default out/packages)
set -euo pipefail
folder=$(realpath "${1:-out/packages}")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The tool package carries all its assemblies and native libraries: installing it needs no other source.
cat > "$work/nuget.config" <<XML
<configuration>
  <packageSources><clear /><add key="physis" value="$folder" /></packageSources>
</configuration>
XML
dotnet tool install --tool-path "$work/tools" --configfile "$work/nuget.config" Physis.Cli
for library in libtorch_cpu.so libLibTorchSharp.so libSkiaSharp.so libHarfBuzzSharp.so; do
  if [ -z "$(find "$work/tools/.store" -name "$library" -print -quit)" ]; then
    echo "tool-smoke: $library is missing from the installed tool" >&2
    exit 1
  fi
done
"$work/tools/physis" --help >/dev/null
# A fresh cache folder, so the run exercises TorchSharp's native fix (where the system needs it) from scratch.
XDG_CACHE_HOME="$work/cache" "$work/tools/physis" solve burgers --iterations 20 --lbfgs-iterations 0 \
  --domain-points 200 --boundary-points 20 --initial-points 20 --out "$work/run"
for file in run.json loss.csv prediction.npz prediction.png; do
  if [ ! -s "$work/run/$file" ]; then
    echo "tool-smoke: the solve wrote no $file" >&2
    exit 1
  fi
done
echo "tool-smoke: physis installed from $folder and solved burgers"
