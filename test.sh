#!/usr/bin/env bash
# Runs every test of ownkey, installing what it needs first: the Go tests
# natively, the vectors again under js/wasm (in Node), the browser tests in
# headless Chromium, and a short run of every fuzz target. A browser test
# that cannot run fails; nothing is skipped.
set -euo pipefail
cd "$(dirname "$0")"

./scripts/setup.sh
./build.sh
# wrangler (workerd and Miniflare, pinned with a lock file) for the
# service's tests on Cloudflare's runtime.
(cd worker && npm ci --no-audit --no-fund)

# wasm/, the Worker entry point and the R2 store are js/wasm only; everything
# else also builds natively.
native=$(go list ./... | grep -v -e '/wasm\($\|/\)' -e '/cmd/ownkey-worker$' -e '/r2blob$')
# The browser and workerd suites run one package at a time: one of them
# measures the page's main thread, which other suites' load would disturb.
browser=$(go list ./tests/...)
unit=$(grep -v -F -x -f <(echo "$browser") <<<"$native")

echo "== go vet"
go vet $native
GOOS=js GOARCH=wasm go vet ./wasm/... ./internal/keys/... ./internal/aescbc/ ./internal/service/ \
  ./cmd/ownkey-worker/ ./internal/store/r2blob/

echo "== go test (native)"
go test -count=1 -timeout 20m $unit

echo "== go test (headless Chromium and local workerd)"
go test -count=1 -p 1 -timeout 40m $browser

echo "== go test (js/wasm, under Node)"
PATH="$PATH:$(go env GOROOT)/lib/wasm" GOOS=js GOARCH=wasm \
  go test -count=1 -timeout 20m ./internal/keys/... ./internal/aescbc/ ./wasm/... \
  ./internal/store/r2blob/

echo "== fuzz (${OWNKEY_FUZZTIME:=10s} each)"
fuzzed=0
for pkg in ./internal/keys/ ./internal/aescbc/; do
  for target in $(go test -list '^Fuzz' "$pkg" | grep '^Fuzz'); do
    go test -run '^$' -fuzz "^${target}\$" -fuzztime "$OWNKEY_FUZZTIME" "$pkg"
    fuzzed=$((fuzzed + 1))
  done
done
if [ "$fuzzed" -lt 4 ]; then
  echo "test.sh: expected at least 4 fuzz targets, ran $fuzzed" >&2
  exit 1
fi
echo "== all tests passed"
