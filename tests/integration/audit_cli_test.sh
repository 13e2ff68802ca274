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
out=$("$samp11" audit verify) || fail "verify of an empty log"
[[ $out == "audit log: 0 records, intact" ]] || fail "empty log: $out"

openssl genpkey -algorithm ED25519 -out dev.pem
openssl pkey -in dev.pem -pubout -out dev.pub.pem
"$samp11" signer add carol --activation-key dev.pub.pem >/dev/null                     # 1, 2
"$samp11" signer add dave --activation-key dev.pub.pem --kid dave-dev >/dev/null       # 3, 4
if "$samp11" signer add carol --activation-key dev.pub.pem 2>/dev/null; then           # 5
  fail "a second carol was enrolled"
fi
# A key id another signer holds: refused before anything is written (no record, no erin).
if "$samp11" signer add erin --activation-key dev.pub.pem --kid dave-dev 2>/dev/null; then
  fail "erin was enrolled with dave's key id"
fi
"$samp11" signer list | grep -q '^erin$' && fail "a refused enrolment left signer erin behind"
"$samp11" key generate --signer carol --type ec-p256 --id c0ec --csr c.csr \
  --subject "/CN=Carol" >/dev/null                                                     # 6
"$samp11" key generate --signer dave --type ed25519 --id da7e >/dev/null               # 7
if "$samp11" key generate --signer nobody --type ec-p256 --id bad0 2>/dev/null; then   # 8
  fail "a key was generated for nobody"
fi
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem \
  -subj "/CN=audit test CA" -days 2 2>/dev/null
openssl x509 -req -in c.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -out c.pem 2>/dev/null
"$samp11" cert import --key-id c0ec --cert c.pem >/dev/null                            # 9

out=$("$samp11" audit verify) || fail "verify of an untouched log: $out"
[[ $out == "audit log: 9 records, seq 1..9, intact" ]] || fail "untouched log: $out"

# Text: one line per record, oldest first, with time, seq, event, outcome and fields.
"$samp11" audit show > show.txt
[[ $(wc -l < show.txt) -eq 9 ]] || { cat show.txt; fail "show: not 9 lines"; }
grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z 1 signer-add ok signer=carol$' \
  show.txt || { cat show.txt; fail "show: first line"; }
grep -q ' 5 signer-add refused signer=carol : already-exists: signer .carol. already exists' show.txt ||
  fail "show: the refused enrolment"
grep -q ' 6 key-generate ok signer=carol key=c0ec : ec-p256, SCAL2' show.txt ||
  fail "show: the generated key"
grep -q ' 8 key-generate refused signer=nobody key=bad0 : not-found: no signer .nobody.' show.txt ||
  fail "show: the refused key"
grep -q ' 9 cert-import ok signer=carol key=c0ec : .*Carol' show.txt || fail "show: the certificate"

# JSON lines: each line one object with the documented keys.
"$samp11" audit show --json > show.jsonl
python3 - show.jsonl <<'PY' || fail "show --json is not valid JSON lines"
import json, sys
keys = ["seq", "time", "at", "pid", "event", "outcome", "signer", "key_id", "kid", "jti", "detail"]
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 9, len(lines)
for n, line in enumerate(lines, 1):
    record = json.loads(line)
    assert list(record) == keys, list(record)
    assert record["seq"] == n
    assert record["time"].endswith("Z")
assert json.loads(lines[5])["key_id"] == "c0ec"
assert json.loads(lines[3])["kid"] == "dave-dev"
PY

# Filters.
count() { "$samp11" audit show "$@" | wc -l; }
[[ $(count --signer carol) -eq 5 ]] || fail "--signer carol"
[[ $(count --signer dave) -eq 3 ]] || fail "--signer dave"
[[ $(count --key-id C0EC) -eq 2 ]] || fail "--key-id"
[[ $(count --event key-generate) -eq 3 ]] || fail "--event"
[[ $(count --event key-generate --signer dave) -eq 1 ]] || fail "--event with --signer"
[[ $(count --limit 4) -eq 4 ]] || fail "--limit"
[[ $(count --since 2000-01-01T00:00:00Z) -eq 9 ]] || fail "--since ISO"
[[ $(count --since 2000-01-01) -eq 9 ]] || fail "--since date"
[[ $(count --until 2000-01-01T00:00:00Z) -eq 0 ]] || fail "--until ISO"
now=$(date +%s)
[[ $(count --since $((now + 3600))) -eq 0 ]] || fail "--since epoch"
[[ $(count --until $((now + 3600)) --json) -eq 9 ]] || fail "--until epoch"
if "$samp11" audit show --since yesterday 2>/dev/null; then fail "a bad --since was accepted"; fi
# --last N: the newest N matching records, still oldest first (cli_usage_test.sh walks a longer
# log); it and --limit exclude each other.
[[ $("$samp11" audit show --last 3) == "$(tail -n 3 show.txt)" ]] || fail "--last 3"
[[ $("$samp11" audit show --last 2 --signer dave) == "$("$samp11" audit show --signer dave |
  tail -n 2)" ]] || fail "--last 2 --signer dave"
[[ $(count --last 100) -eq 9 ]] || fail "--last beyond the log"
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
assert get("samp11_audit_last_seq") == 9
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
sqlite3 "$db" "UPDATE audit_log SET outcome = 'ok' WHERE seq = 5"
set +e
out=$("$samp11" audit verify)
rc=$?
set -e
[[ $rc -eq 3 ]] || fail "verify after an edit exited $rc"
grep -q "record 5 was edited" <<<"$out" || fail "the edit is not named: $out"
grep -q "1 problem:" <<<"$out" || fail "more than the edit reported: $out"

# A deleted record is named too, beside the edit.
sqlite3 "$db" "DELETE FROM audit_log WHERE seq = 7"
set +e
out=$("$samp11" audit verify)
rc=$?
set -e
[[ $rc -eq 3 ]] || fail "verify after a delete exited $rc"
grep -q "record 7 is missing" <<<"$out" || fail "the deletion is not named: $out"
grep -q "record 5 was edited" <<<"$out" || fail "the edit is no longer named: $out"

# The deleted tail is found through the head.
sqlite3 "$db" "DELETE FROM audit_log WHERE seq = 9"
set +e
out=$("$samp11" audit verify)
rc=$?
set -e
[[ $rc -eq 3 ]] || fail "verify after a deleted tail exited $rc"
grep -q "the last record was removed (record 9)" <<<"$out" || fail "tail: $out"
grep -q "record 7 is missing" <<<"$out" || fail "the gap is no longer named: $out"

# After tampering, the module appends nothing more: a fresh valid head would hide the evidence.
sqlite3 "$db" "UPDATE audit_head SET seq = 8"
if "$samp11" key generate --signer carol --type ec-p256 --id c0e2 >/dev/null 2>err.txt; then
  fail "an operation was recorded over a tampered head"
fi
grep -q "audit" err.txt || { cat err.txt; fail "the refusal does not name the audit log"; }
if "$samp11" key list | grep -q c0e2; then fail "the key was generated without its record"; fi

echo "audit_cli_test: ok"
