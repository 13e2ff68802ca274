#!/usr/bin/env bash
# TOTP as the second factor of a SCAL1 login, through the built module with OpenSC's pkcs11-tool:
# `samp11 signer set-totp` makes the secret and prints its otpauth:// URI (and QR code); codes come
# from oathtool (OATH Toolkit), never from samp11. Signs with --pin NAME:PIN:CODE, and refuses:
# NAME:PIN alone, a wrong PIN with a right code, a reused code, a code outside the skew, and the
# right code once the wrong ones locked the signer.
# Every code is made just before its use from the clock, one or more periods ahead where the test
# needs a fresh step: the module accepts one period of skew either way, so a period that turns
# between oathtool and the module changes no outcome here.
# Usage: otp_totp_test.sh BUILD_DIR
set -euo pipefail
build=$(realpath "$1")
module="$build/libsamp11.so"
samp11="$build/samp11"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
export SAMP11_CONF="$work/samp11.json"
fail() { echo "FAIL: $*" >&2; exit 1; }
p11() { pkcs11-tool --module "$module" "$@"; }

"$samp11" init --label totptest --keystore "$work/t.db" --master-key "$work/m.key" >/dev/null
openssl genpkey -algorithm ED25519 -out dev.pem
openssl pkey -in dev.pem -pubout -out dev.pub.pem
"$samp11" signer add carol --activation-key dev.pub.pem >/dev/null
"$samp11" key generate --signer carol --type ec-p256 --id 5ea1 --scal 1 --max-signatures 1 \
  --require-otp --public-key seal.pub.pem >gen.txt
grep -q "with a TOTP code" gen.txt || { cat gen.txt; fail "the key does not say it needs a code"; }
SAMP11_PIN=4321 "$samp11" signer set-pin carol >/dev/null
echo "a sealed document" > doc.txt

# Enrolment: the URI (and, asked for, the QR code) on stdout.
"$samp11" signer set-totp carol --qr >enrol.txt
uri=$(grep '^otpauth://totp/' enrol.txt) || { cat enrol.txt; fail "no otpauth URI"; }
grep -q $'\u2588' enrol.txt || fail "no QR code drawn"
[[ $uri == *"issuer=samp11%20totptest"* && $uri == *":carol?"* && $uri == *"digits=6"* &&
   $uri == *"period=30"* && $uri == *"algorithm=SHA1"* ]] || fail "URI parameters: $uri"
secret=${uri#*secret=}
secret=${secret%%&*}
# The secret is stored wrapped: its bytes are nowhere in the keystore file.
/usr/bin/python3 - "$secret" "$work/t.db" <<'PY' || fail "the TOTP secret is in the keystore file"
import base64, sys
secret = base64.b32decode(sys.argv[1] + "=" * (-len(sys.argv[1]) % 8))
assert len(secret) == 20, len(secret)
sys.exit(1 if secret in open(sys.argv[2], "rb").read() else 0)
PY
code() {  # code SECONDS_AHEAD: oathtool's TOTP code for now + SECONDS_AHEAD
  oathtool --totp -b -N "$(date -u -d "@$(($(date +%s) + $1))" '+%Y-%m-%d %H:%M:%S UTC')" "$secret"
}
sign() {  # sign PIN OUT: one pkcs11-tool run, one login
  p11 --login --pin "$1" --sign --mechanism ECDSA-SHA256 --id 5ea1 --input-file doc.txt \
    --output-file "$2" --signature-format openssl 2>err.txt
}
refused() {  # refused PIN CKR_...: the login is refused with that code
  if sign "$1" x.sig; then fail "signed with ${1%%:*}:... ($2 expected)"; fi
  grep -q "$2" err.txt || { cat err.txt; fail "expected $2"; }
}

refused "carol:4321" CKR_PIN_INCORRECT          # NAME:PIN alone
a=$(code 0)
refused "carol:0000:$a" CKR_PIN_INCORRECT       # a right code, a wrong PIN
sign "carol:4321:$a" a.sig || { cat err.txt; fail "PIN and code did not sign"; }
openssl dgst -sha256 -verify seal.pub.pem -signature a.sig doc.txt | grep "Verified OK" >/dev/null
refused "carol:4321:$a" CKR_PIN_INCORRECT       # the same code again
refused "carol:4321:$(code 150)" CKR_PIN_INCORRECT  # five periods ahead: outside the skew
b=$(code 30)                                    # the next step: fresh, within the skew
sign "carol:4321:$b" b.sig || { cat err.txt; fail "the next step's code did not sign"; }
openssl dgst -sha256 -verify seal.pub.pem -signature b.sig doc.txt | grep "Verified OK" >/dev/null

# Wrong codes count against the PIN's tries (5 by default): then even a right code is refused.
for wrong in 000001 000002 000003 000004 000005; do
  refused "carol:4321:$wrong" CKR_PIN_INCORRECT
done
refused "carol:4321:$(code 60)" CKR_PIN_LOCKED
p11 --list-token-slots | grep -i "PIN locked" >/dev/null || fail "the token does not show the PIN locked"

# The audit log: each login with its outcome, the code's use named, no secret.
"$samp11" audit show --signer carol --json >audit.json
/usr/bin/python3 - "$secret" <<'PY' <audit.json || fail "the audit log"
import json, sys
records = [json.loads(line) for line in sys.stdin if line.strip()]
logins = [r for r in records if r["event"] == "login-pin"]
ok = [r for r in logins if r["outcome"] == "ok"]
assert len(ok) == 2 and all(r["detail"] == "PIN and TOTP code" for r in ok), ok
assert sum(r["outcome"] == "refused" for r in logins) >= 9, logins
assert any(r["event"] == "signer-set-totp" and r["outcome"] == "ok" for r in records)
assert sys.argv[1] not in json.dumps(records)
PY
echo "otp_totp: all checks passed"
