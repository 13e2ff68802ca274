#!/usr/bin/env bash
# p11-kit remoting (p11-kit 0.24): the module runs in `p11-kit server` (one p11-kit-remote per
# connection), the application loads p11-kit-client.so and talks to it over a Unix socket, so the
# keys and the keystore never enter the application's address space (the deployment of
# docs/deployment.md). Through it: SAD gating and signatures (pkcs11-tool), the refusals with
# their exact CK_RVs, SADs up to the 16,384-character limit (and one over it), deposits in the
# keystore and as session objects (PyKCS11), and the RPC layer's mechanism allow-list.
# Usage: consumer_p11kit_remote_test.sh BUILD_DIR
source "$(dirname "$0")/consumer_common.sh"
client=/usr/lib/x86_64-linux-gnu/pkcs11/p11-kit-client.so
need p11-kit pkcs11-tool openssl "$client" /usr/bin/python3
t=remote
new_token "$t"
key "$t" ec-p256 ec01
key "$t" rsa-2048 a501
set_policy sad.max_hashes 400  # room for SADs as long as the 16,384-character limit

eval "$("$(dirname "$0")/../../examples/p11-kit-server.sh" "$module" "$t" "$work/p11.sock")"
cleanup_pids+=("$P11_KIT_SERVER_PID")
export P11_KIT_SERVER_ADDRESS
p11() { pkcs11-tool --module "$client" "$@"; }
p11 --list-slots | grep -q "token label *: $t" || fail "the client does not see the token"

# p11-kit 0.24's RPC carries only mechanisms on its allow-list: the digesting ECDSA, the
# SHA-2 PSS and EdDSA do not cross it (docs/deployment.md). If this changes, update the docs.
mechs=$(p11 --list-mechanisms)
for m in "ECDSA," "RSA-PKCS," "SHA256-RSA-PKCS," "SHA512-RSA-PKCS," "RSA-PKCS-PSS,"; do
  grep -q "^ *$m" <<<"$mechs" || fail "mechanism ${m%,} does not cross p11-kit remoting"
done
for m in "ECDSA-SHA256," "SHA256-RSA-PKCS-PSS," "EDDSA,"; do
  grep -q "^ *$m" <<<"$mechs" && fail "${m%,} now crosses p11-kit remoting: update the docs"
done

# Signatures: the SAD as --pin goes through the user login and the context login.
echo "a document signed through p11-kit remoting" > doc
openssl dgst -sha256 -binary doc > doc.h
s=$(sad "$t" ec01 doc)
p11 --login --pin "$s" --sign -m ECDSA --id ec01 -i doc.h -o ec.sig --signature-format openssl \
  2>err.txt || { cat err.txt; fail "ECDSA through the client"; }
openssl pkeyutl -verify -pubin -inkey ec01.pub.pem -in doc.h -sigfile ec.sig | verified ECDSA
r=$(sad "$t" a501 doc)
p11 --login --pin "$r" --sign -m SHA256-RSA-PKCS --id a501 -i doc -o rsa.sig \
  2>err.txt || { cat err.txt; fail "SHA256-RSA-PKCS through the client"; }
openssl dgst -sha256 -verify a501.pub.pem -signature rsa.sig doc | verified SHA256-RSA-PKCS
p11 --login --pin "$(sad "$t" a501 doc)" --sign -m RSA-PKCS-PSS --hash-algorithm SHA256 \
  --mgf MGF1-SHA256 --salt-len 32 --id a501 -i doc.h -o pss.sig 2>err.txt ||
  { cat err.txt; fail "RSA-PKCS-PSS through the client"; }
openssl pkeyutl -verify -pubin -inkey a501.pub.pem -in doc.h -sigfile pss.sig \
  -pkeyopt rsa_padding_mode:pss -pkeyopt digest:sha256 -pkeyopt rsa_pss_saltlen:32 | verified PSS

# Refusals cross intact: refuse WHAT CK_RV VALUE PIN. (The module's log stays with the server; the
# client sees pkcs11-tool's message, which names CKR_FUNCTION_REJECTED only by its value 0x200.)
# A mechanism that hashes: pkcs11-tool 0.23 retries a refused C_Sign through C_SignInit,
# C_SignUpdate and C_SignFinal, and reports that last refusal.
refuse() {
  if p11 --login --pin "$4" --sign -m SHA256-RSA-PKCS --id a501 -i doc -o x.sig 2>err.txt; then
    fail "$1 signed through the client"
  fi
  grep -Eq "rv = ($2|unknown PKCS11 error \($3\))" err.txt || { cat err.txt; fail "$1: not $2"; }
}
refuse "a spent SAD" CKR_FUNCTION_REJECTED 0x200 "$r"
echo "other" > other
refuse "a SAD for another document" CKR_FUNCTION_REJECTED 0x200 "$(sad "$t" a501 other)"
refuse "a SAD for another key" CKR_PIN_INCORRECT 0xa0 "$(sad "$t" ec01 doc)"
refuse "an expired SAD" CKR_PIN_EXPIRED 0xa3 "$(sad "$t" a501 doc --iat $(($(date +%s) - 400)) --lifetime 60)"
refuse "not a SAD" CKR_PIN_INCORRECT 0xa0 "not-a-sad"
# A single-part mechanism (CKM_ECDSA) takes no C_SignUpdate (PKCS#11): pkcs11-tool's retry of the
# refused C_Sign then fails there, and its message names that call rather than the refusal.
if p11 --login --pin "$s" --sign -m ECDSA --id ec01 -i doc.h -o x.sig 2>err.txt; then
  fail "a spent SAD signed through the client (CKM_ECDSA)"
