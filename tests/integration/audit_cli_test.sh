#!/usr/bin/env bash
# `samp11 audit`: the key-management commands leave records, `audit verify` finds them intact,
# `audit show` lists and filters them (text and JSON lines), and edits made to the token file
# with the sqlite3 CLI are named by `audit verify`, which then exits 3.
# Usage: audit_cli_test.sh BUILD_DIR
set -euo pipefail
build=$(realpath "$1")
samp11="$build/samp11"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
export SAMP11_CONF="$work/samp11.json"
fail() { echo "FAIL: $*" >&2; exit 1; }
db="$work/t.db"

"$samp11" init --label audittest --keystore "$db" --master-key "$work/m.key" >/dev/null
# A new token's log holds one record: its creation, the anchor of the chain.
out=$("$samp11" audit verify) || fail "verify of a new token's log"
[[ $out == "audit log: 1 record, seq 1..1, intact" ]] || fail "new token's log: $out"

openssl genpkey -algorithm ED25519 -out dev.pem
openssl pkey -in dev.pem -pubout -out dev.pub.pem
"$samp11" signer add carol --activation-key dev.pub.pem >/dev/null                     # 2, 3
"$samp11" signer add dave --activation-key dev.pub.pem --kid dave-dev >/dev/null       # 4, 5
if "$samp11" signer add carol --activation-key dev.pub.pem 2>/dev/null; then           # 6
  fail "a second carol was enrolled"
fi
# A key id another signer holds: refused before anything is written (no record, no erin).
if "$samp11" signer add erin --activation-key dev.pub.pem --kid dave-dev 2>/dev/null; then
  fail "erin was enrolled with dave's key id"
fi
"$samp11" signer list | grep -q '^erin$' && fail "a refused enrolment left signer erin behind"
"$samp11" key generate --signer carol --type ec-p256 --id c0ec --csr c.csr \
  --subject "/CN=Carol" >/dev/null                                                     # 7
"$samp11" key generate --signer dave --type ed25519 --id da7e >/dev/null               # 8
if "$samp11" key generate --signer nobody --type ec-p256 --id bad0 2>/dev/null; then   # 9
  fail "a key was generated for nobody"
fi
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem \
  -subj "/CN=audit test CA" -days 2 2>/dev/null
openssl x509 -req -in c.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -out c.pem 2>/dev/null
"$samp11" cert import --key-id c0ec --cert c.pem >/dev/null                            # 10

out=$("$samp11" audit verify) || fail "verify of an untouched log: $out"
[[ $out == "audit log: 10 records, seq 1..10, intact" ]] || fail "untouched log: $out"

# Text: one line per record, oldest first, with time, seq, event, outcome and fields.
"$samp11" audit show > show.txt
[[ $(wc -l < show.txt) -eq 10 ]] || { cat show.txt; fail "show: not 10 lines"; }
grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z 1 token-create ok : label=audittest created=[0-9]+$' \
  show.txt || { cat show.txt; fail "show: first line"; }
grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z 2 signer-add ok signer=carol$' \
  show.txt || { cat show.txt; fail "show: second line"; }
grep -q ' 6 signer-add refused signer=carol : already-exists: signer .carol. already exists' show.txt ||
  fail "show: the refused enrolment"
grep -q ' 7 key-generate ok signer=carol key=c0ec : ec-p256, SCAL2' show.txt ||
  fail "show: the generated key"
grep -q ' 9 key-generate refused signer=nobody key=bad0 : not-found: no signer .nobody.' show.txt ||
  fail "show: the refused key"
grep -q ' 10 cert-import ok signer=carol key=c0ec : .*Carol' show.txt || fail "show: the certificate"

# JSON lines: each line one object with the documented keys.
"$samp11" audit show --json > show.jsonl
python3 - show.jsonl <<'PY' || fail "show --json is not valid JSON lines"
import json, sys
keys = ["seq", "time", "at", "pid", "event", "outcome", "signer", "key_id", "kid", "jti", "detail"]
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 10, len(lines)
for n, line in enumerate(lines, 1):
    record = json.loads(line)
    assert list(record) == keys, list(record)
    assert record["seq"] == n
    assert record["time"].endswith("Z")
