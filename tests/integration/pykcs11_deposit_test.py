#!/usr/bin/env python3
"""PyKCS11 (python3-pykcs11) against the built module: a SAD deposited through PKCS#11 itself, as
a session object of class CKO_SAMP11_SAD, then C_Sign with no SAD in the call; also the standard
context-specific login. openssl verifies every signature.

Usage: pykcs11_deposit_test.py BUILD_DIR
"""
import os
import subprocess
import sys
import tempfile

import PyKCS11

CKO_SAMP11_SAD = 0x80000000 | 0x53414400  # pkcs11/samp11_vendor.h


def run(*args, **kw):
    return subprocess.run(args, check=True, capture_output=True, text=True, **kw).stdout


def expect_error(code, fn, *args):
    try:
        fn(*args)
    except PyKCS11.PyKCS11Error as e:
        assert e.value == code, f"expected {PyKCS11.CKR[code]}, got {e}"
        return
    raise AssertionError(f"expected {PyKCS11.CKR[code]}, the call succeeded")


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


def main():
    build = os.path.realpath(sys.argv[1])
    samp11, module = os.path.join(build, "samp11"), os.path.join(build, "libsamp11.so")
    with tempfile.TemporaryDirectory() as work:
        os.chdir(work)
        os.environ["SAMP11_CONF"] = os.path.join(work, "samp11.json")
        run(samp11, "init", "--label", "pytest", "--keystore", "t.db", "--master-key", "m.key")
        run("openssl", "genpkey", "-algorithm", "ED25519", "-out", "dev.pem")
        run("openssl", "pkey", "-in", "dev.pem", "-pubout", "-out", "dev.pub.pem")
        run(samp11, "signer", "add", "pat", "--activation-key", "dev.pub.pem")
        run(samp11, "key", "generate", "--signer", "pat", "--type", "ec-p256", "--id", "9e0c",
            "--public-key", "key.pub.pem")

        def sad_for(path):
            return run(samp11, "sad", "issue", "--device-key", "dev.pem", "--signer", "pat",
                       "--key-id", "9e0c", "--hash-file", path).strip()

        lib = PyKCS11.PyKCS11Lib()
        lib.load(module)
        slot = lib.getSlotList(tokenPresent=True)[0]
        session = lib.openSession(slot)
        key = session.findObjects([(PyKCS11.CKA_CLASS, PyKCS11.CKO_PRIVATE_KEY),
                                   (PyKCS11.CKA_ID, bytes.fromhex("9e0c"))])[0]
        mech = PyKCS11.Mechanism(PyKCS11.CKM_ECDSA_SHA256, None)

        def verify(doc, raw_sig):
            with open("sig.der", "wb") as f:
                f.write(der_from_raw(bytes(raw_sig)))
            out = run("openssl", "dgst", "-sha256", "-verify", "key.pub.pem",
                      "-signature", "sig.der", doc)
            assert "Verified OK" in out, out

        # 1. Deposit as a session object, then sign with no SAD in the call.
        with open("doc1", "w") as f:
            f.write("deposited through PKCS#11\n")
        deposit = session.createObject([(PyKCS11.CKA_CLASS, CKO_SAMP11_SAD),
                                        (PyKCS11.CKA_VALUE, sad_for("doc1").encode())])
        assert session.getAttributeValue(deposit, [PyKCS11.CKA_CLASS])[0] == CKO_SAMP11_SAD
        sig = session.sign(key, open("doc1", "rb").read(), mech)
        verify("doc1", sig)
        # Spent: the same document again is refused.
        expect_error(PyKCS11.CKR_USER_NOT_LOGGED_IN, session.sign, key,
                     open("doc1", "rb").read(), mech)

        # 2. A forged deposit is refused when created, naming no secret.
        with open("doc2", "w") as f:
            f.write("forged approval\n")
        good = sad_for("doc2")
        i = len(good) - 10
        forged = good[:i] + ("B" if good[i] == "A" else "A") + good[i + 1:]
        expect_error(PyKCS11.CKR_ATTRIBUTE_VALUE_INVALID, session.createObject,
                     [(PyKCS11.CKA_CLASS, CKO_SAMP11_SAD), (PyKCS11.CKA_VALUE, forged.encode())])
        expect_error(PyKCS11.CKR_TEMPLATE_INCONSISTENT, session.createObject,
                     [(PyKCS11.CKA_CLASS, CKO_SAMP11_SAD), (PyKCS11.CKA_TOKEN, True),
                      (PyKCS11.CKA_VALUE, good.encode())])
        # A class PKCS#11 defines, that this token does not create, in either order.
        for data_object in ([(PyKCS11.CKA_CLASS, PyKCS11.CKO_DATA), (PyKCS11.CKA_VALUE, b"x")],
                            [(PyKCS11.CKA_VALUE, b"x"), (PyKCS11.CKA_CLASS, PyKCS11.CKO_DATA)]):
            expect_error(PyKCS11.CKR_TEMPLATE_INCONSISTENT, session.createObject, data_object)

        # 3. A destroyed deposit no longer activates anything.
        deposit = session.createObject([(PyKCS11.CKA_CLASS, CKO_SAMP11_SAD),
                                        (PyKCS11.CKA_VALUE, good.encode())])
        session.destroyObject(deposit)
        expect_error(PyKCS11.CKR_USER_NOT_LOGGED_IN, session.sign, key,
                     open("doc2", "rb").read(), mech)

        # 4. The standard path: C_SignInit, context-specific login with the SAD, C_Sign.
        with open("doc3", "w") as f:
            f.write("context-specific login from Python\n")
        data = open("doc3", "rb").read()
        lowlevel = session.lib
        rv = lowlevel.C_SignInit(session.session, mech.to_native(), key)
        assert rv == PyKCS11.CKR_OK, PyKCS11.CKR[rv]
        session.login(sad_for("doc3"), PyKCS11.CKU_CONTEXT_SPECIFIC)
        out = PyKCS11.ckbytelist()  # empty: the first C_Sign is the size query
        rv = lowlevel.C_Sign(session.session, PyKCS11.ckbytelist(data), out)
        assert rv == PyKCS11.CKR_OK, PyKCS11.CKR[rv]
        rv = lowlevel.C_Sign(session.session, PyKCS11.ckbytelist(data), out)
        assert rv == PyKCS11.CKR_OK, PyKCS11.CKR[rv]
        verify("doc3", out)
        session.closeSession()
    print("PyKCS11: all checks passed")


if __name__ == "__main__":
    main()
