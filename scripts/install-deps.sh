#!/usr/bin/env bash
# Installs what samp11 builds and tests with, from Debian 12's archive (pkcs11-provider from its
# bookworm-backports suite, which this adds to apt's sources if missing). Skips apt when all is
# there.
set -euo pipefail
packages=(
  build-essential cmake pkg-config
  libssl-dev libsqlite3-dev nlohmann-json3-dev libcli11-dev doctest-dev libp11-kit-dev
  # The QR code `samp11 signer set-totp` draws for an authenticator app.
  libqrencode-dev
  # TOTP codes made apart from samp11 for the tests (otp_totp).
  oathtool
  openssl sqlite3 p11-kit opensc libengine-pkcs11-openssl python3-pykcs11 softhsm2
  # `samp11 metrics` in the tests: parsed by Prometheus' Python client, and read by
  # node_exporter's textfile collector.
  python3-prometheus-client prometheus-node-exporter curl
  # samp11(1) rendered and checked (cli_reference); samp11.json(5) rendered from
  # docs/configuration.md.
  groff-base bsdextrautils pandoc
  # The Debian package, built and linted (debian_package).
  debhelper lintian
  # The tools that hash inside their own run, signing through the pull path (signer_request).
  poppler-utils libnss3-tools openjdk-17-jdk-headless
  # The consumers of tests/integration/consumer_*: GnuTLS's p11tool/certtool (NSS's
  # modutil/certutil and Java's SunPKCS11 come with the line above).
  gnutls-bin
  # The PostgreSQL state (state/postgres/): libpq, and the server the tests start clusters of.
  libpq-dev postgresql-15
  # CSC v2 access tokens for the csc_tokens test, made by a JOSE implementation that is not
  # samp11's own (tests/integration/csc_token.py).
  python3-jwcrypto
  # scripts/fuzz.sh: clang with libFuzzer and the sanitizer runtimes (gcc has its own).
  clang libclang-rt-14-dev
)
# OpenSSL's pkcs11-provider is in bookworm-backports only (1.0; bookworm has none).
backports=(pkcs11-provider)
# One dpkg-query for all: the installed ones, by name. dpkg-query exits 1 when it has never heard
# of one of them (a fresh machine), which is an answer here, not a failure.
have=" $({ dpkg-query -W -f='${db:Status-Status} ${Package}\n' "${packages[@]}" "${backports[@]}" \
  2>/dev/null || true; } | awk '$1 == "installed" { printf "%s ", $2 }')"
missing=() missing_backports=()
for p in "${packages[@]}"; do [[ $have == *" $p "* ]] || missing+=("$p"); done
for p in "${backports[@]}"; do [[ $have == *" $p "* ]] || missing_backports+=("$p"); done
if [ ${#missing[@]} -eq 0 ] && [ ${#missing_backports[@]} -eq 0 ]; then
  exit 0
fi
echo "install-deps: installing ${missing[*]} ${missing_backports[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
if [ ${#missing_backports[@]} -gt 0 ] &&
  ! grep -rqs "bookworm-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
  echo "deb http://deb.debian.org/debian bookworm-backports main" |
    $sudo tee /etc/apt/sources.list.d/bookworm-backports.list >/dev/null
fi
$sudo apt-get update -qq
if [ ${#missing[@]} -gt 0 ]; then
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [ ${#missing_backports[@]} -gt 0 ]; then
  $sudo apt-get install -y -qq --no-install-recommends -t bookworm-backports \
    "${missing_backports[@]}" >/dev/null
fi
