#!/usr/bin/env bash
# Packs the library (package Physis) and the .NET tool (package Physis.Cli, command physis), each with its symbol
# package, into one folder. Usage: build/pack.sh [FOLDER]   (default out/packages)
set -euo pipefail
folder=$(realpath -m "${1:-out/packages}")
cd "$(dirname "$0")/.."
mkdir -p "$folder"
# A package already there under the same version would stay in NuGet's caches as it was: start from an empty set.
rm -f "$folder"/Physis.*nupkg
# Packs every project with IsPackable true: src/Physis and src/Physis.Cli (Directory.Build.props).
dotnet pack Physis.sln -c Release -o "$folder" -v q
ls -l "$folder"
