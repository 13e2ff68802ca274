#!/usr/bin/env python3
"""CSC v2 access tokens as SADs, made by jwcrypto (csc_token.py), through the built module with
PyKCS11 and pkcs11-tool: a Keycloak-like JWK Set registered with `samp11 issuer add --jwks`, a
subject enrolled with `samp11 signer add --subject --issuer`, an RS256, PS256, ES256, ES384 and
EdDSA token each signing end to end (openssl verifies); then every refusal of the access-token
form with its CK_RV, and what it leaves unspent.

Usage: csc_tokens_test.py BUILD_DIR
"""
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time

import PyKCS11

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
import csc_token  # noqa: E402

SUBJECT = "f3a9c2d4-5b6e-4f70-8a91-b2c3d4e5f607"  # Keycloak's user id: nothing like a name
BOB_SUBJECT = "0b0b0b0b-1111-4222-8333-944445555666"


def run(*args, check=True):
    done = subprocess.run(args, capture_output=True, text=True)
    if check and done.returncode != 0:
        raise AssertionError(f"{args[:3]} exited {done.returncode}: {done.stderr}")
    return done


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


class Module:
    """One PyKCS11 session on the module: a context login per signature."""

    def __init__(self, path):
        self.lib = PyKCS11.PyKCS11Lib()
        self.lib.load(path)
        self.session = self.lib.openSession(self.lib.getSlotList(tokenPresent=True)[0])

    def key(self, hex_id):
        return self.session.findObjects([(PyKCS11.CKA_CLASS, PyKCS11.CKO_PRIVATE_KEY),
                                         (PyKCS11.CKA_ID, bytes.fromhex(hex_id))])[0]

    def sign(self, hex_id, token, data, mech=PyKCS11.CKM_ECDSA_SHA256):
        """C_SignInit, C_Login(CKU_CONTEXT_SPECIFIC, token), C_Sign: (login rv, sign rv, sig)."""
        low, handle = self.session.lib, self.session.session
        rv = low.C_SignInit(handle, PyKCS11.Mechanism(mech, None).to_native(), self.key(hex_id))
        assert rv == PyKCS11.CKR_OK, PyKCS11.CKR[rv]
        rv = low.C_Login(handle, PyKCS11.CKU_CONTEXT_SPECIFIC, PyKCS11.ckbytelist(token.encode()))
        if rv != PyKCS11.CKR_OK:
            # The operation stays active after a refused login (for a retry); a C_Sign with no
            # SAD ends it, and must not sign.
            buffer = PyKCS11.ckbytelist([0] * 256)  # not a size query: a real C_Sign
            ended = low.C_Sign(handle, PyKCS11.ckbytelist(data), buffer)
            assert ended != PyKCS11.CKR_OK, "signed without a SAD"
            return rv, None, None
        out = PyKCS11.ckbytelist()
        rv = low.C_Sign(handle, PyKCS11.ckbytelist(data), out)
        if rv == PyKCS11.CKR_OK:
            rv = low.C_Sign(handle, PyKCS11.ckbytelist(data), out)
        return PyKCS11.CKR_OK, rv, bytes(out) if rv == PyKCS11.CKR_OK else None


def module_log(fn):
    """fn's result and what the module logged meanwhile (its stderr: fd 2 of this process)."""
    with tempfile.TemporaryFile() as log:
        saved = os.dup(2)
        os.dup2(log.fileno(), 2)
        try:
            result = fn()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        log.seek(0)
        return result, log.read().decode(errors="replace")


def expect(rv, want, what):
    assert rv == want, f"{what}: expected {PyKCS11.CKR[want]}, got {PyKCS11.CKR.get(rv, rv)}"


