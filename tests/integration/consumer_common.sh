# Sourced by the consumer_*_test.sh scripts: a fresh temporary folder (removed at exit, with any
# process registered in `cleanup_pids`), a token in it, a signer whose device key issues SADs, and
# small helpers. The caller passes BUILD_DIR as $1.
# A consumer program that is missing fails the test (`need`): nothing is skipped silently.
set -euo pipefail
build=$(realpath "$1")
module="$build/libsamp11.so"
samp11="$build/samp11"
work=$(mktemp -d)
cleanup_pids=()
cleanup() {
  for pid in "${cleanup_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  if [ -n "${SAMP11_KEEP_TEST_DIR:-}" ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
cd "$work"
export SAMP11_CONF="$work/samp11.json"
unset SAMP11_LOG_LEVEL SAMP11_LOG_FILE
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
need() {  # need PROGRAM... : each must be installed
  local p
  for p; do
    command -v "$p" >/dev/null || [ -e "$p" ] ||
      fail "$p is missing: scripts/install-deps.sh installs the consumers"
  done
}
# new_token LABEL [samp11 init options]: the token, and signer "$signer" enrolled with the
# Ed25519 device key dev.pem (the signer's device: it issues the SADs).
signer=sam
new_token() {
  local label=$1
  shift
  "$samp11" init --label "$label" --keystore "$work/$label.db" --master-key "$work/$label.key" \
    "$@" >/dev/null
  [ -f dev.pem ] || openssl genpkey -algorithm ED25519 -out dev.pem
  openssl pkey -in dev.pem -pubout -out dev.pub.pem
  "$samp11" --token "$label" signer add "$signer" --activation-key dev.pub.pem >/dev/null
}
# key TOKEN TYPE ID [options]: a key of $signer; its public key in ID.pub.pem
key() {
  local token=$1 type=$2 id=$3
  shift 3
  "$samp11" --token "$token" key generate --signer "$signer" --type "$type" --id "$id" \
    --public-key "$id.pub.pem" "$@" >/dev/null
}
# sad TOKEN KEY_ID FILE [samp11 sad issue options]: the signer approves FILE for that key
sad() {
  local token=$1 id=$2 file=$3
  shift 3
  "$samp11" --token "$token" sad issue --device-key dev.pem --signer "$signer" --key-id "$id" \
    --hash-file "$file" "$@"
}
# set_policy KEY VALUE: a member of every token's entry in the configuration (VALUE is JSON;
# KEY may name a nested member: sad.max_hashes)
set_policy() {
  python3 - "$SAMP11_CONF" "$1" "$2" <<'PY'
import json, sys
path, key, value = sys.argv[1], sys.argv[2].split("."), json.loads(sys.argv[3])
conf = json.load(open(path))
for token in conf["tokens"]:
    node = token
    for name in key[:-1]:
        node = node.setdefault(name, {})
    node[key[-1]] = value
json.dump(conf, open(path, "w"), indent=2)
PY
}
# certified_key TOKEN TYPE ID SUBJECT [options]: a key as above, its request certified by a test
# CA (ca.pem); the certificate (ID.pem) goes into the token beside the key, with the same CKA_ID.
certified_key() {
  local token=$1 type=$2 id=$3 subject=$4
  shift 4
  [ -f ca.pem ] || openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout ca.key -out ca.pem -subj "/CN=samp11 test CA" -days 2 2>/dev/null
  key "$token" "$type" "$id" --csr "$id.csr" --subject "$subject" "$@"
  openssl x509 -req -in "$id.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
    -out "$id.pem" 2>/dev/null
  "$samp11" --token "$token" cert import --key-id "$id" --cert "$id.pem" >/dev/null
}
verified() { grep -q "Verified OK\|Signature Verified Successfully" || fail "$1: does not verify"; }
