#!/usr/bin/env bash
# On a fresh Debian 12: install dependencies, build, and run the demo (examples/demo.sh):
# a token, a signer with a device key, a key bound to her, a SAD for one document, a signature
# made through PKCS#11 and verified by openssl.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
examples/demo.sh "${BUILD_DIR:-build}" "${DEMO_DIR:-demo-out}"
