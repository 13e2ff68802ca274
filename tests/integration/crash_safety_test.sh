#!/usr/bin/env bash
# Crash safety: a signing loop (crash_signer, one SAD per document) is killed with SIGKILL at
# random moments, 200 times. After each kill the keystore opens, no key is lost, the audit log
# verifies intact, and every document whose signature was released (written by the signer) is
# spent: its SAD is refused when presented again. Over the whole run no document is signed twice.
# The token has a rollback anchor (keystore/rollback_guard.h), so the kills also land while it
# advances: it must never raise a false alarm (a refused signer, or verify exiting 3).
# Usage: crash_safety_test.sh SAMP11_CLI MODULE CRASH_SIGNER
set -euo pipefail
samp11=$(realpath "$1")
module=$(realpath "$2")
signer=$(realpath "$3")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
export SAMP11_CONF="$work/samp11.json"
fail() { echo "FAIL: $*" >&2; exit 1; }
kills=200
docs=150

"$samp11" init --label crash --keystore "$work/t.db" --master-key "$work/m.key" >/dev/null
mkdir anchor
/usr/bin/python3 - "$SAMP11_CONF" "$work/anchor/crash.anchor" <<'PY'
import json, sys
config = json.load(open(sys.argv[1]))
config["tokens"][0]["rollback_anchor"] = {"file": sys.argv[2]}
json.dump(config, open(sys.argv[1], "w"), indent=2)
PY
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out dev.pem 2>/dev/null
openssl pkey -in dev.pem -pubout -out dev.pub.pem
"$samp11" signer add alice --activation-key dev.pub.pem --kid alice-dev >/dev/null
"$samp11" key generate --signer alice --type ec-p256 --id c0ffee01 >/dev/null
"$samp11" key generate --signer alice --type ec-p256 --id c0ffee02 >/dev/null
"$samp11" key list > keys.before

# One SAD per document, made before the loop (the device is not under test). Two issuers at a
# time; lifetime 300 s covers the run.
mkdir -p d d/sigs
for i in $(seq 0 $((docs - 1))); do echo "crash document $i" > "d/$i.doc"; done
seq 0 $((docs - 1)) | xargs -P 2 -I{} sh -c \
  '"$0" sad issue --device-key dev.pem --kid alice-dev --signer alice --key-id c0ffee01 \
     --hash-file d/{}.doc > d/{}.sad' "$samp11"

: > released.before
for round in $(seq 1 $kills); do
  "$signer" "$module" c0ffee01 d $docs sign 2>signer.err &
  pid=$!
  # A random moment in the first 0.05..0.30 s: startup, login, signing, spending, writing.
  sleep "0.$(printf '%02d' $((5 + RANDOM % 26)))"
  kill -KILL "$pid" 2>/dev/null || true
  rc=0
  { wait "$pid"; } 2>/dev/null || rc=$?  # no "Killed" notice from bash
  # 137: killed; 0: it finished presenting every document before the kill. Anything else is a
  # refusal that is not "spent" (e.g. CKR_DEVICE_ERROR from a torn keystore).
  [[ $rc == 137 || $rc == 0 ]] || { cat signer.err; fail "round $round: signer exit $rc"; }
  rm -f d/sigs/*.tmp  # a kill between write and rename: never released to anyone

  "$samp11" key list > keys.after || fail "round $round: keystore does not open"
  cmp -s keys.before keys.after || fail "round $round: keys changed: $(cat keys.after)"
  out=$("$samp11" audit verify) || fail "round $round: audit verify: $out"
  [[ $out =~ ^audit\ log:\ [0-9]+\ records,\ seq\ 1\.\.[0-9]+,\ intact$ ]] ||
    fail "round $round: audit verify said: $out"
  # Every document released in this round is spent: its SAD is refused (crash_signer check
  # exits 4 if not). Earlier ones are presented again by every later signing run.
  ls d/sigs | sed -n 's/^\([0-9]*\)\..*\.sig$/\1/p' | sort -u > released
  comm -13 released.before released > new
  mv released released.before
  "$signer" "$module" c0ffee01 d $docs check < new 2>check.err ||
    { cat check.err; fail "round $round: a released document was signed again"; }
done

# No document signed twice over the whole run, and the run signed something worth checking.
total=$(ls d/sigs | wc -l)
distinct=$(wc -l < released.before)
[[ $total -eq $distinct ]] || fail "$total signatures for $distinct documents"
[[ $distinct -ge 20 ]] || fail "only $distinct documents signed in $kills rounds"
signs=$("$samp11" audit show --event sign | grep -c ' sign ok ' || true)
# A signature released and then lost to a kill (before its file was renamed) is spent and
# logged but has no file; never the other way round.
[[ $signs -ge $distinct ]] || fail "audit has $signs sign records for $distinct released"
# The anchor followed the spends through every kill: never an alarm, and it moved.
[[ $("$samp11" audit show --event rollback-detected | wc -l) -eq 0 ]] ||
  fail "a false rollback alarm: $("$samp11" audit show --event rollback-detected)"
[[ $(stat -c %s anchor/crash.anchor) -eq 256 ]] || fail "the anchor never moved past its creation"
echo "crash_safety: $kills kills, $distinct documents signed once each, $signs sign records"
