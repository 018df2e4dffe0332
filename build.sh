#!/usr/bin/env bash
# build.sh builds ownkey into dist/: the WebAssembly module and the page that
# loads it, and the command line for this machine. The module is
# reproducible: the same tree and toolchain give the same bytes.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"
dist="$root/dist"
mkdir -p "$dist"

# Reproducible: no paths, no build id, no VCS stamp, no symbols.
flags=(-trimpath -buildvcs=false -ldflags="-s -w -buildid=")

GOOS=js GOARCH=wasm go build "${flags[@]}" -o "$dist/ownkey.wasm.tmp" ./wasm
mv "$dist/ownkey.wasm.tmp" "$dist/ownkey.wasm"

# wasm_exec.js must come from the toolchain that built the module.
cp "$(go env GOROOT)/lib/wasm/wasm_exec.js" "$dist/"
cp index.html web/*.js "$dist/"

go build "${flags[@]}" -o "$dist/ownkey" ./cmd/ownkey

raw=$(wc -c <"$dist/ownkey.wasm")
gzipped=$(gzip -9 -n -c "$dist/ownkey.wasm" | wc -c)
sum=$(sha256sum "$dist/ownkey.wasm" | cut -d' ' -f1)
echo "dist/ownkey.wasm: $raw bytes, $gzipped gzipped, sha256 $sum"
