#!/usr/bin/env bash
# Runs samp11_bench (docs/performance.md): sets up, in a temporary folder, a SoftHSMv2 peer token,
# a samp11 token with keys in its file keystore and in SoftHSM (key backend), SCAL1 keys with a
# PIN, a samp11 token in a PostgreSQL cluster of the run's own (the same signer and key types), the
# cold-start keystores (10 and 1,000,000 keys, cached under BUILD_DIR/bench-cache), and samp11
# behind `p11-kit server`; then runs the whole set and writes bench/results/NAME.json.
# Usage: bench/run.sh [BUILD_DIR] [--smoke] [--name NAME] [--keys N] [--only ROW [--seconds S]]
#   --smoke   a few signatures per row, a 1,000-key keystore, no p11-kit row (CTest bench_smoke)
#   --keys N  the large cold-start keystore's size (default 1000000)
#   --only ROW  for a profiler: only the samp11 row GROUP/MODE/KEY/THREADS (for instance
#             samp11-file/single-sad/ec-p256/2), processes/1 or processes/4, nodes/1 or nodes/2,
#             S seconds per repeat (default 5), no cold-start keystores, no p11-kit, no JSON.
#             BENCH_WRAP is put before the program: BENCH_WRAP="perf record -g -o /tmp/p.data" ...
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../tests/integration/pg_cluster.sh
. "$here/../tests/integration/pg_cluster.sh"
build=build
smoke=0
name=$(date -u +%Y-%m-%d-%H%M)
big_keys=1000000
only_args=()
while [ $# -gt 0 ]; do
  case $1 in
    --smoke) smoke=1 ;;
    --name) name=$2; shift ;;
    --keys) big_keys=$2; shift ;;
    --only) only_args+=(--only "$2"); shift ;;
    --seconds) only_args+=(--only-seconds "$2"); shift ;;
    -*) echo "run.sh: unknown option $1" >&2; exit 1 ;;
    *) build=$1 ;;
  esac
  shift
done
build=$(realpath "$build")
samp11="$build/samp11"
module="$build/libsamp11.so"
bench="$build/bench/samp11_bench"
softhsm=/usr/lib/softhsm/libsofthsm2.so
client=/usr/lib/x86_64-linux-gnu/pkcs11/p11-kit-client.so
for f in "$samp11" "$module" "$bench" "$softhsm"; do
  [ -e "$f" ] || { echo "run.sh: $f is missing (build samp11, samp11_cli, samp11_bench)" >&2; exit 1; }
done
[ -x "$pg_bin/initdb" ] || { echo "run.sh: PostgreSQL 15 ($pg_bin) is missing" >&2; exit 1; }
[ "$smoke" = 1 ] && big_keys=1000
start=$(date +%s)
work=$(mktemp -d)
# The PostgreSQL cluster in a folder of its own, which its server's user may enter; $work stays
# the bench's only.
pg_dir=$(mktemp -d)
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  cd /  # pg_ctl runs as the server's user, who may not enter $work
  pg_stop "$pg_dir"
  rm -rf "$work" "$pg_dir"
}
trap cleanup EXIT
cd "$work"
log() { printf '[%3ds] %s\n' $(($(date +%s) - start)) "$*" >&2; }
quiet() { "$@" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; echo "run.sh: failed: $*" >&2; exit 1; }; }

# SoftHSM: its own configuration; the peer token and the samp11 key backend's inner token.
mkdir tokens
printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' \
  "$work" > softhsm2.conf
export SOFTHSM2_CONF="$work/softhsm2.conf"
peer_pin=$(openssl rand -hex 8)
inner_pin=$(openssl rand -hex 8)
quiet softhsm2-util --init-token --free --label peer --pin "$peer_pin" --so-pin "$(openssl rand -hex 8)"
quiet softhsm2-util --init-token --free --label samp11-inner --pin "$inner_pin" \
  --so-pin "$(openssl rand -hex 8)"
(umask 077 && echo "$inner_pin" > inner.pin)