def main():
    build = os.path.realpath(sys.argv[1])
    samp11, module = os.path.join(build, "samp11"), os.path.join(build, "libsamp11.so")
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as work:
        os.chdir(work)
        os.environ["SAMP11_CONF"] = os.path.join(work, "samp11.json")
        run(samp11, "init", "--label", "csc", "--keystore", "t.db", "--master-key", "m.key")
        identity = run(samp11, "token", "info", "--identity").stdout.strip()

        keys = {kid: csc_token.make_key(kid, alg, spec) for kid, alg, spec in csc_token.KEYS}
        with open("jwks.json", "w") as f:
            f.write(csc_token.public_jwks(keys.values(), [csc_token.encryption_key()]))
        out = run(samp11, "issuer", "add", csc_token.ISSUER, "--jwks", "jwks.json").stdout
        assert "key kc-enc skipped" in out, out
        listed = run(samp11, "issuer", "list").stdout
        for kid, alg, _ in csc_token.KEYS:
            assert f"{csc_token.ISSUER}  {kid}  {alg}" in listed, listed

        # alice: only a subject of the server; bob: the same, another subject and key.
        run(samp11, "signer", "add", "alice", "--subject", SUBJECT, "--issuer", csc_token.ISSUER)
        run(samp11, "signer", "add", "bob", "--subject", BOB_SUBJECT, "--issuer", csc_token.ISSUER)
        assert f"subject '{SUBJECT}' of '{csc_token.ISSUER}'" in run(samp11, "signer",
                                                                     "list").stdout
        run(samp11, "key", "generate", "--signer", "alice", "--type", "ec-p256", "--id",
            "a11ce001", "--public-key", "alice.pub.pem")
        run(samp11, "key", "generate", "--signer", "bob", "--type", "ec-p256", "--id", "b0b00001",
            "--public-key", "bob.pub.pem")

        docs = {}

        def doc(name):
            docs[name] = f"document {name}, approved at the authorization server\n".encode()
            with open(name, "wb") as f:
                f.write(docs[name])
            return csc_token.digest_b64(docs[name])

        def token(signing_kid, *digests, **over):
            key = keys[signing_kid]
            payload = csc_token.claims(SUBJECT, over.pop("aud", [identity, "account"]),
                                       over.pop("credential_id", "a11ce001"), list(digests),
                                       **over.pop("claims", {}))
            return csc_token.sign(key, payload, **over)

        def verify(name, signature):
            with open("sig.der", "wb") as f:
                f.write(der_from_raw(signature))
            out = run("openssl", "dgst", "-sha256", "-verify", "alice.pub.pem", "-signature",
                      "sig.der", name).stdout
            assert "Verified OK" in out, out

        def pkcs11_tool(name, value, check=True):
            return run("pkcs11-tool", "--module", module, "--login", "--pin", value, "--sign",
                       "-m", "ECDSA-SHA256", "--id", "a11ce001", "-i", name, "-o", name + ".sig",
                       "--signature-format", "openssl", check=check)

        m = Module(module)
        # 1. Every algorithm, end to end: PyKCS11's context login, and pkcs11-tool's user login.
        for kid, alg, _ in csc_token.KEYS:
            name = "py-" + alg
            login, rv, sig = m.sign("a11ce001", token(kid, doc(name)), docs[name])
            expect(login, PyKCS11.CKR_OK, alg + " login")
            expect(rv, PyKCS11.CKR_OK, alg + " sign")
            verify(name, sig)
            name = "tool-" + alg
            pkcs11_tool(name, token(kid, doc(name)))
            out = run("openssl", "dgst", "-sha256", "-verify", "alice.pub.pem", "-signature",
                      name + ".sig", name).stdout
            assert "Verified OK" in out, out
        # The audit log names the token's subject and client beside the signer.
        audit = run(samp11, "audit", "show").stdout
        assert f"subject '{SUBJECT}', client_id 'csc-service'" in audit, audit[-2000:]

        # 2. A batch: one token, two digests, two signatures; the configured audience URI.
        a, b = doc("batch-a"), doc("batch-b")
        batch = token("kc-es256", a, b)
        for name in ("batch-a", "batch-b"):
            login, rv, sig = m.sign("a11ce001", batch, docs[name])
            expect(rv, PyKCS11.CKR_OK, "batch " + name)
            verify(name, sig)

        # signHash's shape: CKM_ECDSA over the bare hash the token lists (docs/consumers.md).
        digest = doc("sign-hash")
        login, rv, sig = m.sign("a11ce001", token("kc-rs256", digest),
                                hashlib.sha256(docs["sign-hash"]).digest(), PyKCS11.CKM_ECDSA)
        expect(rv, PyKCS11.CKR_OK, "CKM_ECDSA over the listed hash")
        verify("sign-hash", sig)

        # 3. Refused at the login, nothing spent.
        def refused_login(want, value, what, reason, key_id="a11ce001"):
            """Refused at the login, for `reason` (in the module's log line), nothing signed."""
            (login, _, _), logged = module_log(lambda: m.sign(key_id, value, b"unused"))
            expect(login, want, what)
            assert reason in logged, f"{what}: the module said {logged!r}"

        d = doc("refused")
        unknown = csc_token.make_key("kc-unknown", "ES256", dict(kty="EC", crv="P-256"))
        refused_login(PyKCS11.CKR_PIN_INCORRECT,
                      csc_token.sign(unknown, csc_token.claims(SUBJECT, identity, "a11ce001", [d])),
                      "unknown kid", "kid 'kc-unknown' is not a registered key")
        refused_login(PyKCS11.CKR_PIN_INCORRECT,
                      token("kc-rs256", d, kid="kc-es256"), "RS256 under an ES256 kid",
                      "alg confusion: header says RS256, the key is registered for ES256")
        refused_login(PyKCS11.CKR_PIN_INCORRECT,
                      token("kc-es256", d, kid="kc-rs256"), "ES256 under an RS256 kid",
                      "alg confusion: header says ES256, the key is registered for RS256")
        payload = csc_token.claims(SUBJECT, identity, "a11ce001", [d])
        refused_login(PyKCS11.CKR_PIN_INCORRECT, csc_token.unsigned(payload, "kc-rs256"),
                      "alg none", "alg 'none' is not allowed")
        refused_login(PyKCS11.CKR_PIN_INCORRECT,
                      csc_token.hmac_with_public_key(keys["kc-rs256"], payload),
                      "HS256 keyed with the public key",
                      "alg 'HS256' is not allowed")
        refused_login(PyKCS11.CKR_PIN_INCORRECT, token("kc-es256", d, aud=["account", "other"]),
                      "aud without this token",
                      "aud names neither this token nor its configured audience")
        refused_login(PyKCS11.CKR_PIN_INCORRECT,
                      token("kc-es256", d, claims={"scope": "openid profile"}),
                      "scope without credential",
                      "does not contain 'credential'")
        payload = csc_token.claims(SUBJECT, identity, "a11ce001", [d])
        payload["authorization_details"].append(dict(payload["authorization_details"][1]))
        refused_login(PyKCS11.CKR_PIN_INCORRECT, csc_token.sign(keys["kc-es256"], payload),
                      "two credential details",
                      "more than one 'credential' detail")
        payload = csc_token.claims(SUBJECT, identity, "a11ce001", [d])
        payload["authorization_details"][1]["numSignatures"] = 2
        refused_login(PyKCS11.CKR_PIN_INCORRECT, csc_token.sign(keys["kc-es256"], payload),
                      "numSignatures not matching",
                      "numSignatures is 2 but there are 1 digests")
        refused_login(PyKCS11.CKR_PIN_EXPIRED,
                      token("kc-es256", d, claims={"now": int(time.time()) - 400}),
                      "expired", "SAD expired")
        refused_login(PyKCS11.CKR_PIN_INCORRECT,
                      token("kc-es256", d, credential_id="b0b00001"),
                      "alice's token for another signer's key",
                      "SAD signer 'alice' does not own key b0b00001", key_id="b0b00001")
        refused_login(PyKCS11.CKR_PIN_INCORRECT,
                      token("kc-es256", d, credential_id="b0b00001"),
                      "a token for another key than the operation's (credentialID)",
                      "SAD is for key b0b00001, not a11ce001")
        bob = csc_token.sign(keys["kc-es256"],
                             csc_token.claims(BOB_SUBJECT, identity, "b0b00001", [d]))
        refused_login(PyKCS11.CKR_PIN_INCORRECT, bob, "bob's token on alice's key",
                      "SAD signer 'bob' does not own key a11ce001")
        stranger = csc_token.sign(keys["kc-es256"],
                                  csc_token.claims("no-such-subject", identity, "a11ce001", [d]))
        refused_login(PyKCS11.CKR_PIN_INCORRECT, stranger, "a subject not enrolled",
                      "subject 'no-such-subject' of 'https://kc.example/realms/tsp' is not enrolled")
        # A device key speaks only in its own form: an access token it signed is refused.
        phone = csc_token.make_key("alice-phone", "ES256", dict(kty="EC", crv="P-256"))
        with open("phone.pub.pem", "wb") as f:
            f.write(phone.export_to_pem())
        run(samp11, "signer", "add-key", "alice", "--activation-key", "phone.pub.pem", "--kid",
            "alice-phone")
        refused_login(PyKCS11.CKR_PIN_INCORRECT,
                      csc_token.sign(phone, csc_token.claims(SUBJECT, identity, "a11ce001", [d])),
                      "an access token signed by a device key",
                      "SAD access token signed by the device key 'alice-phone'")
        # The subject's spelling is never a signer's name: sub "alice" is no one here.
        named = csc_token.sign(keys["kc-es256"],
                               csc_token.claims("alice", identity, "a11ce001", [d]))
        refused_login(PyKCS11.CKR_PIN_INCORRECT, named, "sub spelled as the signer's name",
                      "subject 'alice' of 'https://kc.example/realms/tsp' is not enrolled")
        # None of those spent d: a good token for it still signs.
        login, rv, sig = m.sign("a11ce001", token("kc-eddsa", d), docs["refused"])
        expect(rv, PyKCS11.CKR_OK, "after the refusals")
        verify("refused", sig)

        # 4. Refused at C_Sign, nothing spent: a digest the token does not list, a hash
        # algorithm that is not the mechanism's.
        listed_digest, other = doc("listed"), doc("not-listed")
        good = token("kc-ps256", listed_digest)
        def refused_sign(value, data, what, reason):
            """The login takes value; C_Sign refuses it for `reason`."""
            (login, rv, _), logged = module_log(lambda: m.sign("a11ce001", value, data))
            expect(login, PyKCS11.CKR_OK, what + " (login)")
            expect(rv, PyKCS11.CKR_FUNCTION_REJECTED, what)
            assert reason in logged, f"{what}: the module said {logged!r}"

        refused_sign(good, docs["not-listed"], "a digest not listed",
                     "the data's hash is not bound by SAD")
        login, rv, sig = m.sign("a11ce001", good, docs["listed"])
        expect(rv, PyKCS11.CKR_OK, "the listed digest, after the refusal")
        verify("listed", sig)
        sha384 = csc_token.digest_b64(docs["not-listed"], "sha384")
        wrong_oid = token("kc-es384", sha384,
                          claims={"oid": csc_token.SHA384_OID})
        refused_sign(wrong_oid, docs["not-listed"], "hashAlgorithmOID not the mechanism's",
                     "SAD binds sha384 hashes but the mechanism signs a sha256 hash")

        # 5. A replayed jti in another process: pkcs11-tool spent it, PyKCS11 is refused.
        replayed = token("kc-rs256", doc("replay"))
        pkcs11_tool("replay", replayed)
        refused_sign(replayed, docs["replay"], "a jti replayed in another process",
                     "hash already spent")

        # 6. Rotation: the ES384 key leaves the set, a new one comes; the old kid is refused, the
        # new one signs; a kid naming another key is refused.
        new_key = csc_token.make_key("kc-es384-2", "ES384", dict(kty="EC", crv="P-384"))
        keys["kc-es384-2"] = new_key
        rotated = [k for kid, k in keys.items() if kid != "kc-es384"]
        with open("jwks2.json", "w") as f:
            f.write(csc_token.public_jwks(rotated))
        out = run(samp11, "issuer", "update", csc_token.ISSUER, "--jwks", "jwks2.json").stdout
        assert "key kc-es384-2 (ES384) registered" in out and "key kc-es384 removed" in out, out
        rotated_digest = doc("rotated")
        refused_login(PyKCS11.CKR_PIN_INCORRECT, token("kc-es384", rotated_digest),
                      "a kid rotated out",
                      "kid 'kc-es384' is not a registered key")
        login, rv, sig = m.sign("a11ce001", token("kc-es384-2", rotated_digest), docs["rotated"])
        expect(rv, PyKCS11.CKR_OK, "the rotated-in key")
        verify("rotated", sig)
        # kc-eddsa's kid, now on another key.
        impostor = csc_token.make_key("kc-eddsa", "ES256", dict(kty="EC", crv="P-256"))
        with open("jwks3.json", "w") as f:
            f.write(csc_token.public_jwks([k for kid, k in keys.items()
                                           if kid not in ("kc-es384", "kc-eddsa")] + [impostor]))
        done = run(samp11, "issuer", "update", csc_token.ISSUER, "--jwks", "jwks3.json",
                   check=False)
        assert done.returncode == 1 and "a new key needs a new kid" in done.stderr, done.stderr

        # 7. At registration: RSA under 2048 bits, an RSA key without alg, a private member.
        small = csc_token.jwk.JWK.generate(kty="RSA", size=1024, kid="small", alg="RS256")
        no_alg = csc_token.jwk.JWK.generate(kty="EC", crv="P-256", kid="x")
        cases = [("small.json", csc_token.public_jwks([small]), "at least 2048 bits"),
                 ("private.json", '{"keys":[' + no_alg.export_private() + "]}",
                  "private member 'd'")]
        for name, text, reason in cases:
            with open(name, "w") as f:
                f.write(text)
            done = run(samp11, "issuer", "add", "https://other.example", "--jwks", name,
                       check=False)
            assert done.returncode == 1 and reason in done.stderr, (name, done.stderr)
        m.session.closeSession()
        del m  # the module unloads before its token's folder goes

        # 8. The audience URI the server knows this SAM by, once configured ("sad": {"audience"}),
        # stands for the token's identity (pkcs11-tool: a process that reads the configuration).
        uri = "https://sam.example/tsp"
        by_uri = token("kc-rs256", doc("by-uri"), aud=[uri, "account"])
        done = pkcs11_tool("by-uri", by_uri, check=False)
        assert done.returncode != 0 and "CKR_PIN_INCORRECT" in done.stderr, done.stderr
        with open("samp11.json") as f:
            config = json.load(f)
        config["tokens"][0]["sad"]["audience"] = uri
        with open("samp11.json", "w") as f:
            json.dump(config, f)
        pkcs11_tool("by-uri", token("kc-rs256", doc("by-uri"), aud=[uri, "account"]))

        # 9. The two other ways in: a deposit (`samp11 sad deposit`, verified when made), and
        # the pull path, whose exec provider answers with an access token (csc_token.py answer).
        with open("deposit.jwt", "w") as f:
            f.write(token("kc-es256", doc("deposited")))
        run(samp11, "sad", "deposit", "deposit.jwt")
        with open("stranger.jwt", "w") as f:
            f.write(stranger)
        done = run(samp11, "sad", "deposit", "stranger.jwt", check=False)
        assert done.returncode == 1 and "is not enrolled" in done.stderr, done.stderr
        with open("kc-ps256.json", "w") as f:
            f.write(keys["kc-ps256"].export_private())
        run(samp11, "token", "sad-provider", "exec", "--timeout", "30", "--", "/usr/bin/python3",
            os.path.join(os.path.dirname(os.path.realpath(__file__)), "csc_token.py"), "answer",
            os.path.join(work, "kc-ps256.json"), SUBJECT)
        m = Module(module)
        mech = PyKCS11.Mechanism(PyKCS11.CKM_ECDSA_SHA256, None)
        verify("deposited", bytes(m.session.sign(m.key("a11ce001"), docs["deposited"], mech)))
        doc("pulled")
        verify("pulled", bytes(m.session.sign(m.key("a11ce001"), docs["pulled"], mech)))
        m.session.closeSession()
        del m
        audit = run(samp11, "audit", "show", "--event", "sign").stdout
        assert "via signer-request" in audit and "via deposit" in audit, audit[-1500:]
    print(f"csc_tokens_test: ok ({time.monotonic() - started:.1f} s)")


if __name__ == "__main__":
    main()
