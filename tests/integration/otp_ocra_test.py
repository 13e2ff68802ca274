#!/usr/bin/python3
"""OCRA SADs through the built module with PyKCS11 (python3-pykcs11): `samp11 signer set-ocra`
enrols the signer's secret; every response is computed by ocra_ref.py (RFC 6287, written apart
from samp11) over the document's SHA-256 hash, as a signer's OCRA token would. Signs through the
context login, the user login, a deposit (`samp11 sad deposit`) and the pull path (an exec
provider that answers the request's OCRA challenge); openssl verifies every signature. Refused:
a response for another hash, a replayed SAD (in this process and in another), and the right
response once the allowed wrong ones locked the signer (audited), until re-enrolment.

Usage: otp_ocra_test.py BUILD_DIR
"""
import base64
import hashlib
import json
import os
import subprocess
import sys
import tempfile

import PyKCS11

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
import ocra_ref  # noqa: E402

SUITE = "OCRA-1:HOTP-SHA256-8:QH64"
KEY_ID = "0c7a"


def run(*args, **kw):
    return subprocess.run(args, check=True, capture_output=True, text=True, **kw).stdout


def ocra_sad(secret, data, response=None, signer="pat", key_id=KEY_ID):
    digest = hashlib.sha256(data).digest()
    if response is None:
        response = ocra_ref.ocra(SUITE, secret, question=digest.hex())
    body = json.dumps({"signer": signer, "credentialID": key_id,
                       "hashAlgorithmOID": "2.16.840.1.101.3.4.2.1",
                       "hash": base64.b64encode(digest).decode(), "response": response})
    return "ocra1." + base64.urlsafe_b64encode(body.encode()).decode().rstrip("=")


def der_from_raw(raw):
    """PKCS#11 ECDSA r||s -> DER, for openssl."""
    def integer(b):
        b = b.lstrip(b"\0") or b"\0"
        if b[0] & 0x80:
            b = b"\0" + b
        return bytes([0x02, len(b)]) + b
    half = len(raw) // 2
    body = integer(raw[:half]) + integer(raw[half:])
    return bytes([0x30, len(body)]) + body


class Token:
    def __init__(self, module):
        self.lib = PyKCS11.PyKCS11Lib()
        self.lib.load(module)
        slot = self.lib.getSlotList(tokenPresent=True)[0]
        self.session = self.lib.openSession(slot)
        self.key = self.session.findObjects([(PyKCS11.CKA_CLASS, PyKCS11.CKO_PRIVATE_KEY),
                                             (PyKCS11.CKA_ID, bytes.fromhex(KEY_ID))])[0]
        self.mech = PyKCS11.Mechanism(PyKCS11.CKM_ECDSA_SHA256, None)

    def sign_context(self, sad, data):
        """C_SignInit, C_Login(CKU_CONTEXT_SPECIFIC, sad), C_Sign: the CK_RV of the first failure,
        or the signature."""
        low = self.session.lib
        rv = low.C_SignInit(self.session.session, self.mech.to_native(), self.key)
        assert rv == PyKCS11.CKR_OK, PyKCS11.CKR[rv]
        rv = low.C_Login(self.session.session, PyKCS11.CKU_CONTEXT_SPECIFIC,
                         PyKCS11.ckbytelist(sad.encode()))
        if rv != PyKCS11.CKR_OK:
            # A refused login leaves the operation active; a C_Sign that fails ends it.
            end = low.C_Sign(self.session.session, PyKCS11.ckbytelist(data),
                             PyKCS11.ckbytelist([0] * 256))
            assert end != PyKCS11.CKR_OK, "signed with no SAD"
            return rv
        out = PyKCS11.ckbytelist()
        rv = low.C_Sign(self.session.session, PyKCS11.ckbytelist(data), out)  # size query
        if rv == PyKCS11.CKR_OK:
            rv = low.C_Sign(self.session.session, PyKCS11.ckbytelist(data), out)
        if rv != PyKCS11.CKR_OK:
            return rv
        return bytes(out)

    def sign_plain(self, data):
        try:
            return bytes(self.session.sign(self.key, data, self.mech))
        except PyKCS11.PyKCS11Error as e:
            return e.value


def verify(data, raw_sig):
    with open("doc.bin", "wb") as f:
        f.write(data)
    with open("sig.der", "wb") as f:
        f.write(der_from_raw(raw_sig))
    out = run("openssl", "dgst", "-sha256", "-verify", "key.pub.pem", "-signature", "sig.der",
              "doc.bin")
    assert "Verified OK" in out, out


def expect(code, got, what):
    assert got == code, f"{what}: expected {PyKCS11.CKR[code]}, got " + (
        PyKCS11.CKR.get(got, got) if isinstance(got, int) else "a signature")


def child(module, sad, data_hex):
    """Another process: one signature attempt, with a context login (or, for sad "-", none);
    prints the signature in hex, or the CK_RV."""
    token = Token(module)
    data = bytes.fromhex(data_hex)
    got = token.sign_plain(data) if sad == "-" else token.sign_context(sad, data)
    print(got.hex() if isinstance(got, bytes) else got)


def answer(secret_hex):
    """The exec SAD provider: the signer's token answers the request's OCRA challenge."""
    request = json.loads(sys.stdin.read())
    digest = base64.b64decode(request["hash"])
    assert request["ocra"] == {"suite": SUITE, "challenge": digest.hex()}, request
    response = ocra_ref.ocra(SUITE, bytes.fromhex(secret_hex), question=request["ocra"]["challenge"])
    body = json.dumps({"signer": request["signer"], "credentialID": request["key"]["credentialID"],
                       "hashAlgorithmOID": request["hashAlgorithmOID"], "hash": request["hash"],
                       "response": response})
    print("ocra1." + base64.urlsafe_b64encode(body.encode()).decode().rstrip("="))


