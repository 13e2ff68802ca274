#!/usr/bin/env bash
# Backup and restore from the operator's command line while other processes sign from the same
# keystore: a backup taken while one process signs 150 documents, a restore done while another
# signs 150 more (both finish without an error, each document signed once), every SAD of both
# runs refused afterwards (no spent hash re-enabled), a key destroyed or disabled and a signer
# removed after the backup stay so, a tampered, truncated or foreign backup refused with the
# keystore unchanged, and a restore onto a lost keystore file refusing SADs issued before it.
# Usage: backup_restore_test.sh SAMP11_CLI MODULE CRASH_SIGNER
set -euo pipefail
samp11=$(realpath "$1")
module=$(realpath "$2")
signer=$(realpath "$3")
work=$(mktemp -d)
trap 'kill "${loop_pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
cd "$work"
export SAMP11_CONF="$work/samp11.json"
fail() { echo "FAIL: $*" >&2; exit 1; }
p11() { pkcs11-tool --module "$module" "$@"; }

"$samp11" init --label backup --keystore "$work/t.db" --master-key "$work/m.key" >/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out dev.pem 2>/dev/null
openssl pkey -in dev.pem -pubout -out dev.pub.pem
"$samp11" signer add alice --activation-key dev.pub.pem --kid alice-dev >/dev/null
"$samp11" signer add bob --activation-key dev.pub.pem --kid bob-dev >/dev/null
# Alice's second phone, revoked after the backup: it must stay revoked after the restore.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out phone.pem 2>/dev/null
openssl pkey -in phone.pem -pubout -out phone.pub.pem
"$samp11" signer add-key alice --activation-key phone.pub.pem --kid alice-phone >/dev/null
"$samp11" key generate --signer alice --id c0c0a001 --public-key loop.pub.pem >/dev/null
"$samp11" key generate --signer alice --id a11ce002 --public-key a.pub.pem >/dev/null
"$samp11" key generate --signer alice --id de570003 >/dev/null
"$samp11" key generate --signer bob --id b0b00001 >/dev/null

docs=150
# prepare DIR FIRST: docs FIRST..FIRST+docs-1 with their SADs, for crash_signer.
prepare() {
  mkdir -p "$1/sigs"
  for i in $(seq 0 $((docs - 1))); do
    echo "document $((i + $2))" > "$1/$i.doc"
    "$samp11" sad issue --device-key dev.pem --kid alice-dev --signer alice --key-id c0c0a001 \
      --hash-file "$1/$i.doc" > "$1/$i.sad"
  done
}
# finish DIR: the loop ended well and signed every document exactly once, verifiably.
finish() {
  wait "$loop_pid" || { cat "$1.err"; fail "the signing loop in $1 failed"; }
  # The two threads race for every SAD: the loser's "already spent" is the only line allowed.
  if grep -v "hash already spent" "$1.err" | grep -q .; then
    grep -v "hash already spent" "$1.err" | head; fail "the signing loop in $1 logged errors"
  fi
  # Every document has exactly one signature, and it verifies (r||s from the module, DER for
  # openssl).
  python3 - "$1" "$docs" <<'PY' || fail "$1: signatures"
import os, subprocess, sys
folder, docs = sys.argv[1], int(sys.argv[2])
sigs = os.listdir(folder + "/sigs")
def integer(b):
    b = b.lstrip(b"\0") or b"\0"
    return bytes([2, len(b) + (b[0] >> 7)]) + (b"\0" if b[0] & 0x80 else b"") + b
for i in range(docs):
    mine = [s for s in sigs if s.split(".")[0] == str(i)]
    if len(mine) != 1:
        sys.exit(f"document {i} signed {len(mine)} times")
    raw = open(f"{folder}/sigs/{mine[0]}", "rb").read()
    body = integer(raw[:32]) + integer(raw[32:])
    open("sig.der", "wb").write(bytes([0x30, len(body)]) + body)
    if subprocess.run(["openssl", "dgst", "-sha256", "-verify", "loop.pub.pem", "-signature",
                       "sig.der", f"{folder}/{i}.doc"], capture_output=True).returncode != 0:
        sys.exit(f"signature {i} does not verify")
PY
}
prepare one 0
prepare two 1000

