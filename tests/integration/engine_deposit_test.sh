#!/usr/bin/env bash
# OpenSSL through the libp11 engine (Debian's libengine-pkcs11-openssl) on the deposit path: the
# token advertises a protected authentication path, so libp11 logs in with no PIN; the SAD was
# deposited beforehand with `samp11 sad deposit`. No prompt, no tty (setsid, stdin from
# /dev/null). OpenSSL verifies every signature.
# Usage: engine_deposit_test.sh BUILD_DIR
set -euo pipefail
build=$(realpath "$1")
module="$build/libsamp11.so"
samp11="$build/samp11"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
export SAMP11_CONF="$work/samp11.json"
fail() { echo "FAIL: $*" >&2; exit 1; }

"$samp11" init --label engtest --keystore "$work/t.db" --master-key "$work/m.key" \
  --protected-authentication-path >/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out dev.pem
openssl pkey -in dev.pem -pubout -out dev.pub.pem
"$samp11" signer add erin --activation-key dev.pub.pem >/dev/null
"$samp11" key generate --signer erin --type ec-p256 --id e0ec --public-key ec.pub.pem >/dev/null
"$samp11" key generate --signer erin --type rsa-2048 --id e0a5 --public-key rsa.pub.pem >/dev/null
cat > openssl.cnf <<CNF
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
export OPENSSL_CONF="$work/openssl.cnf"
deposit() {  # KEY_ID FILE: the signer's device approves FILE, the SAD is deposited
  "$samp11" sad issue --device-key dev.pem --signer erin --key-id "$1" --hash-file "$2" > "$2.sad"
  "$samp11" sad deposit "$2.sad" >/dev/null
}
no_tty() { setsid -w "$@" < /dev/null; }
uri() { echo "pkcs11:token=engtest;id=%${1:0:2}%${1:2:2};type=private"; }

# pkeyutl over a hash with the EC key (libp11 sends CKM_ECDSA with the hash).
echo "a document signed with pkeyutl" > doc1
openssl dgst -sha256 -binary doc1 > doc1.h
deposit e0ec doc1
no_tty openssl pkeyutl -engine pkcs11 -keyform engine -inkey "$(uri e0ec)" -sign -in doc1.h \
  -out doc1.sig 2>err.txt || { cat err.txt; fail "pkeyutl -sign"; }
openssl pkeyutl -verify -pubin -inkey ec.pub.pem -in doc1.h -sigfile doc1.sig | grep -q Success

# dgst -sign with the RSA key (libp11 sends CKM_RSA_PKCS with a DigestInfo) and the EC key.
echo "a document signed with dgst" > doc2
deposit e0a5 doc2
no_tty openssl dgst -sha256 -engine pkcs11 -keyform engine -sign "$(uri e0a5)" -out doc2.sig \
  doc2 2>err.txt || { cat err.txt; fail "dgst -sign RSA"; }
openssl dgst -sha256 -verify rsa.pub.pem -signature doc2.sig doc2 | grep -q "Verified OK"
echo "another document signed with dgst" > doc3
deposit e0ec doc3
no_tty openssl dgst -sha256 -engine pkcs11 -keyform engine -sign "$(uri e0ec)" -out doc3.sig \
  doc3 2>err.txt || { cat err.txt; fail "dgst -sign EC"; }
openssl dgst -sha256 -verify ec.pub.pem -signature doc3.sig doc3 | grep -q "Verified OK"

# The deposit is spent: the same document again fails; so does one never approved.
if no_tty openssl dgst -sha256 -engine pkcs11 -keyform engine -sign "$(uri e0a5)" \
  -out again.sig doc2 2>err.txt; then fail "a spent deposit signed again"; fi
echo "never approved" > doc4
if no_tty openssl dgst -sha256 -engine pkcs11 -keyform engine -sign "$(uri e0ec)" \
  -out doc4.sig doc4 2>err.txt; then fail "a document without a deposit was signed"; fi

# A forged deposit is refused at deposit time, with the reason.
"$samp11" sad issue --device-key dev.pem --signer erin --key-id e0ec --hash-file doc4 |
  python3 -c 'import sys; s = sys.stdin.read().strip(); i = len(s) - 10
print(s[:i] + ("B" if s[i] == "A" else "A") + s[i + 1:])' > forged.sad
if "$samp11" sad deposit forged.sad 2>err.txt; then fail "a forged SAD was deposited"; fi
grep -q "does not verify\|signature" err.txt || { cat err.txt; fail "forged: no reason given"; }
echo "libp11 engine: all checks passed"
