#!/usr/bin/env bash
# The least-privilege roles of examples/postgres-roles.sql, on a cluster of the test's own: the
# schema's owner makes the token and manages it with the CLI; a node signs through the real module
# (pkcs11-tool) as the node role: its join, SAD signatures, a deposit, a SCAL1 PIN's failure count
# and reset, a refused replay. Then the node role tries to rewrite history by hand with psql, and
# every attempt is refused by the database: spent hashes, audit records, keys, signers, meta, the
# key-state version. An operator's change (a key disabled) still reaches the node.
# Usage: postgres_roles_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
# (no grep -q at the end of a pipe: the writer may get SIGPIPE, and pipefail fails the match.)
build=$(realpath "$1")
source_dir=$(realpath "$2")
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
psql_as() {  # ROLE SQL...: psql as ROLE on the token's database, stopping at the first error
  local role=$1
  shift
  "$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U "$role" -d signing -v ON_ERROR_STOP=1 -qAt "$@"
}
pg_as "$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -q \
  -c "CREATE ROLE samp11_admin LOGIN" -c "CREATE ROLE samp11_node LOGIN" \
  -c "CREATE DATABASE signing OWNER samp11_admin"

export SAMP11_CONF="$work/admin.json"
"$samp11" init --label roles --node node-a --master-key "$work/m.key" \
  --database "host=127.0.0.1 port=$pg_port user=samp11_admin dbname=signing" >init.txt ||
  { cat init.txt; fail "init --database as the schema's owner"; }
psql_as samp11_admin -v schema=samp11 -v node_role=samp11_node \
  -f "$source_dir/examples/postgres-roles.sql" >roles.txt 2>&1 || { cat roles.txt; fail "roles"; }
/usr/bin/python3 - <<'PY'
import json
config = json.load(open("admin.json"))
database = config["tokens"][0]["database"]
database["conninfo"] = database["conninfo"].replace("user=samp11_admin", "user=samp11_node")
database["node"] = "node-b"
# For the deposit through OpenSSL's libp11 engine below (docs/sad.md).
config["tokens"][0]["protected_authentication_path"] = True
json.dump(config, open("node.json", "w"), indent=2)
PY
grep "user=samp11_node" node.json >/dev/null || fail "the node's configuration"

openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out dev.pem 2>/dev/null
openssl pkey -in dev.pem -pubout -out dev.pub.pem
"$samp11" signer add alice --activation-key dev.pub.pem >/dev/null
"$samp11" key generate --signer alice --type ec-p256 --id a11ce001 --public-key alice.pub.pem \
  >/dev/null
"$samp11" key generate --signer alice --type ec-p256 --id 5ea10001 --scal 1 \
  --max-signatures 10 --max-seconds 600 --public-key seal.pub.pem >/dev/null
SAMP11_PIN=seal-1234 "$samp11" signer set-pin alice >/dev/null
for n in 1 2 3 4 5; do echo "document $n" >"doc$n.txt"; done
sad() { "$samp11" sad issue --device-key dev.pem --signer alice --key-id a11ce001 --hash-file "$1"; }
# p11 PIN ID N [ARGS...]: pkcs11-tool on the node (the node role) signs docN.
p11() {
  local pin=$1 id=$2 n=$3
  shift 3
  SAMP11_CONF="$work/node.json" pkcs11-tool --module "$module" --login --pin "$pin" --sign \
    -m ECDSA-SHA256 --id "$id" -i "doc$n.txt" -o "sig$n" --signature-format openssl "$@" \
    >"sig$n.log" 2>&1
}
verify() {  # N PUB
  openssl dgst -sha256 -verify "$2" -signature "sig$1" "doc$1.txt" >/dev/null ||
    fail "the signature of document $1 does not verify"
}

# The node's first signature: it joins (its chain, its meta mark), spends, appends.
p11 "$(sad doc1.txt)" a11ce001 1 || { cat sig1.log; fail "the node's SAD signature"; }
verify 1 alice.pub.pem
# The same SAD again: refused, and recorded, as the node role.
sad doc2.txt >sad2
p11 "$(cat sad2)" a11ce001 2 || { cat sig2.log; fail "the node's second SAD signature"; }
rc=0
p11 "$(cat sad2)" a11ce001 2 || rc=$?
[[ $rc -ne 0 ]] || fail "a spent SAD signed again"
grep "hash already spent" sig2.log >/dev/null || { cat sig2.log; fail "the replay refusal"; }
# A deposit made by the node role, found by C_Sign with no login.
sad doc3.txt >sad3
SAMP11_CONF="$work/node.json" "$samp11" sad deposit sad3 >deposit.txt 2>&1 ||
  { cat deposit.txt; fail "a deposit as the node role"; }
# (OpenSSL's libp11 engine logs in with no PIN on the node's protected authentication path.)
cat >openssl.cnf <<CNF
openssl_conf = openssl_init
[openssl_init]
engines = engine_section
[engine_section]
pkcs11 = pkcs11_section
[pkcs11_section]
engine_id = pkcs11
MODULE_PATH = $module
init = 0
CNF
openssl dgst -sha256 -binary doc3.txt >doc3.h
SAMP11_CONF="$work/node.json" OPENSSL_CONF="$work/openssl.cnf" setsid -w openssl pkeyutl \
  -engine pkcs11 -keyform engine -inkey "pkcs11:token=roles;id=%a1%1c%e0%01;type=private" \
  -sign -in doc3.h -out sig3 </dev/null >sig3.log 2>&1 || { cat sig3.log; fail "the deposit's signature"; }
