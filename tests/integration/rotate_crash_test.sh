#!/usr/bin/env bash
# Master-key rotation is crash-safe: `samp11 rotate-master-key` killed with SIGKILL at random
# points (self-calibrated over the length of one rotation) leaves, every time, a keystore that
# opens with exactly one of the old and the new key, with every key, signer, PIN, spent hash and
# audit record it had. At the end pkcs11-tool signs under a SAD (SCAL2) and under a PIN (SCAL1),
# the replay of a SAD spent before the rotations is still refused, and the audit log verifies.
# Usage: rotate_crash_test.sh SAMP11_CLI MODULE [ROUNDS] [KEYS]
set -euo pipefail
samp11=$(realpath "$1")
module=$(realpath "$2")
rounds=${3:-20}
keys=${4:-800}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
export SAMP11_CONF="$work/samp11.json"
fail() { echo "FAIL: $*" >&2; exit 1; }
p11() { pkcs11-tool --module "$module" "$@"; }

"$samp11" init --label rotate --keystore "$work/t.db" --master-key "$work/k0.key" >/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out dev.pem 2>/dev/null
openssl pkey -in dev.pem -pubout -out dev.pub.pem
"$samp11" signer add alice --activation-key dev.pub.pem --kid alice-dev >/dev/null
"$samp11" signer add bob --activation-key dev.pub.pem --kid bob-dev >/dev/null
"$samp11" key generate --signer alice --id a11ce0 --public-key a.pub.pem >/dev/null
"$samp11" key generate --signer bob --id 5ea1 --scal 1 --max-signatures 5 >/dev/null
SAMP11_PIN=2468 "$samp11" signer set-pin bob >/dev/null
"$samp11" key disable 5ea1 >/dev/null && "$samp11" key enable 5ea1 >/dev/null
# Many keys make a rotation long enough for the kills to land inside its transaction; three
# generators at once also show that the keystore takes writers from several processes.
for part in 0 1 2; do
  for i in $(seq $((part + 1)) 3 "$keys"); do
    "$samp11" key generate --signer alice --type ed25519 --id "$(printf 'ed%06x' "$i")" >/dev/null
  done &
done
wait
"$samp11" key destroy "$(printf 'ed%06x' 1)" >/dev/null

echo "signed before the rotations" > before.txt
echo "signed after the rotations" > after.txt
sad() {
  "$samp11" sad issue --device-key dev.pem --kid alice-dev --signer alice --key-id a11ce0 \
    --hash-file "$1"
}
sign() {  # sign PIN FILE: exit status of pkcs11-tool; its errors in err.txt
  p11 --login --pin "$1" --sign --mechanism ECDSA-SHA256 --id "$3" --input-file "$2" \
    --output-file sig.bin --signature-format openssl >/dev/null 2>err.txt
}
spent=$(sad before.txt)
sign "$spent" before.txt a11ce0 || { cat err.txt; fail "the first signature"; }

# What must survive every interruption, as the CLI reports it.
snapshot() {  # snapshot CONF: keys, signers and audit record count under that config
  SAMP11_CONF="$1" "$samp11" key list
  SAMP11_CONF="$1" "$samp11" signer list
}
expected=$(snapshot "$SAMP11_CONF")
[ "$(echo "$expected" | grep -c '^ed')" -ge $((keys - 1)) ] || fail "key list misses keys"

# conf_for KEYFILE: the config naming KEYFILE as the master key (sed, not python3: it runs twice
# a round, and python3 takes a third of a second to start here). The paths are mktemp's.
conf_for() {
  local conf
  conf=$(sed -E "s|(\"master_key_file\": *\")[^\"]*\"|\\1$1\"|" "$SAMP11_CONF")
  grep -qF "\"master_key_file\": \"$1\"" <<<"$conf" || fail "conf_for: no master_key_file in $conf"
  echo "$conf"
}
opens() {  # opens KEYFILE: the audit log verifies with that key
  conf_for "$1" > probe.json
  SAMP11_CONF="$work/probe.json" "$samp11" audit verify >/dev/null 2>&1
}

# One full rotation, timed, calibrates where the kills land.
start=$(date +%s%N)
"$samp11" rotate-master-key --new-master-key "$work/k1.key" >/dev/null
full_ms=$(( ($(date +%s%N) - start) / 1000000 ))
current="$work/k1.key"
echo "one rotation of $keys keys: ${full_ms} ms"

old_wins=0
new_wins=0
for round in $(seq 2 $((rounds + 1))); do
  next="$work/k$round.key"
  head -c 32 /dev/urandom > "$next" && chmod 600 "$next"
  # Kill anywhere from the start of the process to a little after the rotation's usual end.
  delay_ms=$(( RANDOM % (full_ms + full_ms / 5 + 1) ))
  "$samp11" rotate-master-key --new-master-key "$next" >/dev/null 2>&1 &
  pid=$!
  sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  old_ok=0
  new_ok=0
  opens "$current" && old_ok=1
  opens "$next" && new_ok=1
  [ $((old_ok + new_ok)) -eq 1 ] ||
    fail "round $round (kill at ${delay_ms} ms): opens with old=$old_ok new=$new_ok"
  if [ "$new_ok" -eq 1 ]; then
    current="$next"
    new_wins=$((new_wins + 1))
  else
    old_wins=$((old_wins + 1))
  fi
  conf_for "$current" > samp11.json.new && mv samp11.json.new "$SAMP11_CONF"
  [ "$(snapshot "$SAMP11_CONF")" = "$expected" ] || fail "round $round: keys or signers changed"
  "$samp11" audit verify >/dev/null || fail "round $round: the audit log does not verify"
done
echo "$rounds interrupted rotations: $old_wins left the old key, $new_wins the new one"

# An interrupted run is finished by running it again: the new key file exists already.
"$samp11" rotate-master-key --new-master-key "$work/final.key" >/dev/null
grep -q "final.key" "$SAMP11_CONF" || fail "the config does not name the new key"
opens "$current" && fail "the previous key still opens the keystore"
[ "$(snapshot "$SAMP11_CONF")" = "$expected" ] || fail "keys or signers changed"

# The module signs with the rotated keystore, and the spent hash is still spent.
sign "$(sad after.txt)" after.txt a11ce0 || { cat err.txt; fail "SCAL2 after the rotations"; }
openssl dgst -sha256 -verify a.pub.pem -signature sig.bin after.txt >/dev/null ||
  fail "the signature after the rotations does not verify"
if sign "$spent" before.txt a11ce0; then fail "a SAD spent before the rotations signed again"; fi
grep -q CKR_FUNCTION_REJECTED err.txt || { cat err.txt; fail "replay: wrong error"; }
sign "bob:2468" after.txt 5ea1 || { cat err.txt; fail "SCAL1 with the PIN after the rotations"; }
if sign "bob:1357" after.txt 5ea1; then fail "a wrong PIN signed"; fi
"$samp11" audit verify >/dev/null || fail "the audit log does not verify at the end"
rotations=$("$samp11" audit show --event master-key-rotate | grep -c "master-key-rotate" || true)
[ "$rotations" -ge $((new_wins + 2)) ] || fail "audit: $rotations rotation records"
echo "rotate_crash: OK"