assert json.loads(lines[0])["event"] == "token-create"
assert json.loads(lines[6])["key_id"] == "c0ec"
assert json.loads(lines[4])["kid"] == "dave-dev"
PY

# Filters.
count() { "$samp11" audit show "$@" | wc -l; }
[[ $(count --signer carol) -eq 5 ]] || fail "--signer carol"
[[ $(count --signer dave) -eq 3 ]] || fail "--signer dave"
[[ $(count --key-id C0EC) -eq 2 ]] || fail "--key-id"
[[ $(count --event key-generate) -eq 3 ]] || fail "--event"
[[ $(count --event key-generate --signer dave) -eq 1 ]] || fail "--event with --signer"
[[ $(count --limit 4) -eq 4 ]] || fail "--limit"
[[ $(count --since 2000-01-01T00:00:00Z) -eq 10 ]] || fail "--since ISO"
[[ $(count --since 2000-01-01) -eq 10 ]] || fail "--since date"
[[ $(count --until 2000-01-01T00:00:00Z) -eq 0 ]] || fail "--until ISO"
now=$(date +%s)
[[ $(count --since $((now + 3600))) -eq 0 ]] || fail "--since epoch"
[[ $(count --until $((now + 3600)) --json) -eq 10 ]] || fail "--until epoch"
if "$samp11" audit show --since yesterday 2>/dev/null; then fail "a bad --since was accepted"; fi
# --last N: the newest N matching records, still oldest first (cli_usage_test.sh walks a longer
# log); it and --limit exclude each other.
[[ $("$samp11" audit show --last 3) == "$(tail -n 3 show.txt)" ]] || fail "--last 3"
[[ $("$samp11" audit show --last 2 --signer dave) == "$("$samp11" audit show --signer dave |
  tail -n 2)" ]] || fail "--last 2 --signer dave"
[[ $(count --last 100) -eq 10 ]] || fail "--last beyond the log"
if "$samp11" audit show --last 2 --limit 3 2>/dev/null; then fail "--last with --limit"; fi

# Metrics: the same records counted, in the Prometheus text format as Prometheus' own Python
# client parses it; --out replaces the file whole (node_exporter's textfile collector).
"$samp11" metrics --out metrics.prom
[[ "$("$samp11" metrics)" == "$(cat metrics.prom)" ]] || fail "metrics: --out and stdout differ"
/usr/bin/python3 - metrics.prom <<'PY' || fail "metrics: not the counts of the log"
import sys
from prometheus_client.parser import text_string_to_metric_families
samples = {}
for family in text_string_to_metric_families(open(sys.argv[1]).read()):
    for s in family.samples:
        samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
def get(name, **labels):
    return samples.get((name, tuple(sorted(dict(token="audittest", **labels).items()))))
assert get("samp11_refusals_total", event="signer-add", reason="already-exists") == 1, samples
assert get("samp11_refusals_total", event="key-generate", reason="not-found") == 1, samples
assert get("samp11_audit_records_total", event="key-generate", outcome="ok") == 2, samples
assert get("samp11_audit_last_seq") == 10
assert get("samp11_activation_requests_pending") == 0
PY
# And node_exporter's textfile collector takes the file as it is (a file it cannot parse is
# node_textfile_scrape_error 1 and none of its samples).
mkdir textfile && cp metrics.prom textfile/samp11.prom
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
prometheus-node-exporter --collector.disable-defaults --collector.textfile \
  --collector.textfile.directory="$work/textfile" --web.listen-address="127.0.0.1:$port" \
  2>node_exporter.log &
exporter=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/metrics" -o scraped.txt && break; sleep 0.1; done
kill "$exporter"
grep -q '^node_textfile_scrape_error 0$' scraped.txt || { cat node_exporter.log; fail "node_exporter could not read the metrics"; }
grep -q '^samp11_refusals_total{event="signer-add",reason="already-exists",token="audittest"} 1$' \
  scraped.txt || fail "node_exporter did not serve samp11's samples"

# Tampering with the sqlite3 CLI: an edited record is named, verify exits 3.
sqlite3 "$db" "UPDATE audit_log SET outcome = 'ok' WHERE seq = 6"
set +e
out=$("$samp11" audit verify)
rc=$?
set -e
[[ $rc -eq 3 ]] || fail "verify after an edit exited $rc"
grep -q "record 6 was edited" <<<"$out" || fail "the edit is not named: $out"
grep -q "1 problem:" <<<"$out" || fail "more than the edit reported: $out"

# A deleted record is named too, beside the edit.
sqlite3 "$db" "DELETE FROM audit_log WHERE seq = 8"
set +e
out=$("$samp11" audit verify)
rc=$?
set -e
[[ $rc -eq 3 ]] || fail "verify after a delete exited $rc"
grep -q "record 8 is missing" <<<"$out" || fail "the deletion is not named: $out"
grep -q "record 6 was edited" <<<"$out" || fail "the edit is no longer named: $out"

# The deleted tail is found through the head.
sqlite3 "$db" "DELETE FROM audit_log WHERE seq = 10"
set +e
out=$("$samp11" audit verify)
rc=$?
set -e
[[ $rc -eq 3 ]] || fail "verify after a deleted tail exited $rc"
grep -q "the last record was removed (record 10)" <<<"$out" || fail "tail: $out"
grep -q "record 8 is missing" <<<"$out" || fail "the gap is no longer named: $out"

# After tampering, the module appends nothing more: a fresh valid head would hide the evidence.
sqlite3 "$db" "UPDATE audit_head SET seq = 9"
if "$samp11" key generate --signer carol --type ec-p256 --id c0e2 >/dev/null 2>err.txt; then
  fail "an operation was recorded over a tampered head"
fi
grep -q "audit" err.txt || { cat err.txt; fail "the refusal does not name the audit log"; }
if "$samp11" key list | grep -q c0e2; then fail "the key was generated without its record"; fi

# A log emptied with no key at all (every record and the head deleted) is named, and the module
# does not start a new chain over it: the log is anchored to its token by its first record.
"$samp11" init --label wiped --keystore "$work/w.db" --master-key "$work/w.key" >/dev/null
"$samp11" --token wiped signer add frank --activation-key dev.pub.pem >/dev/null
"$samp11" --token wiped key generate --signer frank --type ec-p256 --id f0 >/dev/null
"$samp11" --token wiped audit verify >/dev/null || fail "the second token's log"
sqlite3 "$work/w.db" "DELETE FROM audit_log; DELETE FROM audit_head"
rc=0
out=$("$samp11" --token wiped audit verify) || rc=$?
[[ $rc -eq 3 ]] || fail "verify of an emptied log exited $rc: $out"
grep -q "the log is empty: every record and the head were removed" <<<"$out" ||
  fail "the emptied log is not named: $out"
rc=0
openssl genpkey -algorithm ED25519 -out gina.pem
openssl pkey -in gina.pem -pubout -out gina.pub.pem
"$samp11" --token wiped signer add gina --activation-key gina.pub.pem >/dev/null 2>err.txt || rc=$?
[[ $rc -eq 2 ]] || { cat err.txt; fail "an enrolment over an emptied log exited $rc"; }
grep -q "the audit log is empty" err.txt || { cat err.txt; fail "the refusal does not say why"; }
# And no signature leaves the module, though the SAD is good: its record could not be written.
echo "signed over an emptied log?" >doc.txt
sad=$("$samp11" --token wiped sad issue --device-key dev.pem --signer frank --key-id f0 \
  --hash-file doc.txt)
# (examples/sign_with_sad.c: it also loads the sanitizer build's module, which pkcs11-tool
# cannot; the token is the config's second, slot 1.)
rc=0
SAMP11_SLOT=1 "$build/sign_with_sad" "$build/libsamp11.so" f0 "$sad" doc.txt doc.sig \
  >sign.txt 2>&1 || rc=$?
[[ $rc -eq 2 ]] || { cat sign.txt; fail "a signature over an emptied log: exit $rc"; }
grep -q "CKR_DEVICE_ERROR" sign.txt || { cat sign.txt; fail "the signature's refusal is not CKR_DEVICE_ERROR"; }
[[ ! -s doc.sig ]] || fail "a signature was written over an emptied log"
[[ $("$samp11" --token wiped audit show | wc -l) -eq 0 ]] || fail "a record went into the emptied log"

echo "audit_cli_test: ok"
