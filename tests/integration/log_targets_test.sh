#!/usr/bin/env bash
# The module's log lines where an operator sends them: as JSON to a syslog socket (here one this
# test reads, as journald or rsyslog read /dev/log), and as JSON lines to a file. A signing
# application (sign_with_sad) is refused once and signs once; both show up, with their level.
# Usage: log_targets_test.sh BUILD_DIR
set -euo pipefail
build=$(realpath "$1")
samp11="$build/samp11"
work=$(mktemp -d)
reader=""
trap '[ -n "$reader" ] && kill "$reader" 2>/dev/null; rm -rf "$work"' EXIT
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }

export SAMP11_CONF="$work/samp11.json"
"$samp11" init --label logs --keystore "$work/t.db" --master-key "$work/m.key" >/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out dev.pem 2>/dev/null
openssl pkey -in dev.pem -pubout -out dev.pub.pem
"$samp11" signer add alice --activation-key dev.pub.pem >/dev/null
"$samp11" key generate --signer alice --type ec-p256 --id a1 >/dev/null
printf 'the document\n' > doc.txt
"$samp11" sad issue --device-key dev.pem --signer alice --key-id a1 --hash-file doc.txt > doc.sad

# A reader on a datagram socket, writing each datagram as a line, until "end".
/usr/bin/python3 - "$work/log.sock" "$work/datagrams.txt" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(30)
with open(sys.argv[2], "w") as out:
    while True:
        data = s.recv(65536).decode()
        if data == "end":
            break
        out.write(data + "\n")
PY
reader=$!
for _ in $(seq 100); do [ -S "$work/log.sock" ] && break; sleep 0.05; done
[ -S "$work/log.sock" ] || fail "the reader did not bind its socket"

to_syslog=(env SAMP11_LOG_TARGET="syslog:$work/log.sock" SAMP11_LOG_FORMAT=json SAMP11_LOG_LEVEL=info)
if "${to_syslog[@]}" "$build/sign_with_sad" "$build/libsamp11.so" a1 not-a-sad doc.txt x.sig \
  2>refused.err; then
  fail "a SAD that is no SAD signed"
fi
"${to_syslog[@]}" "$build/sign_with_sad" "$build/libsamp11.so" a1 @doc.sad doc.txt doc.sig \
  >/dev/null 2>signed.err
/usr/bin/python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(b"end", sys.argv[1])' \
  "$work/log.sock"
wait "$reader"
reader=""
# Nothing of the module's went to stderr: it all went to the socket.
if grep -q 'samp11\[' refused.err signed.err; then fail "module lines on stderr: $(cat refused.err signed.err)"; fi

/usr/bin/python3 - "$work/datagrams.txt" "$build/sign_with_sad" <<'PY' || fail "syslog: $(cat "$work/datagrams.txt")"
import json, re, sys
lines = [l for l in open(sys.argv[1]).read().splitlines() if l]
records = []
for line in lines:
    # RFC 3164 as syslog(3) writes to a local socket: <PRI>Mmm dd hh:mm:ss samp11[PID]: MSG
    m = re.match(r"^<(\d+)>[A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} samp11\[(\d+)\]: (\{.*\})$", line)
    assert m, line
    record = json.loads(m.group(3))
    assert list(record) == ["time", "level", "pid", "program", "message"], record
    assert record["pid"] == int(m.group(2))
    assert record["program"] == sys.argv[2], record
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", record["time"]), record
    # facility user (8) + severity: err 3, warning 4, info 6, debug 7
    assert int(m.group(1)) == 8 + {"error": 3, "warn": 4, "info": 6, "debug": 7}[record["level"]], line
    records.append(record)
assert any(r["level"] == "warn" and "C_Login" in r["message"] for r in records), records
assert any(r["level"] == "info" and "signature released" in r["message"] for r in records), records
assert not any("eyJ" in r["message"] for r in records), "a SAD was logged"
PY

# JSON lines to a file.
SAMP11_LOG_FILE="$work/samp11.log" SAMP11_LOG_FORMAT=json \
  "$build/sign_with_sad" "$build/libsamp11.so" a1 not-a-sad doc.txt x.sig 2>/dev/null && fail "signed"
/usr/bin/python3 - "$work/samp11.log" <<'PY' || fail "log file: $(cat "$work/samp11.log")"
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert lines
for line in lines:
    record = json.loads(line)
    assert record["level"] in ("error", "warn"), record
PY
echo "log_targets_test: ok"
