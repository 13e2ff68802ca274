#!/usr/bin/env bash
# On a fresh Debian 12: install dependencies, build, run every test (unit and integration).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
cd "${BUILD_DIR:-build}"
ctest --output-on-failure -j"$(nproc)" --timeout 600
