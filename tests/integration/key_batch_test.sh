#!/usr/bin/env bash
# samp11 key generate-batch: many keys from a file of JSON lines. A good file makes every key, each
# audited, with its public key and request; a file with one bad line makes none, naming the line.
# Usage: key_batch_test.sh SAMP11_CLI
set -euo pipefail
samp11=$(realpath "$1")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
export SAMP11_CONF="$work/samp11.json"

"$samp11" init --label batch --keystore "$work/t.db" --master-key "$work/m.key" >/dev/null
for who in alice bob; do
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$who.pem" 2>/dev/null
  openssl pkey -in "$who.pem" -pubout -out "$who.pub.pem"
  "$samp11" signer add "$who" --activation-key "$who.pub.pem" >/dev/null
done
keys() { "$samp11" key list | wc -l; }

# Refused files: each with one bad line among good ones; no key is made, the line is named.
refuse() {  # refuse WORDS LINE... : the file of those lines is refused, saying WORDS
  local words=$1
  shift
  printf '%s\n' "$@" > bad.jsonl
  if "$samp11" key generate-batch --from bad.jsonl --out-dir "$work" >/dev/null 2>err.txt; then
    fail "accepted: $*"
  fi
  grep -qF -- "$words" err.txt || fail "refusal of $* said: $(cat err.txt)"
  [ "$(keys)" -eq 0 ] || fail "a refused file made keys: $*"
}
good='{"signer": "alice", "id": "0a"}'
refuse "line 2: unknown member 'sigenr'" "$good" '{"sigenr": "bob"}'
refuse "line 2: unknown key type 'ec-p512'" "$good" '{"signer": "bob", "type": "ec-p512"}'
refuse "line 2: no signer 'carol'" "$good" '{"signer": "carol"}'
refuse "line 2: id 0a is on an earlier line" "$good" '{"signer": "bob", "id": "0a"}'
refuse "line 2: not a JSON object" "$good" '{"signer": "bob"'
refuse "line 2: 'scal' is 1 or 2" "$good" '{"signer": "bob", "scal": 3}'
refuse "line 2: max_signatures and max_seconds are for SCAL1 keys" "$good" \
  '{"signer": "bob", "max_signatures": 5}'
refuse "line 2: a SCAL1 key needs" "$good" '{"signer": "bob", "scal": 1}'
refuse "line 2: subject" "$good" '{"signer": "bob", "subject": "no subject"}'
refuse "line 1: 'id' must be a string" '{"signer": "bob", "id": 10}'
refuse "no keys to generate" '# only a comment'
printf '%s\n' '{"signer": "bob", "subject": "/CN=Bob"}' > nodir.jsonl
if "$samp11" key generate-batch --from nodir.jsonl 2>err.txt >/dev/null; then fail "a subject without --out-dir"; fi
grep -q "need --out-dir" err.txt || fail "no --out-dir: $(cat err.txt)"

# A good file: comments and blank lines skipped, defaults applied.
cat > keys.jsonl <<'JSONL'
# onboarding, 2026-12
{"signer": "alice", "type": "ec-p256", "id": "a001", "subject": "/CN=Alice/O=Example"}
{"signer": "bob", "type": "rsa-2048", "subject": "/CN=Bob"}

{"signer": "alice", "type": "ed25519", "scal": 1, "max_signatures": 10, "label": "alice-seal"}
JSONL
mkdir out
"$samp11" key generate-batch --from keys.jsonl --out-dir out > report.jsonl 2>/dev/null
[ "$(keys)" -eq 3 ] || fail "not 3 keys: $("$samp11" key list)"
/usr/bin/python3 - report.jsonl <<'PY' || fail "report: $(cat report.jsonl)"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert [r["line"] for r in rows] == [2, 3, 5], rows
assert rows[0]["id"] == "a001" and rows[0]["csr"] == "out/a001.csr", rows
assert rows[1]["signer"] == "bob" and rows[1]["type"] == "rsa-2048" and len(rows[1]["id"]) == 32
assert rows[2]["scal"] == 1 and "csr" not in rows[2], rows
PY
"$samp11" key list | grep -q '^a001  ec-p256  SCAL2  file  usable  alice  alice-ec-p256$' ||
  fail "a001: $("$samp11" key list)"
"$samp11" key list | grep -q '  ed25519  SCAL1  file  usable  alice  alice-seal$' || fail "the SCAL1 key"
bob=$(/usr/bin/python3 -c 'import json,sys; print([json.loads(l) for l in open(sys.argv[1])][1]["id"])' report.jsonl)
for id in a001 "$bob"; do
  openssl req -in "out/$id.csr" -verify -noout 2>&1 | grep -q "verify OK" || fail "$id: request"
  openssl req -in "out/$id.csr" -noout -pubkey | cmp -s - "out/$id.pub.pem" || fail "$id: another key"
done
[ "$("$samp11" audit show --event key-generate | grep -c ' key-generate ok ')" -eq 3 ] ||
  fail "not 3 key-generate records"
# Ids already taken: refused, nothing more made.
refuse_taken() {
  printf '%s\n' '{"signer": "bob", "id": "b0"}' '{"signer": "alice", "id": "a001"}' > taken.jsonl
  if "$samp11" key generate-batch --from taken.jsonl >/dev/null 2>err.txt; then fail "a taken id"; fi
  grep -q "line 2: key a001 exists" err.txt || fail "taken id: $(cat err.txt)"
  [ "$(keys)" -eq 3 ] || fail "a refused file made keys"
}
refuse_taken
echo "key_batch_test: ok"