# Alice's device key (ES256, as in examples/demo.sh) and the samp11 token.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out dev.pem 2>/dev/null
openssl pkey -in dev.pem -pubout -out dev.pub.pem
export SAMP11_CONF="$work/samp11.json"
log "samp11 token: init, signer, keys"
quiet "$samp11" init --label bench --keystore "$work/bench.db" --master-key "$work/master.key"
python3 - "$SAMP11_CONF" "$softhsm" "$work/inner.pin" <<'EOF'
import json, sys
path, module, pin_file = sys.argv[1:]
with open(path) as f:
    config = json.load(f)
config["tokens"][0]["pkcs11_backend"] = {
    "module": module, "token_label": "samp11-inner", "pin_file": pin_file}
with open(path, "w") as f:
    json.dump(config, f, indent=2)
EOF
quiet "$samp11" signer add alice --activation-key dev.pub.pem
scal1_pin=$(openssl rand -hex 8)
SAMP11_PIN=$scal1_pin quiet "$samp11" signer set-pin alice
# CKA_ID: be BACKEND(01 file, 02 softhsm) SCAL(01, 02) TYPE(01..05), as samp11_bench expects.
types=(rsa-2048 rsa-3072 ec-p256 ec-p384 ed25519)
for i in "${!types[@]}"; do
  t=${types[$i]} n=0$((i + 1))
  quiet "$samp11" key generate --signer alice --type "$t" --id "be0102$n" --label "file-$t"
  quiet "$samp11" key generate --signer alice --type "$t" --id "be0202$n" --label "softhsm-$t" \
    --backend softhsm
  case $t in rsa-2048 | ec-p256 | ed25519)
    quiet "$samp11" key generate --signer alice --type "$t" --id "be0101$n" --label "scal1-$t" \
      --scal 1 --max-signatures 1000000 --max-seconds 86400
    quiet "$samp11" key generate --signer alice --type "$t" --id "be0201$n" \
      --label "softhsm-scal1-$t" --scal 1 --max-signatures 1000000 --max-seconds 86400 \
      --backend softhsm ;;
  esac
done
aud=$("$samp11" token info --identity)

# The token in PostgreSQL: a cluster of the run's own with a deployment's settings (fsync and
# synchronous_commit on: the rows pay the real durable cost), the same signer, device key and PIN
# as the file token, keys be03 SCAL TYPE. node-a.json and node-b.json are the configurations of
# its two node processes (the nodes row); the bench itself is node "bench", in all.json beside
# the file token.
log "PostgreSQL token: cluster, init, signer, keys"
cd /  # initdb and pg_ctl run as the server's user, who may not enter $work
pg_start "$pg_dir"
cd "$work"
pg_cli() { SAMP11_CONF="$work/node-a.json" quiet "$samp11" "$@"; }
pg_cli init --label bench-pg --database "$pg_conninfo" --node node-a --master-key "$work/pg.key"
pg_cli signer add alice --activation-key dev.pub.pem
SAMP11_PIN=$scal1_pin pg_cli signer set-pin alice
for i in "${!types[@]}"; do
  t=${types[$i]} n=0$((i + 1))
  pg_cli key generate --signer alice --type "$t" --id "be0302$n" --label "pg-$t"
  case $t in rsa-2048 | ec-p256 | ed25519)
    pg_cli key generate --signer alice --type "$t" --id "be0301$n" --label "pg-scal1-$t" \
      --scal 1 --max-signatures 1000000 --max-seconds 86400 ;;
  esac
done
pg_aud=$(SAMP11_CONF="$work/node-a.json" "$samp11" token info --identity)
python3 - "$work" <<'EOF'
import copy, json, sys
work = sys.argv[1]
with open(f"{work}/node-a.json") as f:
    node_a = json.load(f)
with open(f"{work}/samp11.json") as f:
    both = json.load(f)
def with_node(token, name):
    token = copy.deepcopy(token)
    token["database"]["node"] = name
    return token
