#!/usr/bin/env bash
# Runs every test of ownkey, installing what it needs first: the Go tests
# natively, the vectors again under js/wasm (in Node), the browser tests in
# headless Chromium, and a short run of every fuzz target. A browser test
# that cannot run fails; nothing is skipped.
set -euo pipefail
cd "$(dirname "$0")"

./scripts/setup.sh
./build.sh

# wasm/ is the js/wasm main package; everything else also builds natively.
native=$(go list ./... | grep -v '/wasm\($\|/\)')

echo "== go vet"
go vet $native
GOOS=js GOARCH=wasm go vet ./wasm/... ./internal/keys/ ./internal/aescbc/ ./internal/service/

echo "== go test (native, with the browser tests)"
go test -count=1 -timeout 30m $native

echo "== go test (js/wasm, under Node)"
PATH="$PATH:$(go env GOROOT)/lib/wasm" GOOS=js GOARCH=wasm \
  go test -count=1 -timeout 20m ./internal/keys/ ./internal/aescbc/ ./wasm/...

echo "== fuzz (${OWNKEY_FUZZTIME:=10s} each)"
for target in $(go test -list 'Fuzz.*' ./internal/keys/ ./internal/aescbc/ | grep '^Fuzz' || true); do
  for pkg in ./internal/keys/ ./internal/aescbc/; do
    if go test -list "^${target}\$" "$pkg" | grep -qx "$target"; then
      go test -run '^$' -fuzz "^${target}\$" -fuzztime "$OWNKEY_FUZZTIME" "$pkg"
    fi
  done
done
echo "== all tests passed"
