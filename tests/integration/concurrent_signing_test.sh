#!/usr/bin/env bash
# Concurrency: 2 processes x 8 threads (a session each) sign from one keystore at once, every
# thread presenting every document with its SAD, each from its own starting point, so that 16
# sessions race for each SAD. Afterwards: every document was signed exactly once, every signature
# verifies under the key, the audit log verifies intact and holds exactly one "sign ok" record
# per document, and every other attempt was refused as spent (CKR_FUNCTION_REJECTED; any other
# CK_RV fails the signer).
# Usage: concurrent_signing_test.sh SAMP11_CLI MODULE CRASH_SIGNER
set -euo pipefail
samp11=$(realpath "$1")
module=$(realpath "$2")
signer=$(realpath "$3")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
export SAMP11_CONF="$work/samp11.json"
fail() { echo "FAIL: $*" >&2; exit 1; }
processes=2
threads=8
docs=120

"$samp11" init --label conc --keystore "$work/t.db" --master-key "$work/m.key" >/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out dev.pem 2>/dev/null
openssl pkey -in dev.pem -pubout -out dev.pub.pem
"$samp11" signer add alice --activation-key dev.pub.pem --kid alice-dev >/dev/null
"$samp11" key generate --signer alice --type ec-p256 --id c0c0a001 --public-key key.pub.pem \
  >/dev/null

mkdir -p d d/sigs
for i in $(seq 0 $((docs - 1))); do echo "concurrent document $i" > "d/$i.doc"; done
seq 0 $((docs - 1)) | xargs -P 2 -I{} sh -c \
  '"$0" sad issue --device-key dev.pem --kid alice-dev --signer alice --key-id c0c0a001 \
     --hash-file d/{}.doc > d/{}.sad' "$samp11"

pids=()
for p in $(seq 1 $processes); do
  "$signer" "$module" c0c0a001 d $docs sign $threads 2>"signer$p.err" &
  pids+=($!)
done
for p in "${!pids[@]}"; do
  wait "${pids[$p]}" || { cat "signer$((p + 1)).err"; fail "signer $((p + 1)) failed"; }
done

# Exactly one signature per document, across all processes and threads.
total=$(ls d/sigs | wc -l)
distinct=$(ls d/sigs | sed -n 's/^\([0-9]*\)\..*\.sig$/\1/p' | sort -u | wc -l)
[[ $total -eq $docs ]] || fail "$total signatures for $docs documents"
[[ $distinct -eq $docs ]] || fail "$distinct distinct documents signed of $docs"
# Both processes won some: the race was real.
winners=$(ls d/sigs | cut -d. -f2 | sort -u | wc -l)
[[ $winners -eq $processes ]] || echo "note: only $winners process(es) won signatures"

# Every signature verifies (the module returns r||s; openssl wants DER). One python3 converts
# them all (its start-up alone takes a third of a second here), then openssl checks each.
python3 - d/sigs <<'PY' || fail "could not convert the signatures to DER"
import os, sys
def integer(b):
    b = b.lstrip(b'\0') or b'\0'
    if b[0] & 0x80: b = b'\0' + b
    return bytes([2, len(b)]) + b
folder = sys.argv[1]
for name in os.listdir(folder):
    if not name.endswith('.sig'): continue
    raw = open(os.path.join(folder, name), 'rb').read()
    body = integer(raw[:32]) + integer(raw[32:])
    open(os.path.join(folder, name[:-4] + '.der'), 'wb').write(bytes([0x30, len(body)]) + body)
PY
for f in d/sigs/*.sig; do
  n=${f#d/sigs/}; n=${n%%.*}
  openssl dgst -sha256 -verify key.pub.pem -signature "${f%.sig}.der" "d/$n.doc" >/dev/null ||
    fail "signature $f does not verify"
done

out=$("$samp11" audit verify) || fail "audit verify: $out"
[[ $out =~ intact$ ]] || fail "audit verify said: $out"
signs=$("$samp11" audit show --event sign | grep -c ' sign ok ' || true)
[[ $signs -eq $docs ]] || fail "audit has $signs sign records for $docs signatures"
refused=$("$samp11" audit show | grep -c ' refused ' || true)
echo "concurrent_signing: $processes processes x $threads threads, $docs documents signed once" \
  "each ($winners processes won some), $signs sign records, $refused refusals recorded"
