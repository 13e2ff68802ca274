#!/usr/bin/env bash
# The README's "What a user does" block, run verbatim as a new user would: from a fresh folder
# that holds only `build` (the built tree), with a fresh HOME. The block makes everything it uses
# (device key, CA-issued certificate, document), issues a fresh SAD per signature and verifies
# each signature with openssl; any failing line fails this test.
# Usage: quickstart_test.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
source_dir=$(realpath "$1")
build_dir=$(realpath "$2")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The block sits between these two markers in README.md, inside a ```sh fence.
block=$(sed -n '/^<!-- quickstart:begin -->$/,/^<!-- quickstart:end -->$/p' "$source_dir/README.md" |
  sed -e '/^<!--/d' -e '/^```/d')
for needed in 'samp11 init' 'sad issue' 'sign_with_sad' 'pkcs11-tool' 'openssl dgst'; do
  if ! grep -qF -- "$needed" <<<"$block"; then
    echo "quickstart_test: README's quick start block lacks '$needed' (markers moved?)" >&2
    exit 1
  fi
done
printf '%s\n' "$block" > "$work/quickstart.sh"

mkdir "$work/repo" "$work/home"
ln -s "$build_dir" "$work/repo/build"
(cd "$work/repo" && env -u SAMP11_CONF HOME="$work/home" bash -euo pipefail "$work/quickstart.sh")

# What the block claims happened, checked from outside it: two signatures on one document, each
# under its own SAD, both in the audit log.
qs="$work/home/samp11-quickstart"
for sig in doc.sig doc2.sig; do
  openssl dgst -sha256 -verify "$qs/alice.pub.pem" -signature "$qs/$sig" "$qs/doc.txt" >/dev/null
done
signs=$(SAMP11_CONF="$qs/samp11.json" "$build_dir/samp11" audit show --event sign --json |
  grep -c '"outcome": *"ok"' || true)
if [ "$signs" -ne 2 ]; then
  echo "quickstart_test: expected 2 audited signatures, found $signs" >&2
  exit 1
fi
# And counted by `samp11 metrics`, as Prometheus' own Python client reads the text.
SAMP11_CONF="$qs/samp11.json" "$build_dir/samp11" metrics > "$work/metrics.prom"
/usr/bin/python3 - "$work/metrics.prom" <<'PY'
import sys
from prometheus_client.parser import text_string_to_metric_families
found = {}
for family in text_string_to_metric_families(open(sys.argv[1]).read()):
    for s in family.samples:
        found[(s.name, s.labels.get("activation"), s.labels.get("mechanism"), s.labels.get("le"))] = s.value
assert found[("samp11_signatures_total", "context-login", "CKM_ECDSA_SHA256", None)] == 2, found
assert found[("samp11_sign_seconds_count", "context-login", None, None)] == 2, found
assert found[("samp11_sign_seconds_bucket", "context-login", None, "+Inf")] == 2, found
PY
echo "quickstart_test: the README's quick start ran as written"
