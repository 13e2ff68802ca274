#!/usr/bin/python3
"""Sign a document with PyKCS11 (python3-pykcs11) under a SAD, through the context-specific login:
C_SignInit, C_Login(CKU_CONTEXT_SPECIFIC, SAD), C_Sign (a size query first, which spends
nothing, then the signature). The module hashes the document (CKM_ECDSA_SHA256,
CKM_SHA256_RSA_PKCS, CKM_EDDSA) and signs only if the SAD binds that hash.

Usage: pykcs11_sign.py MODULE KEY_ID_HEX SAD_FILE DOCUMENT SIGNATURE
The signature is what openssl verifies: DER for ECDSA (PKCS#11 gives r||s), as is for RSA and
Ed25519. Errors exit 1 naming the CK_RV.
"""
import sys

import PyKCS11

MECHANISM = {PyKCS11.CKK_EC: PyKCS11.CKM_ECDSA_SHA256, PyKCS11.CKK_RSA: PyKCS11.CKM_SHA256_RSA_PKCS,
             PyKCS11.CKK_EC_EDWARDS: PyKCS11.CKM_EDDSA}


def der_ecdsa(raw):
    def integer(b):
        b = b.lstrip(b"\0") or b"\0"
        return bytes([0x02, len(b) + (b[0] >> 7)]) + (b"\0" if b[0] & 0x80 else b"") + b
    body = integer(raw[:len(raw) // 2]) + integer(raw[len(raw) // 2:])
    return bytes([0x30, len(body)]) + body


def sign(module, key_id, sad, document):
    lib = PyKCS11.PyKCS11Lib()
    lib.load(module)
    session = lib.openSession(lib.getSlotList(tokenPresent=True)[0])
    try:
        found = session.findObjects([(PyKCS11.CKA_CLASS, PyKCS11.CKO_PRIVATE_KEY),
                                     (PyKCS11.CKA_ID, bytes.fromhex(key_id))])
        if not found:
            raise SystemExit(f"no private key with CKA_ID {key_id}")
        key = found[0]
        key_type = session.getAttributeValue(key, [PyKCS11.CKA_KEY_TYPE])[0]
        mechanism = PyKCS11.Mechanism(MECHANISM[key_type], None)
        p11 = session.lib  # the low-level calls: the context login goes between them
        check(p11.C_SignInit(session.session, mechanism.to_native(), key), "C_SignInit")
        session.login(sad, PyKCS11.CKU_CONTEXT_SPECIFIC)
        data, signature = PyKCS11.ckbytelist(document), PyKCS11.ckbytelist()
        check(p11.C_Sign(session.session, data, signature), "C_Sign (size)")
        check(p11.C_Sign(session.session, data, signature), "C_Sign")
        return der_ecdsa(bytes(signature)) if key_type == PyKCS11.CKK_EC else bytes(signature)
    finally:
        session.closeSession()


def check(rv, what):
    if rv != PyKCS11.CKR_OK:
        raise PyKCS11.PyKCS11Error(rv, what)


def main():
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    module, key_id, sad_file, document, out = sys.argv[1:]
    sad = open(sad_file).read().strip()
    try:
        signature = sign(module, key_id, sad, open(document, "rb").read())
    except PyKCS11.PyKCS11Error as e:
        sys.exit(f"pykcs11_sign: {e}")
    open(out, "wb").write(signature)


if __name__ == "__main__":
    main()
