#!/usr/bin/env bash
# Two signing nodes on one PostgreSQL database, with the real module, CLI and pkcs11-tool: a token
# made with `samp11 init --database` on node A; node B is the same configuration but for its node
# name. Node A signs under a SAD; the same SAD presented on node B signs nothing; a fresh one signs
# there. Verify, from either node, checks every node's chain; `node list` shows both. A node whose
# chain a DBA deleted signs nothing, and verify names it from every node. A connection string with a password is refused
# without the password in the message.
# Usage: postgres_nodes_test.sh BUILD_DIR
set -euo pipefail
# (no grep -q at the end of a pipe: the writer may get SIGPIPE, and pipefail fails the match.)
build=$(realpath "$1")
samp11="$build/samp11"
module="$build/libsamp11.so"
here=$(dirname "$(realpath "$0")")
# shellcheck source=pg_cluster.sh
. "$here/pg_cluster.sh"
work=$(mktemp -d)
chmod 0711 "$work"  # the server runs as postgres in a folder below
cleanup() {
  pg_stop "$work/pg"
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
pg_start "$work/pg"

# A password in the connection string: refused, not repeated, nothing written.
export SAMP11_CONF="$work/refused.json"
rc=0
"$samp11" init --label nodes --database "$pg_conninfo password=hunter2" --node node-a \
  --master-key "$work/refused.key" >out.txt 2>&1 || rc=$?
[[ $rc -ne 0 ]] || fail "a password in the connection string was accepted"
grep "holds a password" out.txt >/dev/null || { cat out.txt; fail "the refusal does not say why"; }
if grep hunter2 out.txt >/dev/null; then fail "the password is in the message"; fi
[[ ! -e refused.json && ! -e refused.key ]] || fail "a refused init left files"
# A token in a file has no nodes to list.
export SAMP11_CONF="$work/file.json"
"$samp11" init --label filed --keystore "$work/file.db" --master-key "$work/file.key" >/dev/null
rc=0
"$samp11" node list >out.txt 2>&1 || rc=$?
[[ $rc -eq 1 ]] || fail "node list of a file token exited $rc"
grep "keeps its state in a file" out.txt >/dev/null || { cat out.txt; fail "node list says"; }

export SAMP11_CONF="$work/a.json"
"$samp11" init --label nodes --database "$pg_conninfo" --node node-a \
  --master-key "$work/m.key" >init.txt || { cat init.txt; fail "init --database"; }
/usr/bin/python3 - <<'PY'
import json, os
config = json.load(open("a.json"))
# Both nodes send their checkpoints to one sink: each line names its node.
config["tokens"][0]["checkpoints"] = {"file": os.path.abspath("shared.checkpoints"),
                                      "every_records": 1}
json.dump(config, open("a.json", "w"), indent=2)
config["tokens"][0]["database"]["node"] = "node-b"
json.dump(config, open("b.json", "w"), indent=2)
PY
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out dev.pem 2>/dev/null
openssl pkey -in dev.pem -pubout -out dev.pub.pem
"$samp11" signer add alice --activation-key dev.pub.pem >/dev/null
"$samp11" key generate --signer alice --type ec-p256 --id a11ce001 --public-key alice.pub.pem \
  >/dev/null
for n in 1 2; do
  echo "document $n" >"doc$n.txt"
  "$samp11" sad issue --device-key dev.pem --signer alice --key-id a11ce001 \
    --hash-file "doc$n.txt" >"sad$n"
done
# sign CONF N SIG: pkcs11-tool on the node of CONF signs docN under sadN.
sign() {
  SAMP11_CONF="$work/$1" pkcs11-tool --module "$module" --login --pin "$(cat "sad$2")" --sign \
    -m ECDSA-SHA256 --id a11ce001 -i "doc$2.txt" -o "$3" --signature-format openssl \
    >"$3.log" 2>&1
}
sign a.json 1 a1.sig || { cat a1.sig.log; fail "node A's signature"; }
openssl dgst -sha256 -verify alice.pub.pem -signature a1.sig doc1.txt >/dev/null ||
  fail "node A's signature does not verify"
rc=0
sign b.json 1 b1.sig || rc=$?
[[ $rc -ne 0 ]] || fail "SAD 1 signed again on node B"
[[ ! -s b1.sig ]] || fail "node B wrote a signature under a spent SAD"
sign b.json 2 b2.sig || { cat b2.sig.log; fail "node B's signature under a fresh SAD"; }
openssl dgst -sha256 -verify alice.pub.pem -signature b2.sig doc2.txt >/dev/null ||
  fail "node B's signature does not verify"

# From either node, verify checks every node's chain, each against its node's checkpoints.
for node in a b; do
  grep "\"node\":\"node-$node\"" shared.checkpoints >/dev/null ||
    { cat shared.checkpoints; fail "no checkpoint of node $node"; }
  out=$(SAMP11_CONF="$work/$node.json" "$samp11" audit verify --checkpoints shared.checkpoints) ||
    fail "verify from node $node: $out"
  for chain in node-a node-b; do
    grep "^node $chain: audit log: .*, intact, holds every checkpoint" <<<"$out" >/dev/null ||
      fail "verify from node $node on $chain: $out"
  done
done
# A checkpoint moved to another node's name no longer verifies (the node is signed).
sed 's/"node":"node-b"/"node":"node-a"/' shared.checkpoints >moved.checkpoints
rc=0
out=$("$samp11" audit verify --checkpoints moved.checkpoints) || rc=$?
[[ $rc -eq 3 ]] || fail "a checkpoint moved to another node passed: $out"
grep "not signed by this token's checkpoint key" <<<"$out" >/dev/null || fail "moved: $out"
out=$(SAMP11_CONF="$work/b.json" "$samp11" node list) || fail "node list: $out"
grep "^node-a  [0-9]* records, last at " <<<"$out" >/dev/null || fail "node list: $out"
grep "^node-b  [0-9]* records, last at .*(this node)$" <<<"$out" >/dev/null || fail "node list: $out"
SAMP11_CONF="$work/b.json" "$samp11" audit show | grep "sign refused" >/dev/null ||
  { SAMP11_CONF="$work/b.json" "$samp11" audit show | tail -5; fail "node B did not record the refusal"; }
nodes=$(pg_as "$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -At \
  -c "SELECT string_agg(node, ',' ORDER BY node) FROM samp11.audit_head")
[[ $nodes == node-a,node-b ]] || fail "the database's chains: $nodes"
spent=$(pg_as "$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -At \
  -c "SELECT count(*) FROM samp11.spent_hashes")
[[ $spent == 2 ]] || fail "$spent spent hashes, not 2"

# A DBA deletes node B's chain: node B's next open does not start a new one over it.
pg_as "$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -q \
  -c "DELETE FROM samp11.audit_log WHERE node = 'node-b'" \
  -c "DELETE FROM samp11.audit_head WHERE node = 'node-b'"
"$samp11" sad issue --device-key dev.pem --signer alice --key-id a11ce001 --hash-file doc2.txt >sad3
cp doc2.txt doc3.txt
rc=0
sign b.json 3 b3.sig || rc=$?
[[ $rc -ne 0 ]] || fail "node B signed with its chain deleted"
grep CKR_DEVICE_ERROR b3.sig.log >/dev/null || { cat b3.sig.log; fail "not CKR_DEVICE_ERROR"; }
rc=0
out=$(SAMP11_CONF="$work/b.json" "$samp11" audit verify) || rc=$?
[[ $rc -eq 3 ]] || fail "verify of node B's deleted chain exited $rc: $out"
grep "the log is empty" <<<"$out" >/dev/null || fail "node B's verify says: $out"
# Node A's verify names it too, and its own chain stays intact.
rc=0
out=$("$samp11" audit verify) || rc=$?
[[ $rc -eq 3 ]] || fail "verify from node A with node B's chain deleted exited $rc: $out"
grep "^node node-a: audit log: .*, intact" <<<"$out" >/dev/null || fail "node A's chain: $out"
grep -A1 "^node node-b: audit log: 0 records, 1 problem" <<<"$out" | grep "the log is empty" \
  >/dev/null || fail "node A's verify on node B's chain: $out"
# Its checkpoints name the loss too.
rc=0
out=$("$samp11" audit verify --checkpoints shared.checkpoints) || rc=$?
[[ $rc -eq 3 ]] || fail "verify --checkpoints of a deleted chain exited $rc: $out"
grep "the log is behind it" <<<"$out" >/dev/null || fail "node B's checkpoints: $out"
# Deleted with its mark, the node looks as if it never signed, but for its checkpoints.
pg_as "$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -q \
  -c "DELETE FROM samp11.meta WHERE name = 'node:node-b'"
rc=0
out=$("$samp11" audit verify --checkpoints shared.checkpoints) || rc=$?
[[ $rc -eq 3 ]] || fail "verify of a node deleted with its mark exited $rc: $out"
grep "of node node-b, which has no chain in the database" <<<"$out" >/dev/null ||
  fail "a node deleted with its mark: $out"
echo "postgres_nodes: OK"