# 1. A backup while a process signs: consistent, and the signer never notices.
"$signer" "$module" c0c0a001 one $docs sign 2 2>one.err &
loop_pid=$!
sleep 0.3
"$samp11" backup --out b.bak > backup.out
grep -q "^  sha256:" backup.out || fail "backup: no sha256 printed"
[ "$(stat -c %a b.bak)" = 600 ] || fail "the backup file is not 0600"
if "$samp11" backup --out b.bak 2>/dev/null; then fail "a backup overwrote a file"; fi
finish one
"$samp11" audit show --event backup | grep -q "backup ok" || fail "backup not audited"

# 2. After the backup: a key destroyed, one disabled, a signer removed, a key made.
"$samp11" key destroy de570003 >/dev/null
"$samp11" key disable a11ce002 --reason "lost device" >/dev/null
"$samp11" signer remove bob --destroy-keys >/dev/null
"$samp11" key generate --signer alice --id 1a7e0004 >/dev/null
"$samp11" signer remove-key alice alice-phone --reason "stolen" >/dev/null
before=$("$samp11" key list; "$samp11" signer list; "$samp11" audit verify)

# 3. Refusals, each leaving the keystore as it was.
python3 - <<'EOF'
data = bytearray(open("b.bak", "rb").read())
for name, offset in (("header", 20), ("body", len(data) // 2), ("tag", len(data) - 1)):
    bad = bytearray(data)
    bad[offset] ^= 1
    open("bad-" + name + ".bak", "wb").write(bad)
open("bad-truncated.bak", "wb").write(data[:-100])
open("bad-garbage.bak", "wb").write(b"not a backup" * 100)
EOF
for bad in header body tag truncated garbage; do
  if "$samp11" restore --in "bad-$bad.bak" 2>err.txt; then fail "a $bad backup was restored"; fi
  grep -Eq "integrity check|not a samp11 backup|header" err.txt || { cat err.txt; fail "$bad: error"; }
done
SAMP11_CONF="$work/other.json" "$samp11" init --label other --keystore "$work/o.db" \
  --master-key "$work/o.key" >/dev/null
SAMP11_CONF="$work/other.json" "$samp11" backup --out other.bak >/dev/null
if "$samp11" restore --in other.bak 2>err.txt; then fail "another token's backup was restored"; fi
grep -q "integrity check" err.txt || { cat err.txt; fail "foreign backup: error"; }
if "$samp11" restore --in other.bak --master-key "$work/o.key" 2>err.txt; then
  fail "another token's backup was restored with its own key"
fi
grep -q "is token" err.txt || { cat err.txt; fail "foreign backup with its key: error"; }
grep -q '"m.key"\|/m.key"' samp11.json || fail "a refused restore changed the config"
[ "$("$samp11" key list; "$samp11" signer list; "$samp11" audit verify)" = "$before" ] ||
  fail "a refused restore changed the keystore"
ls t.db.restoring* 2>/dev/null && fail "a refused restore left its work file"

# 4. A restore while another process signs: the loop finishes without an error.
"$signer" "$module" c0c0a001 two $docs sign 2 2>two.err &
loop_pid=$!
sleep 0.3
"$samp11" restore --in b.bak > restore.out
during=$(ls two/sigs | wc -l)
running=no
kill -0 "$loop_pid" 2>/dev/null && running=yes
echo "restore done with $during of $docs documents signed, signing process still running: $running"
finish two
# Activation keys: alice's revoked phone, and bob's device key (gone with bob).
grep -q "3 key statuses, 1 signer statuses, 2 activation key removals" restore.out ||
  fail "restore: carried counts: $(cat restore.out)"
aside=$(sed -n 's/^  the keystore as it was before: //p' restore.out)
[ -f "$aside" ] || fail "no aside copy of the replaced keystore"

echo "a document after the loss" > late.txt
# 5. Nothing spent came back: every SAD of both runs is refused, the replay table intact.
seq 0 $((docs - 1)) | "$signer" "$module" c0c0a001 one $docs check ||
  fail "a SAD spent after the backup signed again after the restore"
seq 0 $((docs - 1)) | "$signer" "$module" c0c0a001 two $docs check ||
  fail "a SAD spent during the restore signed again"
"$samp11" key info de570003 2>&1 | grep -q "destroyed" || fail "the destroyed key came back"
if "$samp11" signer list | grep -q "^bob"; then fail "the removed signer came back"; fi
bob_sad=$("$samp11" sad issue --device-key dev.pem --kid bob-dev --signer bob --key-id b0b00001 \
  --hash-file late.txt 2>/dev/null || true)
if p11 --login --pin "$bob_sad" --sign --mechanism ECDSA-SHA256 --id b0b00001 \
  --input-file late.txt --output-file bob.sig >/dev/null 2>&1; then
  fail "the removed signer's key signed"
fi
"$samp11" key info a11ce002 | grep -q "^state: key-disabled" || fail "the disabled key came back"
if "$samp11" signer list | grep -q "alice-phone"; then fail "the revoked phone's key came back"; fi
phone_sad=$("$samp11" sad issue --device-key phone.pem --kid alice-phone --signer alice \
  --key-id c0c0a001 --hash-file late.txt)
if p11 --login --pin "$phone_sad" --sign --mechanism ECDSA-SHA256 --id c0c0a001 \
  --input-file late.txt --output-file phone.sig >/dev/null 2>&1; then
  fail "the revoked phone's SAD signed after the restore"
fi
"$samp11" key enable a11ce002 >/dev/null
if "$samp11" key info 1a7e0004 >/dev/null 2>&1; then fail "a key made after the backup is there"; fi
python3 -c "
import json; c = json.load(open('samp11.json')); c['tokens'][0]['keystore'] = '$aside'
json.dump(c, open('aside.json', 'w'))"
SAMP11_CONF="$work/aside.json" "$samp11" key info 1a7e0004 >/dev/null ||
  fail "the aside copy lacks the key made after the backup"
"$samp11" audit verify >/dev/null || fail "the restored audit log does not verify"
"$samp11" audit show --event restore | grep -q "restore ok" || fail "restore not audited"

# 6. The keystore file lost: restored from the backup alone; SADs issued before it are refused.
old_sad=$("$samp11" sad issue --device-key dev.pem --kid alice-dev --signer alice \
  --key-id a11ce002 --hash-file late.txt)
sleep 1.1
rm -f t.db t.db-wal t.db-shm
"$samp11" restore --in b.bak | grep -q "SADs issued before" || fail "no cut-off after a loss"
if p11 --login --pin "$old_sad" --sign --mechanism ECDSA-SHA256 --id a11ce002 \
  --input-file late.txt --output-file late.sig >/dev/null 2>err.txt; then
  fail "a SAD issued before the restore signed"
fi
sleep 1.1
new_sad=$("$samp11" sad issue --device-key dev.pem --kid alice-dev --signer alice \
  --key-id a11ce002 --hash-file late.txt)
p11 --login --pin "$new_sad" --sign --mechanism ECDSA-SHA256 --id a11ce002 \
  --input-file late.txt --output-file late.sig --signature-format openssl >/dev/null 2>err.txt ||
  { cat err.txt; fail "a SAD issued after the restore"; }
openssl dgst -sha256 -verify a.pub.pem -signature late.sig late.txt >/dev/null ||
  fail "the signature after the restore does not verify"

# 7. An unreadable keystore file is replaced only with --force, and kept aside.
printf 'garbage%.0s' $(seq 1 2000) > t.db && rm -f t.db-wal t.db-shm
if "$samp11" restore --in b.bak 2>err.txt; then fail "restored over an unreadable file"; fi
grep -q -- "--force" err.txt || { cat err.txt; fail "unreadable: error"; }
"$samp11" restore --in b.bak --force >/dev/null
# (beside each: SQLite's -wal/-shm and the signature journal's -signlog files, once opened)
[ "$(ls t.db.before-restore-* | grep -vc -- '-wal$\|-shm$\|-signlog')" -eq 2 ] ||
  fail "the unreadable file was not kept"
"$samp11" audit verify >/dev/null || fail "the audit log after the forced restore"
echo "backup_restore: OK"
