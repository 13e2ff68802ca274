#!/usr/bin/env bash
# On a fresh Debian 12: install dependencies, build, run every test (unit and integration).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
(cd "${BUILD_DIR:-build}" && ctest --output-on-failure -j"$(nproc)" --timeout 600)
echo "test: plain suite passed [${SECONDS}s]"
# Then the same code under ASan+UBSan and TSan, and the fuzzers (about 11 to 20 more minutes on two
# cores). SAMP11_TEST_QUICK=1 stops after the plain suite, for a quick local round.
if [ "${SAMP11_TEST_QUICK:-0}" != 1 ]; then
  scripts/test-sanitizers.sh
fi