def main():
    build = os.path.realpath(sys.argv[1])
    samp11, module = os.path.join(build, "samp11"), os.path.join(build, "libsamp11.so")
    with tempfile.TemporaryDirectory() as work:
        os.chdir(work)
        os.environ["SAMP11_CONF"] = os.path.join(work, "samp11.json")
        run(samp11, "init", "--label", "ocratest", "--keystore", "t.db", "--master-key", "m.key")
        run("openssl", "genpkey", "-algorithm", "ED25519", "-out", "dev.pem")
        run("openssl", "pkey", "-in", "dev.pem", "-pubout", "-out", "dev.pub.pem")
        run(samp11, "signer", "add", "pat", "--activation-key", "dev.pub.pem")
        run(samp11, "key", "generate", "--signer", "pat", "--type", "ec-p256", "--id", KEY_ID,
            "--public-key", "key.pub.pem")

        def enrol():
            out = run(samp11, "signer", "set-ocra", "pat", "--suite", SUITE)
            line = [l for l in out.splitlines() if l.startswith("secret (hex): ")][0]
            return bytes.fromhex(line.split(": ")[1])

        secret = enrol()
        assert len(secret) == 32
        assert secret not in open("t.db", "rb").read(), "the OCRA secret is in the keystore file"
        token = Token(module)

        # Context login: one signature of that hash.
        doc = b"contract 42: Pat agrees\n"
        sad = ocra_sad(secret, doc)
        sig = token.sign_context(sad, doc)
        assert isinstance(sig, bytes), PyKCS11.CKR.get(sig, sig)
        verify(doc, sig)
        # The same SAD again, here and in another process: spent.
        expect(PyKCS11.CKR_FUNCTION_REJECTED, token.sign_context(sad, doc), "a replay")
        other = run("/usr/bin/python3", os.path.realpath(__file__), "child", module, sad,
                    doc.hex()).strip()
        expect(PyKCS11.CKR_FUNCTION_REJECTED, int(other) if other.isdigit() else other,
               "a replay in another process")
        # A response computed over another document's hash, for this one: the login is refused.
        other_response = ocra_ref.ocra(SUITE, secret,
                                       question=hashlib.sha256(b"contract 43\n").hexdigest())
        doc2 = b"contract 44\n"
        expect(PyKCS11.CKR_PIN_INCORRECT,
               token.sign_context(ocra_sad(secret, doc2, other_response), doc2),
               "a response for another hash")

        # User login, then C_Sign.
        token.session.login(ocra_sad(secret, doc2))
        sig = token.sign_plain(doc2)
        assert isinstance(sig, bytes), PyKCS11.CKR.get(sig, sig)
        verify(doc2, sig)
        token.session.logout()

        # A deposit in the keystore, then C_Sign with no SAD in the call.
        doc3 = b"contract 45\n"
        with open("ocra.sad", "w") as f:
            f.write(ocra_sad(secret, doc3))
        run(samp11, "sad", "deposit", "ocra.sad")
        sig = token.sign_plain(doc3)
        assert isinstance(sig, bytes), PyKCS11.CKR.get(sig, sig)
        verify(doc3, sig)
        expect(PyKCS11.CKR_USER_NOT_LOGGED_IN, token.sign_plain(doc3), "a spent deposit")

        # The pull path: the exec provider's device answers the request's OCRA challenge. The
        # configuration is read when the module starts: in a process of its own.
        run(samp11, "token", "sad-provider", "exec", "--timeout", "20", "--",
            "/usr/bin/python3", os.path.realpath(__file__), "answer", secret.hex())
        doc4 = b"contract 46, hashed inside the signing tool\n"
        pulled = run("/usr/bin/python3", os.path.realpath(__file__), "child", module, "-",
                     doc4.hex()).strip()
        assert not pulled.isdigit(), PyKCS11.CKR.get(int(pulled), pulled)
        verify(doc4, bytes.fromhex(pulled))
        run(samp11, "token", "sad-provider", "none")

        # Lock-out: 5 wrong responses (ocra_max_tries), then even the right one is refused.
        doc5 = b"contract 47\n"
        for wrong in ("00000001", "00000002", "00000003", "00000004", "00000005"):
            expect(PyKCS11.CKR_PIN_INCORRECT,
                   token.sign_context(ocra_sad(secret, doc5, wrong), doc5), "a wrong response")
        expect(PyKCS11.CKR_PIN_LOCKED, token.sign_context(ocra_sad(secret, doc5), doc5),
               "a locked signer")
        events = [json.loads(l) for l in run(samp11, "audit", "show", "--signer", "pat",
                                             "--json").splitlines() if l.strip()]
        assert sum(e["event"] == "ocra-locked" for e in events) == 1, events
        assert not any(secret.hex() in json.dumps(e) for e in events)
        # Re-enrolment unlocks, with a new secret: the old one's responses are wrong.
        new_secret = enrol()
        expect(PyKCS11.CKR_PIN_INCORRECT, token.sign_context(ocra_sad(secret, doc5), doc5),
               "the old secret")
        sig = token.sign_context(ocra_sad(new_secret, doc5), doc5)
        assert isinstance(sig, bytes), PyKCS11.CKR.get(sig, sig)
        verify(doc5, sig)
        token.session.closeSession()
    print("otp_ocra: all checks passed")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "child":
        child(*sys.argv[2:5])
    elif len(sys.argv) > 1 and sys.argv[1] == "answer":
        answer(sys.argv[2])
    else:
        main()