fi
grep -Eq "C_SignUpdate.*(CKR_OPERATION_NOT_INITIALIZED|0x91)" err.txt ||
  { cat err.txt; fail "a spent SAD (CKM_ECDSA): not C_SignUpdate's CKR_OPERATION_NOT_INITIALIZED"; }

# Long SADs: many hashes (one of them the document's), as long as `samp11 sad issue` makes them
# (16,384 characters, the module's ulMaxPinLen): it signs. Longer than that the module answers
# CKR_PIN_LEN_RANGE before parsing. Both cross byte for byte.
long_sad() {  # N: a SAD binding doc and N-1 other hashes
  local hashes=() i h
  for ((i = 1; i < $1; i++)); do
    printf -v h '%064x' "$i"
    hashes+=(--hash "$h")
  done
  sad "$t" ec01 doc "${hashes[@]}" 2>/dev/null
}
n=254  # 252 hashes make 16,299 characters
until s=$(long_sad $n); do n=$((n - 2)); done
[ ${#s} -gt 16000 ] || fail "the long SAD is only ${#s} characters"
p11 --login --pin "$s" --sign -m ECDSA --id ec01 -i doc.h -o long.sig --signature-format openssl \
  2>err.txt || { cat err.txt; fail "a SAD of ${#s} characters through the client"; }
openssl pkeyutl -verify -pubin -inkey ec01.pub.pem -in doc.h -sigfile long.sig | verified "long SAD"
s="$s$(head -c 3000 /dev/zero | tr '\0' A)"  # still three parts: a SAD, too long
refuse "a SAD of ${#s} characters" CKR_PIN_LEN_RANGE 0xa2 "$s"

# Deposits, and where the module lives: a PyKCS11 application on the client.
echo "deposited in the keystore" > dep1
sad "$t" ec01 dep1 > dep1.sad
"$samp11" --token "$t" sad deposit dep1.sad >/dev/null
echo "deposited as a session object through the client" > dep2
sad "$t" ec01 dep2 > dep2.sad
/usr/bin/python3 - "$client" "$work" <<'PY' || fail "deposits through the client"
import os, sys
import PyKCS11
client, work = sys.argv[1], sys.argv[2]
CKO_SAMP11_SAD = 0x80000000 | 0x53414400  # pkcs11/samp11_vendor.h
lib = PyKCS11.PyKCS11Lib()
lib.load(client)
session = lib.openSession(lib.getSlotList(tokenPresent=True)[0])
key = session.findObjects([(PyKCS11.CKA_CLASS, PyKCS11.CKO_PRIVATE_KEY),
                           (PyKCS11.CKA_ID, bytes.fromhex("ec01"))])[0]
mech = PyKCS11.Mechanism(PyKCS11.CKM_ECDSA, None)
def digest(name):
    import hashlib
    return hashlib.sha256(open(os.path.join(work, name), "rb").read()).digest()
def sign(name):
    sig = bytes(session.sign(key, digest(name), mech))
    open(os.path.join(work, name + ".sig"), "wb").write(sig)
sign("dep1")  # the keystore deposit, found at C_Sign with no SAD in the call
sad = open(os.path.join(work, "dep2.sad")).read().strip()
session.createObject([(PyKCS11.CKA_CLASS, CKO_SAMP11_SAD), (PyKCS11.CKA_VALUE, sad.encode())])
sign("dep2")
forged = sad[:-10] + ("B" if sad[-10] == "A" else "A") + sad[-9:]
try:
    session.createObject([(PyKCS11.CKA_CLASS, CKO_SAMP11_SAD), (PyKCS11.CKA_VALUE, forged.encode())])
    sys.exit("a forged deposit was taken")
except PyKCS11.PyKCS11Error as e:
    assert e.value == PyKCS11.CKR_ATTRIBUTE_VALUE_INVALID, e
try:
    sign("dep1")
    sys.exit("a spent deposit signed again")
except PyKCS11.PyKCS11Error as e:
    assert e.value == PyKCS11.CKR_USER_NOT_LOGGED_IN, e
# It signed, and neither the module nor the keystore is in this process.
maps = open("/proc/self/maps").read()
assert "libsamp11" not in maps, "the module is mapped into the client"
fds = [os.readlink(f"/proc/self/fd/{fd}") for fd in os.listdir("/proc/self/fd")
       if os.path.exists(f"/proc/self/fd/{fd}")]
assert not any(f.endswith(".db") for f in fds), fds
session.closeSession()
PY
for d in dep1 dep2; do
  python3 - "$d.sig" <<'PY' > "$d.der"  # r||s -> DER for openssl
import sys
raw = open(sys.argv[1], "rb").read()
def integer(b):
    b = b.lstrip(b"\0") or b"\0"
    return bytes([2, len(b) + (b[0] >> 7)]) + (b"\0" if b[0] & 0x80 else b"") + b
body = integer(raw[:32]) + integer(raw[32:])
sys.stdout.buffer.write(bytes([0x30, len(body)]) + body)
PY
  openssl dgst -sha256 -verify ec01.pub.pem -signature "$d.der" "$d" | verified "deposit $d"
done
echo "p11-kit remoting consumer: all checks passed"
