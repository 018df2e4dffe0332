#!/usr/bin/env bash
# Builds ownkey and runs the demo: the page and the service with its
# embedded store, on http://127.0.0.1:8080 (OWNKEY_ADDR to change it).
set -euo pipefail
cd "$(dirname "$0")"

OWNKEY_SETUP_TESTS=0 ./scripts/setup.sh
./build.sh
exec ./dist/ownkey serve --addr "${OWNKEY_ADDR:-127.0.0.1:8080}" \
  --data "${OWNKEY_DATA:-./ownkey-data}" --web ./dist "$@"
