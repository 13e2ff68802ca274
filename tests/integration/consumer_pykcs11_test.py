#!/usr/bin/python3
"""PyKCS11 (python3-pykcs11) with the context-specific login: examples/pykcs11_sign.py signs with
EC, RSA and Ed25519 keys (openssl verifies); then the rules a PyKCS11 application meets: the size
query spends nothing, a refused context login leaves the operation active for another SAD, a
document the SAD does not bind ends the operation refused, a context login needs C_SignInit, a
hash signs once. Usage: consumer_pykcs11_test.py BUILD_DIR
"""
import os
import subprocess
import sys
import tempfile

import PyKCS11

HERE = os.path.dirname(os.path.realpath(__file__))
EXAMPLE = os.path.join(HERE, "..", "..", "examples", "pykcs11_sign.py")


def run(*args, check=True):
    return subprocess.run(args, check=check, capture_output=True, text=True)


def expect(code, fn, *args):
    try:
        fn(*args)
    except PyKCS11.PyKCS11Error as e:
        assert e.value == code, f"expected {PyKCS11.CKR[code]}, got {e}"
        return
    raise AssertionError(f"expected {PyKCS11.CKR[code]}, the call succeeded")


def main():
    build = os.path.realpath(sys.argv[1])
    samp11, module = os.path.join(build, "samp11"), os.path.join(build, "libsamp11.so")
    with tempfile.TemporaryDirectory() as work:
        os.chdir(work)
        os.environ["SAMP11_CONF"] = os.path.join(work, "samp11.json")
        run(samp11, "init", "--label", "py", "--keystore", "t.db", "--master-key", "m.key")
        run("openssl", "genpkey", "-algorithm", "ED25519", "-out", "dev.pem")
        run("openssl", "pkey", "-in", "dev.pem", "-pubout", "-out", "dev.pub.pem")
        run(samp11, "signer", "add", "pat", "--activation-key", "dev.pub.pem")
        for key_type, key_id in (("ec-p256", "ec01"), ("rsa-2048", "a501"), ("ed25519", "ed01")):
            run(samp11, "key", "generate", "--signer", "pat", "--type", key_type, "--id", key_id,
                "--public-key", key_id + ".pub.pem")

        def sad(key_id, path):
            out = run(samp11, "sad", "issue", "--device-key", "dev.pem", "--signer", "pat",
                      "--key-id", key_id, "--hash-file", path).stdout.strip()
            with open(f"{path}.{key_id}.sad", "w") as f:
                f.write(out)
            return out

        # The example, with each key type.
        with open("doc", "w") as f:
            f.write("signed from Python\n")
        for key_id in ("ec01", "a501", "ed01"):
            sad(key_id, "doc")
            run("/usr/bin/python3", EXAMPLE, module, key_id, f"doc.{key_id}.sad", "doc", key_id + ".sig")
            if key_id == "ed01":
                verify = ["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", "ed01.pub.pem",
                          "-rawin", "-in", "doc", "-sigfile", "ed01.sig"]
            else:
                verify = ["openssl", "dgst", "-sha256", "-verify", key_id + ".pub.pem",
                          "-signature", key_id + ".sig", "doc"]
            assert "Verified" in run(*verify).stdout, key_id
        # The example again with the same SAD: spent.
        again = run("/usr/bin/python3", EXAMPLE, module, "ec01", "doc.ec01.sad", "doc", "x.sig",
                    check=False)
        assert again.returncode == 1 and "CKR_FUNCTION_REJECTED" in again.stderr, again.stderr

        lib = PyKCS11.PyKCS11Lib()
        lib.load(module)
        session = lib.openSession(lib.getSlotList(tokenPresent=True)[0])
        p11 = session.lib
        key = session.findObjects([(PyKCS11.CKA_CLASS, PyKCS11.CKO_PRIVATE_KEY),
                                   (PyKCS11.CKA_ID, bytes.fromhex("ec01"))])[0]
        mech = PyKCS11.Mechanism(PyKCS11.CKM_ECDSA_SHA256, None).to_native()
        with open("doc2", "w") as f:
            f.write("the second document\n")
        data = PyKCS11.ckbytelist(open("doc2", "rb").read())

        # A context login needs an active C_SignInit.
        expect(PyKCS11.CKR_OPERATION_NOT_INITIALIZED, session.login, sad("ec01", "doc2"),
               PyKCS11.CKU_CONTEXT_SPECIFIC)
        # A SAD for another key is refused at the login, and the operation stays active: the
        # right SAD then signs; the size query before it spent nothing.
        assert p11.C_SignInit(session.session, mech, key) == PyKCS11.CKR_OK
        expect(PyKCS11.CKR_PIN_INCORRECT, session.login, sad("a501", "doc2"),
               PyKCS11.CKU_CONTEXT_SPECIFIC)
        session.login(sad("ec01", "doc2"), PyKCS11.CKU_CONTEXT_SPECIFIC)
        out = PyKCS11.ckbytelist()
        assert p11.C_Sign(session.session, data, out) == PyKCS11.CKR_OK and len(out) == 64
        assert p11.C_Sign(session.session, data, out) == PyKCS11.CKR_OK
        # Once: the same SAD again is refused at C_Sign, which ends the operation.
        assert p11.C_SignInit(session.session, mech, key) == PyKCS11.CKR_OK
        session.login(open("doc2.ec01.sad").read(), PyKCS11.CKU_CONTEXT_SPECIFIC)
        out = PyKCS11.ckbytelist()
        assert p11.C_Sign(session.session, data, out) == PyKCS11.CKR_OK  # size query: fine
        assert p11.C_Sign(session.session, data, out) == PyKCS11.CKR_FUNCTION_REJECTED
        assert p11.C_Sign(session.session, data, out) == PyKCS11.CKR_OPERATION_NOT_INITIALIZED
        # A document the SAD does not bind.
        assert p11.C_SignInit(session.session, mech, key) == PyKCS11.CKR_OK
        session.login(sad("ec01", "doc"), PyKCS11.CKU_CONTEXT_SPECIFIC)
        out = PyKCS11.ckbytelist()
        assert p11.C_Sign(session.session, data, out) == PyKCS11.CKR_OK
        assert p11.C_Sign(session.session, data, out) == PyKCS11.CKR_FUNCTION_REJECTED
        session.closeSession()
    print("PyKCS11 consumer: all checks passed")


if __name__ == "__main__":
    main()
