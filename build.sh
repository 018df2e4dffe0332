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
# The probe Workers' module: Miller-Rabin rounds only (web/prober.js).
GOOS=js GOARCH=wasm go build "${flags[@]}" -o "$dist/prober.wasm.tmp" ./wasm/prober
mv "$dist/prober.wasm.tmp" "$dist/prober.wasm"

# wasm_exec.js must come from the toolchain that built the module.
cp "$(go env GOROOT)/lib/wasm/wasm_exec.js" "$dist/"
cp index.html web/*.js "$dist/"

go build "${flags[@]}" -o "$dist/ownkey" ./cmd/ownkey

for module in ownkey prober; do
  raw=$(wc -c <"$dist/$module.wasm")
  gzipped=$(gzip -9 -n -c "$dist/$module.wasm" | wc -c)
  sum=$(sha256sum "$dist/$module.wasm" | cut -d' ' -f1)
  echo "dist/$module.wasm: $raw bytes, $gzipped gzipped, sha256 $sum"
done

# ./build.sh bench: measure everything against the targets (bench/main.go).
if [[ "${1:-}" == bench ]]; then
  go run ./bench
fi
