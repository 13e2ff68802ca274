#!/usr/bin/env bash
# Installs what samp11 builds and tests with, from Debian 12's archive. Skips apt when all is there.
set -euo pipefail
packages=(
  build-essential cmake pkg-config
  libssl-dev libsqlite3-dev nlohmann-json3-dev libcli11-dev doctest-dev libp11-kit-dev
  openssl sqlite3 p11-kit opensc libengine-pkcs11-openssl python3-pykcs11 softhsm2
  # The tools that hash inside their own run, signing through the pull path (signer_request).
  poppler-utils libnss3-tools openjdk-17-jdk-headless
  # scripts/fuzz.sh: clang with libFuzzer and the sanitizer runtimes (gcc has its own).
  clang libclang-rt-14-dev
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
