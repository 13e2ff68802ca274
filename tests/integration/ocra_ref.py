#!/usr/bin/python3
"""OCRA (RFC 6287), written from the RFC's section 5 and its Java reference (appendix A),
independently of samp11's C++: the integration tests compute responses with it."""
import hashlib
import hmac
import sys

HASHES = {"SHA1": hashlib.sha1, "SHA256": hashlib.sha256, "SHA512": hashlib.sha512}


def ocra(suite, key, counter=None, question="", pin_hash=b"", session=b"", timestamp=None):
    _, function, data_input = suite.split(":")
    _, hash_name, digits = function.split("-")
    message = suite.encode() + b"\x00"
    for part in data_input.split("-"):
        if part == "C":
            message += int(counter).to_bytes(8, "big")
        elif part[0] == "Q":
            fmt = part[1]
            if fmt == "N":
                q = format(int(question), "x")
            elif fmt == "A":
                q = question.encode().hex()
            else:
                q = question
            message += bytes.fromhex(q.ljust(256, "0"))
        elif part[0] == "P":
            message += pin_hash
        elif part[0] == "S":
            message += session
        elif part[0] == "T":
            message += int(timestamp).to_bytes(8, "big")
    mac = hmac.new(key, message, HASHES[hash_name]).digest()
    offset = mac[-1] & 0x0F
    binary = int.from_bytes(mac[offset:offset + 4], "big") & 0x7FFFFFFF
    return str(binary % 10 ** int(digits)).zfill(int(digits))


if __name__ == "__main__":
    # ocra_ref.py SUITE KEY_HEX QUESTION [COUNTER] [TIMESTAMP]
    suite, key_hex, question = sys.argv[1:4]
    counter = int(sys.argv[4]) if len(sys.argv) > 4 and sys.argv[4] else None
    timestamp = int(sys.argv[5]) if len(sys.argv) > 5 else None
    print(ocra(suite, bytes.fromhex(key_hex), counter, question, timestamp=timestamp))
