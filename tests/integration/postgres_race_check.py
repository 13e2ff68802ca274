#!/usr/bin/python3
"""The checks of postgres_race_test.sh, on what its nodes wrote and what the database holds.

    postgres_race_check.py WORK race|kill NODE:PID:OUT[:killed]...

WORK holds docs/ID.doc, sads/NAME.sad, work.txt ("ID SAD DOC" a line), key.pub.pem, each run's
OUT ("ID HEX" a released signature, r||s), audit-NODE.jsonl (`samp11 audit show --json` of each
node's chain) and spent.txt (the spent hashes, hex). A run is one race_signer process: its node,
its pid (the audit records' pid) and its output; `killed` marks the one killed with SIGKILL.
"""
import base64
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

failures = []


def fail(message):
    failures.append(message)


def der(raw):
    """An ECDSA P-256 signature r||s as DER, for openssl."""
    def integer(b):
        b = b.lstrip(b"\0") or b"\0"
        if b[0] & 0x80:
            b = b"\0" + b
        return bytes([2, len(b)]) + b
    body = integer(raw[:32]) + integer(raw[32:])
    return bytes([0x30, len(body)]) + body


def sad_claims(path):
    payload = open(path).read().strip().split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def main():
    work, mode = sys.argv[1], sys.argv[2]
    runs = []
    for spec in sys.argv[3:]:
        parts = spec.split(":")
        runs.append({"node": parts[0], "pid": int(parts[1]), "out": parts[2],
                     "killed": len(parts) > 3 and parts[3] == "killed"})
    os.chdir(work)

    # The documents, their hashes and SADs; each SAD's jti and hashes.
    sad_of, doc_hash = {}, {}
    for line in open("work.txt"):
        doc_id, sad, doc = line.split()
        sad_of[doc_id] = sad
        doc_hash[doc_id] = hashlib.sha256(open(doc, "rb").read()).hexdigest()
    doc_of_hash = {h: d for d, h in doc_hash.items()}
    sads = {}
    for sad in set(sad_of.values()):
        claims = sad_claims(sad)
        hashes = sorted(base64.b64decode(h).hex() for h in claims["hashes"])
        sads[sad] = {"jti": claims["jti"], "hashes": hashes}
    sad_of_jti = {s["jti"]: name for name, s in sads.items()}
    batches = {name for name, s in sads.items() if len(s["hashes"]) > 1}

    # The outputs: no document twice, across every node and run.
    signed = {}  # doc id -> (run index, signature)
    for index, run in enumerate(runs):
        run["docs"] = set()
        for line in open(run["out"]):
            doc_id, signature = line.split()
            if doc_id not in doc_hash:
                fail(f"{run['out']}: a signature of an unknown document {doc_id}")
                continue
            if doc_id in signed:
                fail(f"document {doc_id} signed twice: in {runs[signed[doc_id][0]]['out']} "
                     f"and {run['out']}")
            signed[doc_id] = (index, bytes.fromhex(signature))
            run["docs"].add(doc_id)

    # Every signature verifies under the key.
    def verify(item):
        doc_id, (_, signature) = item
        with tempfile.NamedTemporaryFile(suffix=".der") as f:
            f.write(der(signature))
            f.flush()
            done = subprocess.run(["openssl", "dgst", "-sha256", "-verify", "key.pub.pem",
                                   "-signature", f.name, f"docs/{doc_id}.doc"],
                                  capture_output=True)
        return doc_id, done.returncode == 0
    with ThreadPoolExecutor(2) as pool:
        for doc_id, ok in pool.map(verify, sorted(signed.items())):
            if not ok:
                fail(f"the signature of document {doc_id} does not verify")

    # The audit chains: one `sign ok` record per hash at most, each by the process that output
    # that signature; the batch claims.
    sign_ok = {}  # hash -> [(node, pid)]
    claims = {}  # batch SAD -> [(node, pid, claimed, total)]
    for node in sorted({r["node"] for r in runs}):
        for line in open(f"audit-{node}.jsonl"):
            record = json.loads(line)
            if record["event"] == "sign" and record["outcome"] == "ok":
                found = re.search(r" hash=[A-Za-z0-9-]+:([0-9a-f]+)", record["detail"])
                if not found or found.group(1) not in doc_of_hash:
                    fail(f"a sign record of no document of the test on {node}: {line.strip()}")
                    continue
                sign_ok.setdefault(found.group(1), []).append((node, record["pid"]))
            elif record["event"] == "sad-claim" and record["outcome"] == "ok":
                found = re.match(r"(\d+) of (\d+) hashes claimed", record["detail"])
                if not found or record["jti"] not in sad_of_jti:
                    fail(f"a sad-claim record of no batch of the test on {node}: {line.strip()}")
                    continue
                claims.setdefault(sad_of_jti[record["jti"]], []).append(
                    (node, record["pid"], int(found.group(1)), int(found.group(2))))
    for h, records in sign_ok.items():
        if len(records) > 1:
            fail(f"document {doc_of_hash[h]} has {len(records)} sign ok records: {records}")
    for run in runs:
        mine = {doc_of_hash[h] for h, records in sign_ok.items()
                if (run["node"], run["pid"]) in records}
        if not run["docs"] <= mine:
            fail(f"{run['out']}: signatures without their sign ok record: "
                 f"{sorted(run['docs'] - mine)}")
        if not run["killed"] and mine - run["docs"]:
            fail(f"{run['out']}: sign ok records of signatures it did not output: "
                 f"{sorted(mine - run['docs'])}")
    # A batch is claimed whole, once, by one process, which signs every document of it it signs.
    claimer = {}
    for batch in sorted(batches):
        won = [c for c in claims.get(batch, []) if c[2] > 0]
        if len(won) != 1 or won[0][2] != won[0][3]:
            fail(f"batch {batch} was not claimed whole by one process: {claims.get(batch)}")
            continue
        claimer[batch] = won[0][:2]
        for h in sads[batch]["hashes"]:
            for record in sign_ok.get(h, []):
                if record != claimer[batch]:
                    fail(f"document {doc_of_hash[h]} of batch {batch} claimed by {claimer[batch]}"
                         f" was signed by {record}")

    # The spent hashes: every document's, and nothing else. A document with no signature is
    # one whose hash the killed process spent (at most once): it recorded the signature and died
    # before its output, or it claimed the batch and died before signing that document.
    spent = set(open("spent.txt").read().split())
    if spent != set(doc_hash.values()):
        fail(f"{len(spent)} spent hashes; {len(set(doc_hash.values()) - spent)} documents unspent, "
             f"{len(spent - set(doc_hash.values()))} spent hashes of no document")
    killed = [(r["node"], r["pid"]) for r in runs if r["killed"]]
    unsigned = sorted(set(doc_hash) - set(signed), key=int)
    recorded_lost, claimed_lost = [], []
    for doc_id in unsigned:
        h, sad = doc_hash[doc_id], sad_of[doc_id]
        if h not in spent:
            fail(f"document {doc_id} is neither signed nor spent")
        if sign_ok.get(h, [None])[0] in killed:
            recorded_lost.append(doc_id)
        elif h not in sign_ok and claimer.get(sad) in killed:
            claimed_lost.append(doc_id)
        else:
            fail(f"document {doc_id} is not signed, and the killed process did not spend it "
                 f"(sign ok: {sign_ok.get(h)}, claim: {claimer.get(sad)})")
    if mode == "race" and unsigned:
        fail(f"{len(unsigned)} documents unsigned: {unsigned[:20]}")

    by_run = ", ".join(f"{r['node']}{' (killed)' if r['killed'] else ''} {len(r['docs'])}"
                       for r in runs)
    print(f"postgres_race_check: {len(signed)} of {len(doc_hash)} documents signed once each "
          f"({by_run}); {len(sign_ok)} sign ok records; {len(batches)} batches claimed whole "
          f"once; {len(spent)} spent hashes")
    if killed:
        print(f"postgres_race_check: spent by the killed process and left unsigned: "
              f"{len(unsigned)} ({len(recorded_lost)} recorded as signed before its output, "
              f"{len(claimed_lost)} of batches it claimed): {unsigned}")
    for message in failures:
        print("FAIL: " + message, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