node_b = copy.deepcopy(node_a)
node_b["tokens"] = [with_node(node_a["tokens"][0], "node-b")]
both["tokens"].append(with_node(node_a["tokens"][0], "bench"))
for name, config in (("node-b", node_b), ("all", both)):
    with open(f"{work}/{name}.json", "w") as f:
        json.dump(config, f, indent=2)
EOF

# Cold-start keystores: one EC P-256 SCAL2 key c0ffee01 plus N-1 Ed25519 keys b0<counter>,
# cached under the build folder (the 1,000,000-key one takes a while to make).
cache="$build/bench-cache"
mkdir -p "$cache"
coldstart_args=()
cold_sizes=(10 "$big_keys")
[ ${#only_args[@]} -gt 0 ] && cold_sizes=()
for keys in "${cold_sizes[@]}"; do
  dir="$cache/ks-$keys"
  if [ ! -e "$dir/done" ]; then
    log "making the $keys-key keystore in $dir (cached)"
    rm -rf "$dir"
    mkdir -p "$dir"
    cp dev.pem dev.pub.pem "$dir/"
    SAMP11_CONF="$dir/samp11.json" quiet "$samp11" init --label "cold$keys" \
      --keystore "$dir/ks.db" --master-key "$dir/master.key"
    SAMP11_CONF="$dir/samp11.json" quiet "$samp11" signer add alice --activation-key "$dir/dev.pub.pem"
    SAMP11_CONF="$dir/samp11.json" quiet "$samp11" key generate --signer alice --type ec-p256 \
      --id c0ffee01 --label cold
    "$bench" bulk-keys --conf "$dir/samp11.json" --count $((keys - 1)) --prefix b0
    touch "$dir/done"
    log "keystore of $keys keys ready ($(du -sh "$dir" | cut -f1))"
  fi
  # The cold-start SADs are issued with this run's device key: register it if it is new.
  if ! cmp -s dev.pub.pem "$dir/dev.pub.pem"; then
    cp dev.pub.pem "$dir/dev-$name.pub.pem"
    SAMP11_CONF="$dir/samp11.json" quiet "$samp11" signer add-key alice \
      --activation-key "$dir/dev-$name.pub.pem"
  fi
  coldstart_args+=(--coldstart "cold$keys:$dir/samp11.json:$keys")
done

# samp11 out of process: p11-kit server with the module, the bench on p11-kit-client.so.
client_args=()
if [ "$smoke" = 0 ] && [ ${#only_args[@]} = 0 ] && command -v p11-kit >/dev/null && [ -e "$client" ]; then
  eval "$(p11-kit server --sh --provider "$module" --name "$work/p11.sock" "pkcs11:token=bench")"
  server_pid=$P11_KIT_SERVER_PID
  export P11_KIT_SERVER_ADDRESS
  client_args=(--p11kit-client "$client")
fi

fs=$(df -T "$work" | awk 'NR == 2 {print $2}')
machine="nproc=$(nproc), CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), file system of the keystore: $fs ($work)"
mkdir -p "$here/results"
out="$here/results/$name.json"
[ "$smoke" = 1 ] && out="$work/smoke.json"
smoke_args=()
[ "$smoke" = 1 ] && smoke_args=(--smoke)
log "running samp11_bench ($machine)"
# The bench's module loads both tokens (all.json); --conf is the file token's alone.
SAMP11_CONF="$work/all.json" ${BENCH_WRAP:-} "$bench" run --module "$module" --token bench \
  --conf "$work/samp11.json" --device-key dev.pem \
  --aud "$aud" --scal1-login "alice:$scal1_pin" --softhsm "$softhsm" --softhsm-token peer \
  --softhsm-pin "$peer_pin" --keystore-dir "$work" --machine "$machine" --out "$out" \
  --pg-token bench-pg --pg-aud "$pg_aud" --pg-conninfo "$pg_conninfo" \
  --pg-node-conf "$work/node-a.json" --pg-node-conf "$work/node-b.json" \
  "${coldstart_args[@]}" "${client_args[@]}" "${smoke_args[@]}" "${only_args[@]}"
log "done in $(($(date +%s) - start)) s"
