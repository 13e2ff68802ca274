#!/usr/bin/env python3
"""The CertificationRequestInfo (the signed part) of a PKCS#10 request, for SADs issued before a
consumer signs a request with its own encoder (certutil -R, certtool --generate-request).

A request's info is determined by its subject, public key and attributes: a signing service that
knows what the consumer will encode can hash it beforehand. Here the consumer itself shows its
encoding on a throw-away software key, and only the public key is swapped for the token's.

  csr_info.py extract CSR.der            the info of a request, DER, to stdout
  csr_info.py swap CSR.der PUBKEY.pem    the same info with PUBKEY's SubjectPublicKeyInfo
"""
import subprocess
import sys


def read_tlv(data, at):
    """(start of value, end of element) of the DER element at `at`."""
    length, i = data[at + 1], at + 2
    if length & 0x80:
        n = length & 0x7F
        length, i = int.from_bytes(data[i:i + n], "big"), i + n
    return i, i + length


def der_length(n):
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def request_info(csr):
    outer, _ = read_tlv(csr, 0)
    _, end = read_tlv(csr, outer)
    return csr[outer:end]


def fields(info):
    """version, subject, subjectPKInfo, attributes: the elements of the info SEQUENCE."""
    start, end = read_tlv(info, 0)
    out, i = [], start
    while i < end:
        _, e = read_tlv(info, i)
        out.append(info[i:e])
        i = e
    return out


def main():
    csr = open(sys.argv[2], "rb").read()
    info = request_info(csr)
    if sys.argv[1] == "swap":
        spki = subprocess.run(["openssl", "pkey", "-pubin", "-in", sys.argv[3], "-outform", "DER"],
                              check=True, capture_output=True).stdout
        parts = fields(info)
        if len(parts) != 4:
            sys.exit("csr_info.py: not a CertificationRequestInfo")
        parts[2] = spki
        body = b"".join(parts)
        info = b"\x30" + der_length(len(body)) + body
    sys.stdout.buffer.write(info)


if __name__ == "__main__":
    main()
