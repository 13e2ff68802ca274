#!/usr/bin/env bash
# `samp11 migrate` with the real CLI, module and pkcs11-tool, and a PostgreSQL cluster of its own:
# a token in a keystore file signs, moves to PostgreSQL (--switch), signs there, and a SAD spent
# before the move is still refused; it moves back into a new file, verifies and signs, and every
# SAD spent before is refused there too. `audit verify` passes after each move, the keystore
# file's chain included, and the source file is left as it was. Refused, with nothing written at
# the target: a connection string with a password (not repeated), a wrong master key, a tampered
# signer row and key row (named), a schema that exists (even empty), a file that exists.
# Usage: migrate_cli_test.sh BUILD_DIR
set -euo pipefail
# (no grep -q at the end of a pipe: the writer may get SIGPIPE, and pipefail fails the match.)
build=$(realpath "$1")
samp11="$build/samp11"
module="$build/libsamp11.so"
here=$(dirname "$(realpath "$0")")
# shellcheck source=pg_cluster.sh
. "$here/pg_cluster.sh"
work=$(mktemp -d)
chmod 0711 "$work"  # the server runs as postgres in a folder below
cleanup() {
  pg_stop "$work/pg"
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
pg_start "$work/pg"
sql() {
  pg_as "$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -At -c "$1"
}
# The schemas of the database that are samp11's or a test's (none but these may appear).
schemas() {
  sql "SELECT coalesce(string_agg(nspname, ',' ORDER BY nspname), '') FROM pg_namespace WHERE
       nspname NOT LIKE 'pg_%' AND nspname NOT IN ('public', 'information_schema')"
}
# run EXPECTED_EXIT ARGS...: samp11 with stdout and stderr in out.txt.
run() {
  local want=$1 rc=0
  shift
  "$samp11" "$@" >out.txt 2>&1 || rc=$?
  [[ $rc -eq $want ]] || { cat out.txt; fail "samp11 $*: exit $rc, not $want"; }
}
says() { grep -- "$1" out.txt >/dev/null || { cat out.txt; fail "samp11 does not say: $1"; }; }

export SAMP11_CONF="$work/token.json"
run 0 init --label mig --keystore "$work/token.db" --master-key "$work/m.key"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out dev.pem 2>/dev/null
openssl pkey -in dev.pem -pubout -out dev.pub.pem
run 0 signer add alice --activation-key dev.pub.pem
run 0 key generate --signer alice --type ec-p256 --id a11ce001 --public-key alice.pub.pem \
  --csr alice.csr --subject /CN=Alice
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key \
  -out ca.pem -subj /CN=Migrate-CA -days 2 2>/dev/null
openssl x509 -req -in alice.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
  -out alice.pem 2>/dev/null
run 0 cert import --key-id a11ce001 --cert alice.pem
for n in 1 2 3; do
  echo "document $n" >"doc$n.txt"
  "$samp11" sad issue --device-key dev.pem --signer alice --key-id a11ce001 \
    --hash-file "doc$n.txt" >"sad$n"
done
# sign N: pkcs11-tool on the token of $SAMP11_CONF signs docN under sadN into sigN.
sign() {
  rm -f "sig$1"
  pkcs11-tool --module "$module" --login --pin "$(cat "sad$1")" --sign -m ECDSA-SHA256 \
    --id a11ce001 -i "doc$1.txt" -o "sig$1" --signature-format openssl >"sig$1.log" 2>&1
}
signs() {
  sign "$1" || { cat "sig$1.log"; fail "$2: SAD $1 did not sign"; }
  openssl dgst -sha256 -verify alice.pub.pem -signature "sig$1" "doc$1.txt" >/dev/null ||
    fail "$2: the signature under SAD $1 does not verify"
}
refused() {
  local rc=0
  sign "$1" || rc=$?
  [[ $rc -ne 0 && ! -s "sig$1" ]] || fail "$2: SAD $1, spent before, signed again"
}
signs 1 "the file"
cp token.json file.json  # the token in its file, for the end
file_records=$("$samp11" audit show | wc -l)

# Refused, nothing written anywhere: a password in the connection string (not repeated).
run 1 migrate --to-database "$pg_conninfo password=hunter2" --schema moved
says "holds a password"
if grep hunter2 out.txt >/dev/null; then fail "the password is in the message"; fi
[[ -z $(schemas) ]] || fail "a refused migration left schemas: $(schemas)"
# A master key that is not the token's.
SAMP11_CONF="$work/other.json" run 0 init --label other --keystore other.db --master-key other.key
/usr/bin/python3 - <<'PY'
import json
config = json.load(open("token.json"))
config["tokens"][0]["master_key_file"] = "other.key"
json.dump(config, open("wrong.json", "w"), indent=2)
PY
SAMP11_CONF="$work/wrong.json" run 1 migrate --to-database "$pg_conninfo" --schema moved
says "master key does not match"
[[ -z $(schemas) ]] || fail "a wrong master key left schemas: $(schemas)"
# A tampered copy of the token: a signer row and a key row edited.
cp token.db tampered.db
sed "s#$work/token.db#$work/tampered.db#" token.json >tampered.json
sqlite3 tampered.db "UPDATE signers SET created = created + 1 WHERE name = 'alice';
                     UPDATE keys SET scal = 1 WHERE id = x'a11ce001';
                     UPDATE audit_log SET detail = 'edited' WHERE seq = 2"
SAMP11_CONF="$work/tampered.json" run 2 migrate --to-database "$pg_conninfo" --schema moved
says "signer 'alice' failed its integrity check"
says "key a11ce001 failed its integrity check"
says "the keystore file's audit chain: record 2 was edited"
says "nothing was written at schema moved"
[[ -z $(schemas) ]] || fail "a tampered source left schemas: $(schemas)"
SAMP11_CONF="$work/tampered.json" run 2 migrate --to-keystore "$work/t2.db"
[[ ! -e t2.db && ! -e t2.db.restoring ]] || fail "a tampered source left a file"
# A schema that is there, even empty; a file that is there.
sql "CREATE SCHEMA taken" >/dev/null
run 1 migrate --to-database "$pg_conninfo" --schema taken
says "already exists"
[[ $(sql "SELECT count(*) FROM pg_tables WHERE schemaname = 'taken'") == 0 ]] ||
  fail "the migration wrote into an existing schema"
touch there.db
run 1 migrate --to-keystore there.db
says "already exists"
[[ ! -s there.db ]] || fail "the migration wrote over an existing file"

# To PostgreSQL, the config switched: the file's chain comes along, node n1 starts its own.
run 0 migrate --to-database "$pg_conninfo" --schema moved --node n1 --switch
says "copied from the keystore file $work/token.db to schema moved of a PostgreSQL database (node n1)"
says "1 signers, 1 activation keys, 1 keys (0 destroyed), 1 certificates, 0 PINs, 0 OTP enrolments, 1 spent hashes"
says "audit chains carried: the keystore file's (up to record $file_records)"
says "the copy's own chain: node n1's, migrate record 2"
if grep -e "$pg_port" -e "127.0.0.1" out.txt >/dev/null; then fail "the connection string is out"; fi
[[ $(schemas) == "moved,taken" ]] || fail "schemas after the migration: $(schemas)"
/usr/bin/python3 -c 'import json,sys; t = json.load(open("token.json"))["tokens"][0]
sys.exit(0 if t["database"]["schema"] == "moved" and "keystore" not in t else 1)' ||
  fail "the config was not switched: $(cat token.json)"
run 0 audit verify
says "^node n1: audit log: 2 records, seq 1..2, intact"
says "^keystore file's chain (closed): audit log: $file_records records, seq 1..$file_records, intact"
run 0 audit show --event migrate
says "migrate ok : from the keystore file $work/token.db, by .samp11 migrate. as uid"
if grep -e "$pg_port" -e "127.0.0.1" out.txt >/dev/null; then fail "the connection string is in the log"; fi
run 0 node list
says "^(keystore file)  $file_records records"
refused 1 "in PostgreSQL"
signs 2 "in PostgreSQL"

# Back into a new file: the file's chain goes on with the migrate record; n1's stays in the
# database, its head in the record.
run 1 migrate --to-keystore "$work/token.db"
says "already exists"
run 0 migrate --to-keystore back.db --switch
says "audit chains carried: the keystore file's (up to record $file_records)"
says "audit chains left in the source .*: node n1's (up to record [0-9]*)"
says "the copy's own chain: the keystore file's, migrate record $((file_records + 1))"
says "2 spent hashes"
run 0 audit verify
says "^audit log: $((file_records + 1)) records, seq 1..$((file_records + 1)), intact"
run 0 audit show --event migrate
says "from schema moved of a PostgreSQL database (node n1), by .samp11 migrate. as uid"
says "audit chains left in the source: 1, heads sha256 [0-9a-f]\{64\} (n1@"
refused 1 "back in a file"
refused 2 "back in a file"
signs 3 "back in a file"

# The sources are as they were: the first file still holds its own log and nothing more, and the
# database its chains.
SAMP11_CONF="$work/file.json" run 0 audit verify
says "^audit log: $file_records records, seq 1..$file_records, intact"
[[ $(sql "SELECT count(*) FROM moved.spent_hashes") == 2 ]] || fail "the database's ledger moved"

# A token made in the database, moved to another schema as another node (every chain comes
# along), then to a file, whose one chain starts with the migrate record.
export SAMP11_CONF="$work/born.json"
run 0 init --label born --database "$pg_conninfo" --schema born --node b1 --master-key born.key
run 0 signer add bob --activation-key dev.pub.pem
run 0 migrate --to-database "$pg_conninfo" --schema born2 --node b2 --switch
says "audit chains carried: node b1's (up to record 3)"
says "the copy's own chain: node b2's, migrate record 2"
run 0 audit verify
says "^node b2: audit log: 2 records, seq 1..2, intact"
says "^node b1: audit log: 3 records, seq 1..3, intact"
run 0 migrate --to-keystore born.db --switch
says "audit chains carried: none"
says "audit chains left in the source .*: node b1's (up to record 3), node b2's (up to record 2)"
says "the copy's own chain: the keystore file's, migrate record 1"
run 0 audit verify
says "^audit log: 1 record, seq 1..1, intact"
run 0 signer list
says "bob"
echo "migrate_cli: OK"
