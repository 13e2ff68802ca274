#!/usr/bin/env bash
# Three signing nodes on one PostgreSQL database race for the same SADs through the real module.
# One token (`samp11 init --database ... --node node-a`); node-b and node-c are the same
# configuration with another `database.node`. 300 documents: 200 under a SAD of one hash each, 100
# under 10 batch SADs of 10 hashes. Each node is one race_signer process of 8 threads, every
# thread trying every document (C_SignInit, C_Login(CKU_CONTEXT_SPECIFIC, SAD), C_Sign), so that
# every SAD is raced for by 24 sessions of 3 nodes. postgres_race_check.py then checks the
# outputs against the audit chains and the spent hashes.
#
#   race: every document signed exactly once, every signature verifies, `audit verify` finds the
#         three chains intact, one `sign ok` record per document hash, and the only refusal is
#         the spent hash's (C_Sign: CKR_FUNCTION_REJECTED).
#   kill: node-a is killed with SIGKILL once its output shows 10 signatures; node-b and node-c
#         finish; node-a is started again on the same work and finishes. No document signed
#         twice, every signature verifies, every chain intact (node-a's too, after its restart),
#         and every document is signed unless the killed process had spent its hash (a `sign ok`
#         record of its own with no signature in its output, or a hash of a batch it claimed and
#         did not sign): at most once. Those are counted and must be exactly the spent hashes
#         with no signature.
# Usage: postgres_race_test.sh BUILD_DIR RACE_SIGNER race|kill
set -euo pipefail
# (no grep -q at the end of a pipe: the writer may get SIGPIPE, and pipefail fails the match.)
build=$(realpath "$1")
signer=$(realpath "$2")
mode=$3
samp11="$build/samp11"
module="$build/libsamp11.so"
here=$(dirname "$(realpath "$0")")
# shellcheck source=pg_cluster.sh
. "$here/pg_cluster.sh"
work=$(mktemp -d)
chmod 0711 "$work"  # the server runs as postgres in a folder below
cleanup() {
  # Signers still running after a failure: this shell's own jobs, not yet waited for.
  local pid
  for pid in $(jobs -p); do kill -9 "$pid" 2>/dev/null || true; done
  pg_stop "$work/pg"
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
[[ $mode == race || $mode == kill ]] || fail "mode is race or kill, not $mode"
started=$SECONDS
pg_start "$work/pg"

export SAMP11_CONF="$work/node-a.json"
"$samp11" init --label race --database "$pg_conninfo" --node node-a \
  --master-key "$work/m.key" >init.txt || { cat init.txt; fail "init --database"; }
/usr/bin/python3 - <<'PY'
import json
config = json.load(open("node-a.json"))
for node in ("node-b", "node-c"):
    config["tokens"][0]["database"]["node"] = node
    json.dump(config, open(node + ".json", "w"), indent=2)
PY
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out dev.pem 2>/dev/null
openssl pkey -in dev.pem -pubout -out dev.pub.pem
"$samp11" signer add alice --activation-key dev.pub.pem --kid alice-dev >/dev/null
"$samp11" key generate --signer alice --type ec-p256 --id 7ace0001 --public-key key.pub.pem \
  >/dev/null
AUD=$("$samp11" token info --identity)
export AUD

# The documents and their SADs (the audience given, so that issuing opens no database).
singles=200
batches=10
batch_size=10
docs=$((singles + batches * batch_size))
mkdir docs sads
for i in $(seq 0 $((docs - 1))); do echo "race document $i" >"docs/$i.doc"; done
# One line a SAD: its name, then its documents as --hash-file options.
{
  for i in $(seq 0 $((singles - 1))); do echo "s$i --hash-file docs/$i.doc"; done
  for b in $(seq 0 $((batches - 1))); do
    line="b$b"
    for k in $(seq 0 $((batch_size - 1))); do
      line+=" --hash-file docs/$((singles + b * batch_size + k)).doc"
    done
    echo "$line"
  done
} >sad-list.txt
xargs -P 2 -L 1 sh -c 'name=$1; shift; "$0" sad issue --device-key dev.pem --kid alice-dev \
  --signer alice --key-id 7ace0001 --aud "$AUD" "$@" >"sads/$name.sad"' "$samp11" <sad-list.txt
# The work list: "ID SAD DOC" a document, in an order of its own (fixed), so that batch documents
# lie among the others.
/usr/bin/python3 - "$singles" "$batches" "$batch_size" <<'PY'
import random, sys
singles, batches, size = map(int, sys.argv[1:])
items = [f"{i} sads/s{i}.sad docs/{i}.doc" for i in range(singles)]
for b in range(batches):
    for k in range(size):
        i = singles + b * size + k
        items.append(f"{i} sads/b{b}.sad docs/{i}.doc")
random.Random(20).shuffle(items)
open("work.txt", "w").write("\n".join(items) + "\n")
PY
setup_seconds=$((SECONDS - started))

threads=8
# run NODE OUT: a race_signer for NODE in the background (its pid in $!).
run() {
  SAMP11_CONF="$work/$1.json" "$signer" "$module" 7ace0001 work.txt "$2" $threads \
    >"$2.report" 2>"$2.err" &
}
# finish PID OUT: waits for a race_signer; its refusals are the spent hash's only.
finish() {
  local rc=0
  wait "$1" || rc=$?
  [[ $rc -eq 0 ]] || { cat "$2.err" "$2.report" >&2; fail "the signer of $2 exited $rc"; }
}
declare -A pid_of
race_started=$SECONDS
touch a.out  # polled below, maybe before its signer made it
for node in a b c; do
  run "node-$node" "$node.out"
  pid_of[$node]=$!
done
if [[ $mode == kill ]]; then
  # Killed once its output shows 10 signatures (polled: what decides is the output, not a time).
  while [[ $(wc -l <a.out) -lt 10 ]]; do
    kill -0 "${pid_of[a]}" 2>/dev/null || { cat a.out.err; fail "node-a ended before it was killed"; }
    sleep 0.01
  done
  kill -9 "${pid_of[a]}"
  rc=0
  wait "${pid_of[a]}" 2>/dev/null || rc=$?  # (no "Killed" notice)
  [[ $rc -eq 137 ]] || fail "node-a was to die of SIGKILL, exited $rc"
  echo "node-a killed with $(wc -l <a.out) signatures in its output"
fi
finish "${pid_of[b]}" b.out
finish "${pid_of[c]}" c.out
if [[ $mode == race ]]; then
  finish "${pid_of[a]}" a.out
  runs="node-a:${pid_of[a]}:a.out node-b:${pid_of[b]}:b.out node-c:${pid_of[c]}:c.out"
else
  # node-a again, on the same work, after the others finished.
  run node-a a2.out
  pid_of[a2]=$!
  finish "${pid_of[a2]}" a2.out
  runs="node-a:${pid_of[a]}:a.out:killed node-a:${pid_of[a2]}:a2.out"
  runs+=" node-b:${pid_of[b]}:b.out node-c:${pid_of[c]}:c.out"
fi
race_seconds=$((SECONDS - race_started))
for out in a.out a2.out b.out c.out; do
  if [[ -f $out.report ]]; then sed "s/^/$out: /" "$out.report"; fi
done

# Every node's chain, from each node.
for node in a b c; do
  out=$(SAMP11_CONF="$work/node-$node.json" "$samp11" audit verify) ||
    fail "audit verify from node-$node: $out"
  for chain in node-a node-b node-c; do
    grep "^node $chain: audit log: .*, intact" <<<"$out" >/dev/null ||
      fail "audit verify from node-$node on $chain: $out"
  done
done
echo "$out"
for node in a b c; do
  SAMP11_CONF="$work/node-$node.json" "$samp11" audit show --json >"audit-node-$node.jsonl"
done
pg_as "$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -At \
  -c "SELECT encode(hash, 'hex') FROM samp11.spent_hashes" >spent.txt
# shellcheck disable=SC2086
/usr/bin/python3 "$here/postgres_race_check.py" "$work" "$mode" $runs
echo "postgres_race ($mode): $docs documents, 3 nodes x $threads threads;" \
  "setup ${setup_seconds} s, race ${race_seconds} s, checks $((SECONDS - started - setup_seconds - race_seconds)) s"
