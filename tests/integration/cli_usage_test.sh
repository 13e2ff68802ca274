#!/usr/bin/env bash
# The samp11 command line's front door: --version; usage errors (a mistyped command, a missing
# subcommand, an unknown option) said as "samp11: error: ..." with exit 1 and a pointer to the
# right --help; the exit statuses in --help; --conf accepted after the subcommand; a failed init
# that leaves no master key file behind (so the corrected retry works); a device key given as an
# inline JWK; and `audit show --last N` over a log longer than its first window.
# Usage: cli_usage_test.sh SAMP11_CLI
set -euo pipefail
samp11=$(realpath "$1")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
unset SAMP11_CONF
fail() { echo "FAIL: $*" >&2; exit 1; }
# run EXPECTED_EXIT ARGS...: runs samp11, keeps stdout in out and stderr in err.
run() {
  local want=$1 rc=0
  shift
  "$samp11" "$@" >out 2>err || rc=$?
  [[ $rc -eq $want ]] || fail "samp11 $*: exit $rc, not $want: $(cat out err)"
}

run 0 --version
[[ $(cat out) =~ ^samp11\ [0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "--version said: $(cat out)"

run 0 --help
grep -q '^Exit status: 0 done; 1 refused' out || fail "--help does not give the exit statuses"

# A log setting the command cannot obey stops it before it does anything (exit 1), named.
SAMP11_LOG_LEVEL=loud run 1 --version
grep -q "samp11: error: SAMP11_LOG_LEVEL='loud' is not one of error, warn, info, debug" err ||
  fail "bad log level: $(cat err)"
SAMP11_LOG_FILE="$work/no/such/folder/log" run 1 --version
grep -q "SAMP11_LOG_FILE '$work/no/such/folder/log' cannot be opened" err ||
  fail "bad log file: $(cat err)"
SAMP11_LOG_LEVEL=debug SAMP11_LOG_FILE="$work/cli.log" run 0 --version
SAMP11_LOG_FORMAT=yaml run 1 --version
grep -q "samp11: error: SAMP11_LOG_FORMAT='yaml' is not one of text, json" err ||
  fail "bad log format: $(cat err)"
SAMP11_LOG_TARGET="syslog:$work/no-socket" run 1 --version
grep -q "SAMP11_LOG_TARGET: the syslog socket '$work/no-socket' does not take messages" err ||
  fail "bad syslog socket: $(cat err)"

run 1 inti --label x
grep -qx "samp11: error: unknown command 'inti'" err || fail "a mistyped command: $(cat err)"
grep -qx "Run 'samp11 --help' for its usage." err || fail "no pointer to --help: $(cat err)"

run 1 key
grep -qx "samp11: error: A subcommand is required" err || fail "key alone: $(cat err)"
grep -qx "Run 'samp11 key --help' for its usage." err || fail "key alone, hint: $(cat err)"

run 1 key list --no-such-option
grep -q "^samp11: error: .*--no-such-option" err || fail "an unknown option: $(cat err)"
grep -qx "Run 'samp11 key list --help' for its usage." err || fail "unknown option, hint: $(cat err)"

# A keystore path that cannot be made: init fails, and takes its new master key file back.
run 2 init --label t --keystore "$work/no/such/folder/t.db" --master-key m.key --conf c.json
grep -q "^samp11: error: " err || fail "the failed init said: $(cat err)"
[[ ! -e m.key ]] || fail "a failed init left its master key file behind"
[[ ! -e c.json ]] || fail "a failed init wrote the config"
# A config that cannot be written (its folder would be under a plain file): init says so and
# names the keystore it made, which keeps its master key file.
touch plain
run 2 init --label u --keystore u.db --master-key u.key --conf plain/c.json
grep -q "^samp11: error: .*plain/c.json.*the keystore .*u.db was created and is not in the config" \
  err || fail "an unwritable config: $(cat err)"
[[ -s u.key && -e u.db ]] || fail "the keystore made before the config failed lost its master key"
run 0 init --label t --keystore t.db --master-key m.key --conf c.json
[[ -s m.key ]] || fail "the retried init made no master key file"

# --conf (and --token) after the subcommand, at any depth.
run 0 key list --conf c.json
run 0 audit verify --conf c.json --token t
grep -q "intact" out || fail "audit verify with --conf after it: $(cat out err)"
SAMP11_CONF="$work/c.json" run 0 token info
run 1 token lsit --conf c.json
grep -qx "samp11: error: unknown command 'token lsit'" err || fail "a mistyped subcommand: $(cat err)"
grep -qx "Run 'samp11 token --help' for its usage." err || fail "mistyped subcommand, hint: $(cat err)"
# audit show --last N over more than one window of seqs (for --last 1 the first is 32 wide): an
# enrolment, then 40 refused key generations; the newest records, and the enrolment found by
# walking back.
openssl genpkey -algorithm ED25519 -out dev.pem 2>/dev/null
openssl pkey -in dev.pem -pubout -out dev.pub.pem
run 0 signer add zoe --activation-key dev.pub.pem --conf c.json
# A device key given as a JWK inline, not a file, is registered; a malformed one is refused.
openssl genpkey -algorithm ED25519 -out dev2.pem 2>/dev/null
x=$(openssl pkey -in dev2.pem -pubout -outform DER | tail -c 32 | base64 | tr '+/' '-_' |
  tr -d '=\n')
run 0 signer add-key zoe --activation-key "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"$x\"}" \
  --kid zoe-jwk --conf c.json
run 1 signer add-key zoe --activation-key '{"kty":"OKP"}' --kid zoe-bad --conf c.json
grep -q "^samp11: error: " err || fail "a bad inline JWK: $(cat err)"
for i in $(seq 40); do
  id=$(printf 'b%03x' "$i")
  "$samp11" --conf c.json key generate --signer nobody --type ec-p256 --id "$id" 2>/dev/null &&
    fail "a key for nobody"
done
"$samp11" --conf c.json audit show > all.txt
grep -c ' signer-add ok signer=zoe' all.txt | grep -qx 1 || fail "no enrolment record: $(head -3 all.txt)"
[[ $(grep -c ' key-generate refused ' all.txt) -eq 40 ]] || fail "not 40 refusals recorded"
run 0 audit show --conf c.json --last 1 --event signer-add
[[ $(cat out) == "$(grep ' signer-add ' all.txt)" ]] || fail "--last 1 --event signer-add: $(cat out)"
run 0 audit show --conf c.json --last 35
[[ $(cat out) == "$(tail -n 35 all.txt)" ]] || fail "--last 35"
echo "cli_usage: --version, usage errors, exit statuses, --conf after the subcommand," \
  "init cleanup, audit show --last"
