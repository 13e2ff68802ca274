"""Access tokens as a CSC v2 / OAuth 2.0 authorization server issues them (RFC 9068 JWTs with an
RFC 9396 "credential" authorization detail), made with jwcrypto (python3-jwcrypto): a JOSE
implementation independent of samp11's own. Keycloak-like: a JWK Set with a key per algorithm and
an encryption key beside them, and a token with the claims Keycloak adds.

Used by csc_tokens_test.py; also a command line for trying a token by hand:
  csc_token.py jwks KEYS_DIR OUT_JWKS          # makes the five keys and their public JWK Set
  csc_token.py token KEYS_DIR KID SUB AUD CREDENTIAL_ID FILE...   # prints one token
  csc_token.py answer KEY_FILE SUB   # an exec SAD provider: the token for the request on stdin
"""
import base64
import hashlib
import json
import os
import sys
import time
import uuid

from jwcrypto import jwk, jws

ISSUER = "https://kc.example/realms/tsp"
# (kid, alg, how to make the key)
KEYS = [
    ("kc-rs256", "RS256", dict(kty="RSA", size=2048)),
    ("kc-ps256", "PS256", dict(kty="RSA", size=2048)),
    ("kc-es256", "ES256", dict(kty="EC", crv="P-256")),
    ("kc-es384", "ES384", dict(kty="EC", crv="P-384")),
    ("kc-eddsa", "EdDSA", dict(kty="OKP", crv="Ed25519")),
]
SHA256_OID = "2.16.840.1.101.3.4.2.1"
SHA384_OID = "2.16.840.1.101.3.4.2.2"


def make_key(kid, alg, spec):
    return jwk.JWK.generate(kid=kid, alg=alg, use="sig", **spec)


def public_jwks(keys, extra=()):
    """The public JWK Set of keys (JWK objects), plus extra public JWK dicts as they are."""
    members = [json.loads(k.export_public()) for k in keys] + list(extra)
    return json.dumps({"keys": members})


def encryption_key():
    """What Keycloak publishes beside its signing keys: an RSA-OAEP key, use enc."""
    key = jwk.JWK.generate(kty="RSA", size=2048, kid="kc-enc", alg="RSA-OAEP", use="enc")
    return json.loads(key.export_public())


def digest_b64(data, name="sha256"):
    return base64.b64encode(hashlib.new(name, data).digest()).decode()


def claims(sub, aud, credential_id, digests, oid=SHA256_OID, lifetime=300, now=None, **extra):
    """A Keycloak-like payload: the RFC 9068 claims, the credential detail, and noise."""
    now = int(time.time()) if now is None else now
    detail = {"type": "credential", "credentialID": credential_id,
              "documentDigests": [{"hash": d, "label": f"document {i + 1}"}
                                  for i, d in enumerate(digests)],
              "hashAlgorithmOID": oid, "numSignatures": len(digests)}
    payload = {
        "exp": now + lifetime, "iat": now, "auth_time": now - 3, "jti": str(uuid.uuid4()),
        "iss": ISSUER, "aud": aud, "sub": sub, "typ": "Bearer", "azp": "csc-service",
        "session_state": str(uuid.uuid4()), "acr": "1",
        "allowed-origins": ["https://sign.example"],
        "realm_access": {"roles": ["offline_access", "uma_authorization"]},
        "resource_access": {"account": {"roles": ["manage-account"]}},
        "scope": "openid credential profile email", "sid": str(uuid.uuid4()),
        "email_verified": True, "preferred_username": "alice", "client_id": "csc-service",
        "authorization_details": [{"type": "openid_credential", "format": "jwt_vc"}, detail],
    }
    payload.update(extra)
    return payload


def sign(key, payload, alg=None, kid=None, typ="at+jwt"):
    """Compact JWS of payload by key; the header's alg and kid default to the key's."""
    header = {"alg": alg or key.get("alg"), "typ": typ, "kid": kid or key.get("kid")}
    token = jws.JWS(json.dumps(payload).encode())
    token.add_signature(key, alg=header["alg"], protected=json.dumps(header))
    return token.serialize(compact=True)


def unsigned(payload, kid):
    """alg none: header and payload, an empty signature (jwcrypto refuses to make one)."""
    def b64(obj):
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()
    return b64({"alg": "none", "typ": "at+jwt", "kid": kid}) + "." + b64(payload) + "."


def hmac_with_public_key(rsa_key, payload):
    """HS256 keyed with the RSA key's public PEM, under the RSA key's kid: the classic confusion."""
    secret = jwk.JWK(kty="oct", k=jwk.base64url_encode(rsa_key.export_to_pem()))
    return sign(secret, payload, alg="HS256", kid=rsa_key.get("kid"))


def main(argv):
    if argv[:1] == ["jwks"] and len(argv) == 3:
        os.makedirs(argv[1], exist_ok=True)
        keys = []
        for kid, alg, spec in KEYS:
            key = make_key(kid, alg, spec)
            with open(os.path.join(argv[1], kid + ".json"), "w") as f:
                f.write(key.export_private())
            keys.append(key)
        with open(argv[2], "w") as f:
            f.write(public_jwks(keys, [encryption_key()]))
        return 0
    if argv[:1] == ["token"] and len(argv) >= 7:
        with open(os.path.join(argv[1], argv[2] + ".json")) as f:
            key = jwk.JWK.from_json(f.read())
        digests = [digest_b64(open(path, "rb").read()) for path in argv[6:]]
        print(sign(key, claims(argv[3], argv[4], argv[5], digests)))
        return 0
    if argv[:1] == ["answer"] and len(argv) == 3:
        # The authorization server answering samp11's activation request (docs/sad.md, "The
        # activation request") with an access token for exactly that key and hash.
        request = json.load(sys.stdin)
        with open(argv[1]) as f:
            key = jwk.JWK.from_json(f.read())
        payload = claims(argv[2], [request["token"]["identity"]],
                         request["key"]["credentialID"], [request["hash"]],
                         oid=request["hashAlgorithmOID"], lifetime=120)
        print(sign(key, payload))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