openssl pkeyutl -verify -pubin -inkey alice.pub.pem -in doc3.h -sigfile sig3 >/dev/null ||
  fail "the deposit's signature does not verify"
# SCAL1: a wrong PIN counts a failure, the right one resets it and signs.
rc=0
p11 wrong-pin 5ea10001 4 || rc=$?
[[ $rc -ne 0 ]] || fail "a wrong PIN signed"
grep CKR_PIN_INCORRECT sig4.log >/dev/null || { cat sig4.log; fail "the wrong PIN's code"; }
[[ $(psql_as samp11_admin -c "SELECT failures FROM samp11.signer_pins") == 1 ]] ||
  fail "the failure was not counted"
p11 seal-1234 5ea10001 4 || { cat sig4.log; fail "the SCAL1 signature"; }
verify 4 seal.pub.pem
[[ $(psql_as samp11_admin -c "SELECT failures FROM samp11.signer_pins") == 0 ]] ||
  fail "the failure count was not reset"
# SCAL1 with a TOTP code (enrolled by the owner): the node role accepts the code's step.
uri=$("$samp11" signer set-totp alice | grep '^otpauth://') || fail "the TOTP enrolment"
secret=${uri#*secret=}
secret=${secret%%&*}
p11 "alice:seal-1234:$(oathtool --totp -b "$secret")" 5ea10001 4 ||
  { cat sig4.log; fail "the SCAL1 signature with a TOTP code"; }
verify 4 seal.pub.pem
[[ $(psql_as samp11_admin -c "SELECT last_step > 0 FROM samp11.signer_otp") == t ]] ||
  fail "the TOTP step was not recorded"

# The node role's credentials in hostile hands: no history rewritten, no state changed.
spent=$(psql_as samp11_admin -c "SELECT count(*) FROM samp11.spent_hashes")
records=$(psql_as samp11_admin -c "SELECT count(*) FROM samp11.audit_log")
[[ $spent == 3 ]] || fail "$spent spent hashes, not 3"
for sql in "UPDATE spent_hashes SET spent_at = 0" "DELETE FROM spent_hashes" \
  "TRUNCATE spent_hashes" "UPDATE audit_log SET detail = 'nothing'" "DELETE FROM audit_log" \
  "TRUNCATE audit_log" "DELETE FROM audit_head" "UPDATE keys SET status = 'enabled'" \
  "DELETE FROM keys" "UPDATE signers SET status = 'enabled'" \
  "INSERT INTO activation_keys SELECT * FROM activation_keys LIMIT 0" \
  "INSERT INTO signer_subjects SELECT * FROM signer_subjects LIMIT 0" \
  "UPDATE signer_subjects SET signer = 'mallory'" \
  "UPDATE meta SET value = 'x' WHERE name = 'label'" "DELETE FROM meta" \
  "UPDATE state_version SET version = 0" "UPDATE samp11_schema SET version = 1" \
  "UPDATE signer_pins SET hash = salt" "UPDATE sad_requests SET signer = 'mallory'" \
  "UPDATE signer_otp SET secret = ''" "DELETE FROM signer_otp" \
  "INSERT INTO signer_otp SELECT * FROM signer_otp LIMIT 0" \
  "CREATE TABLE samp11.mine(x int)" "DROP FUNCTION samp11.state_version_bump() CASCADE"; do
  rc=0
  psql_as samp11_node -c "SET search_path = samp11" -c "$sql" >denied.txt 2>&1 || rc=$?
  [[ $rc -ne 0 ]] || fail "the node role may: $sql"
  grep -E "permission denied|must be owner" denied.txt >/dev/null ||
    { cat denied.txt; fail "not a permission refusal: $sql"; }
done
[[ $(psql_as samp11_admin -c "SELECT count(*) FROM samp11.spent_hashes") == "$spent" ]] ||
  fail "the spent hashes changed"
[[ $(psql_as samp11_admin -c "SELECT count(*) FROM samp11.audit_log") == "$records" ]] ||
  fail "the audit log changed"

# The operator's change reaches the node (the owner's trigger moved the key-state version).
"$samp11" key disable a11ce001 --reason "roles test" >/dev/null
rc=0
p11 "$(sad doc5.txt)" a11ce001 5 || rc=$?
[[ $rc -ne 0 ]] || fail "a disabled key signed"
# Both chains verify, read as the node role and as the owner.
for conf in node admin; do
  out=$(SAMP11_CONF="$work/$conf.json" "$samp11" audit verify) || fail "verify as $conf: $out"
  for chain in node-a node-b; do
    grep "^node $chain: audit log: .*, intact" <<<"$out" >/dev/null ||
      fail "verify as $conf on $chain: $out"
  done
done
echo "postgres_roles: OK"
