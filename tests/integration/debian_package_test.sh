#!/usr/bin/env bash
# The Debian package, as an operator gets it: built from this tree with dpkg-buildpackage,
# lintian clean of errors, installed with apt on this machine, then used as docs/deployment.md
# says. The operator makes a token as the user samp11; the service is started from the installed
# unit (by systemd where it runs, else its Exec lines as the unit's user and groups); a signing
# application's user in samp11-clients signs through p11-kit-proxy.so, which reaches the service
# through the registered socket; a user outside the group sees no token and no key file. Then the
# package is purged, and everything the test made goes with it.
#
# It installs packages and users, so it runs only as root, and refuses to touch a machine where
# samp11 is already installed. Usage: debian_package_test.sh SOURCE_DIR
set -euo pipefail
source_dir=$(realpath "$1")
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
if [ "$(id -u)" != 0 ]; then
  echo "debian_package_test: skipped: it installs a package and users, so it runs as root"
  exit 77
fi
for p in dpkg-buildpackage dh lintian pandoc apt-get pkcs11-tool openssl cc; do
  command -v "$p" >/dev/null || fail "$p is missing: scripts/install-deps.sh installs it"
done
if dpkg-query -W -f='${db:Status-Status}' samp11 2>/dev/null | grep -q installed; then
  fail "samp11 is installed on this machine; this test installs and purges its own"
fi
proxy=/usr/lib/x86_64-linux-gnu/p11-kit-proxy.so
socket=/run/samp11/pkcs11.sock

work=$(mktemp -d)
chmod 0755 "$work"
made_users=() made_dirs=() server_pids=()
for d in /etc/samp11 /var/lib/samp11 /run/samp11; do [ -e "$d" ] || made_dirs+=("$d"); done
for u in samp11 signapp outsider; do id "$u" >/dev/null 2>&1 || made_users+=("$u"); done
getent group samp11-clients >/dev/null && had_clients_group=1 || had_clients_group=0
cleanup() {
  set +e
  if [ -d /run/systemd/system ]; then systemctl stop samp11 2>/dev/null; fi
  for pid in "${server_pids[@]}"; do kill "$pid" 2>/dev/null; done
  pkill -u samp11 -f -- "--name $socket" 2>/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq samp11 samp11-dev >/dev/null 2>&1
  for u in "${made_users[@]}"; do userdel "$u" 2>/dev/null; done
  [ "$had_clients_group" = 1 ] || groupdel samp11-clients 2>/dev/null
  [ "${#made_dirs[@]}" = 0 ] || rm -rf "${made_dirs[@]}"
  if [ -n "${SAMP11_KEEP_TEST_DIR:-}" ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
cd "$work"

# --- Build, from a copy of the tree (dpkg-buildpackage writes beside its source folder).
mkdir src
if git -C "$source_dir" rev-parse --git-dir >/dev/null 2>&1; then
  (cd "$source_dir" && git ls-files -co --exclude-standard -z) |
    (cd "$source_dir" && tar --null -cf - -T -) | tar -xf - -C src
else
  tar -C "$source_dir" --exclude='./build*' -cf - . | tar -xf - -C src
fi
project_version=$(sed -n 's/^project(samp11 VERSION \([0-9.]*\).*/\1/p' src/CMakeLists.txt)
package_version=$(cd src && dpkg-parsechangelog -S Version)
[ "$package_version" = "$project_version" ] ||
  fail "debian/changelog says $package_version, CMakeLists.txt $project_version"
(cd src && dpkg-buildpackage -b -us -uc -j"$(nproc)") >build.log 2>&1 ||
  { tail -40 build.log; fail "dpkg-buildpackage"; }
arch=$(dpkg --print-architecture)
deb="$work/samp11_${package_version}_${arch}.deb"
dev_deb="$work/samp11-dev_${package_version}_${arch}.deb"
[ -f "$deb" ] && [ -f "$dev_deb" ] || { ls; fail "the packages were not built"; }

# --- lintian: no error (its warnings and notes are printed for the log).
lintian --fail-on error --display-info "samp11_${package_version}_${arch}.changes" >lintian.txt 2>&1 ||
  { cat lintian.txt; fail "lintian found errors"; }
cat lintian.txt

# --- What each package holds.
dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|' >contents.txt
dpkg-deb -c "$dev_deb" | awk '{print $6}' | sed 's|^\./|/|' >dev-contents.txt
for f in /usr/bin/samp11 "/usr/lib/x86_64-linux-gnu/pkcs11/libsamp11.so.0.${project_version#0.}" \
  /usr/share/p11-kit/modules/samp11.module /lib/systemd/system/samp11.service \
  /usr/lib/sysusers.d/samp11.conf /usr/lib/tmpfiles.d/samp11.conf \
  /usr/share/man/man1/samp11.1.gz /usr/share/man/man5/samp11.json.5.gz \
  /usr/share/bash-completion/completions/samp11 /usr/share/doc/samp11/examples/samp11.json \
  /usr/share/doc/samp11/deployment.md.gz; do
  grep -qx "$f" contents.txt || { cat contents.txt; fail "samp11 lacks $f"; }
done
for f in /usr/include/samp11/samp11_vendor.h /usr/lib/x86_64-linux-gnu/pkgconfig/samp11.pc; do
  grep -qx "$f" dev-contents.txt || { cat dev-contents.txt; fail "samp11-dev lacks $f"; }
done

# --- Install with apt (which brings p11-kit and the sysusers/tmpfiles tools).
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$deb" "$dev_deb" >install.log 2>&1 ||
  { cat install.log; fail "apt-get install"; }
id samp11 >/dev/null || fail "no user samp11"
[ "$(getent passwd samp11 | cut -d: -f7)" = /usr/sbin/nologin ] || fail "samp11 has a login shell"
id -nG samp11 | grep -qw samp11-clients || fail "samp11 is not in samp11-clients"
[ "$(stat -c '%U:%G %a' /var/lib/samp11)" = "samp11:samp11 700" ] ||
  fail "/var/lib/samp11 is $(stat -c '%U:%G %a' /var/lib/samp11)"
[ "$(stat -c '%U:%G %a' /etc/samp11)" = "root:samp11 770" ] ||
  fail "/etc/samp11 is $(stat -c '%U:%G %a' /etc/samp11)"
grep -qx "remote: unix:path=$socket" /usr/share/p11-kit/modules/samp11.module ||
  fail "samp11.module does not name the service's socket"
zcat /usr/share/man/man5/samp11.json.5.gz | grep -q '^\.TH "SAMP11.JSON" "5"' ||
  fail "samp11.json(5) is not a man page"
zcat /usr/share/man/man1/samp11.1.gz | grep -q '^\.TH' || fail "samp11(1) is not a man page"
samp11 --version | grep -q "$project_version" || fail "samp11 --version"
if command -v systemd-analyze >/dev/null; then
  systemd-analyze verify /lib/systemd/system/samp11.service >verify.txt 2>&1 ||
    { cat verify.txt; fail "systemd-analyze verify samp11.service"; }
fi

# --- samp11-dev: the vendor header and the module's path, through pkg-config.
cat >vendor.c <<'EOF'
#include <dlfcn.h>
#include <stdio.h>
#include <samp11_vendor.h>
#include <p11-kit/pkcs11.h>
int main(int argc, char** argv) {
  void* module = dlopen(argv[argc - 1], RTLD_NOW);
  CK_C_GetFunctionList get = module ? (CK_C_GetFunctionList)dlsym(module, "C_GetFunctionList") : 0;
  CK_FUNCTION_LIST_PTR list = 0;
  if (!get || get(&list) != CKR_OK) return 1;
  printf("%#lx %lu.%lu\n", (unsigned long)CKO_SAMP11_SAD, (unsigned long)list->version.major,
         (unsigned long)list->version.minor);
  return 0;
}
EOF
# shellcheck disable=SC2046  # word splitting of pkg-config's flags is meant
cc -o vendor vendor.c $(pkg-config --cflags samp11 p11-kit-1) -ldl || fail "vendor.c does not build"
module=$(pkg-config --variable=module samp11)
[ -f "$module" ] || fail "pkg-config's module $module is not there"
./vendor "$module" | grep -q "^0xd3414400 " || fail "CKO_SAMP11_SAD through samp11.pc"

# --- The operator makes a token, a signer and a key, as the service's user.
as_samp11() { runuser -u samp11 -- env SAMP11_CONF=/etc/samp11/samp11.json "$@"; }
openssl genpkey -algorithm ED25519 -out dev.pem 2>/dev/null
openssl pkey -in dev.pem -pubout -out dev.pub.pem
chmod 0644 dev.pem dev.pub.pem  # the test plays the signer's device, and also runs as samp11
as_samp11 samp11 init --label signing --keystore /var/lib/samp11/signing.db \
  --master-key /etc/samp11/signing.key >init.txt || { cat init.txt; fail "samp11 init as samp11"; }
as_samp11 samp11 signer add alice --activation-key "$work/dev.pub.pem" >/dev/null
install -d -o samp11 out  # what the operator's commands write for the test to read
as_samp11 samp11 key generate --signer alice --type ec-p256 --id ec01 \
  --public-key "$work/out/ec01.pub.pem" >/dev/null
[ "$(stat -c '%U %a' /etc/samp11/signing.key)" = "samp11 600" ] || fail "the master key's mode"

# --- The service, from the installed unit.
unit=/lib/systemd/system/samp11.service
if [ -d /run/systemd/system ]; then
  systemctl start samp11 || { journalctl -u samp11 --no-pager | tail -20; fail "systemctl start"; }
else
  # No systemd here (a container): what systemd would do, read from the unit itself.
  value() { sed -n "s/^$1=//p" "$unit"; }
  [ "$(value User)" = samp11 ] && [ "$(value Group)" = samp11 ] || fail "the unit's user"
  groups=$(value SupplementaryGroups)
  env_args=()
  while read -r assignment; do env_args+=("$assignment"); done < <(value Environment)
  install -d -o samp11 -g samp11 -m "$(value RuntimeDirectoryMode)" "/run/$(value RuntimeDirectory)"
  as_unit() {
    setpriv --reuid=samp11 --regid=samp11 --groups="$groups" --inh-caps=-all \
      env -i PATH=/usr/sbin:/usr/bin "${env_args[@]}" "$@"
  }
  read -ra start <<<"$(value ExecStart)"
  as_unit "${start[@]}" >server.log 2>&1 || { cat server.log; fail "the unit's ExecStart"; }
  while read -ra post; do
    as_unit "${post[@]}" || {
      # Seen twice in CI before samp11-socket-ready waited: no socket yet when chgrp ran.
      cat server.log; ls -la /run/samp11; ps -ef | grep -v grep | grep -E "p11-kit|samp11" || true
      fail "the unit's ExecStartPost ${post[*]}"
    }
  done < <(value ExecStartPost)
  # p11-kit server renames itself "server": found by its socket.
  mapfile -t server_pids < <(pgrep -u samp11 -f -- "--name $socket" || true)
  [ "${#server_pids[@]}" -gt 0 ] || fail "the unit's server is not running"
fi
[ -S "$socket" ] || fail "no socket $socket"
[ "$(stat -c '%U:%G %a' "$socket")" = "samp11:samp11-clients 660" ] ||
  fail "the socket is $(stat -c '%U:%G %a' "$socket")"

# --- A signing application's user, and one outside the group.
home_of() { echo "$work/home-$1"; }
for u in signapp outsider; do
  id "$u" >/dev/null 2>&1 || useradd --no-create-home --home-dir "$(home_of "$u")" \
    --shell /usr/sbin/nologin "$u"
  install -d -o "$u" "$(home_of "$u")"
done
usermod -aG samp11-clients signapp
as() { local u=$1; shift; runuser -u "$u" -- env HOME="$(home_of "$u")" "$@"; }

echo "a contract signed through the samp11 package" >doc
openssl dgst -sha256 -binary doc >doc.h
chmod 0644 doc doc.h
as signapp pkcs11-tool --module "$proxy" --list-slots >slots.txt 2>&1 || { cat slots.txt; fail proxy; }
grep -q "token label *: signing" slots.txt || { cat slots.txt; fail "signapp does not see the token"; }
sad=$(as_samp11 samp11 sad issue --device-key "$work/dev.pem" --signer alice --key-id ec01 \
  --hash-file "$work/doc")
sign() {
  as signapp pkcs11-tool --module "$proxy" --token-label signing --login --pin "$1" --sign \
    -m ECDSA --id ec01 -i "$work/doc.h" -o "$(home_of signapp)/doc.sig" --signature-format openssl
}
sign "$sad" >sign.txt 2>&1 || { cat sign.txt; fail "signapp could not sign through the proxy"; }
openssl pkeyutl -verify -pubin -inkey out/ec01.pub.pem -in doc.h -sigfile "$(home_of signapp)/doc.sig" |
  grep -q "Signature Verified Successfully" || fail "the signature does not verify"
if sign "$sad" >replay.txt 2>&1; then fail "a spent SAD signed again"; fi
# pkcs11-tool retries a refused C_Sign of CKM_ECDSA through C_SignUpdate and reports that
# (docs/return-codes.md); the audit log names the refusal itself, and the signature before it.
as_samp11 samp11 audit show --event sign --last 2 >audit.txt
grep -q " sign ok signer=alice key=ec01 " audit.txt || { cat audit.txt; fail "no signature"; }
grep -q " sign refused signer=alice key=ec01 .* : rejected: hash already spent" audit.txt ||
  { cat replay.txt audit.txt; fail "the replay was not refused as spent"; }
# The application's user holds nothing of the token: not the keystore, not the master key.
if as signapp cat /etc/samp11/signing.key >/dev/null 2>&1; then fail "signapp reads the master key"; fi
if as signapp ls /var/lib/samp11 >/dev/null 2>&1; then fail "signapp reads the keystores"; fi
as outsider pkcs11-tool --module "$proxy" --list-slots >outsider.txt 2>&1 || true
if grep -q "token label *: signing" outsider.txt; then fail "a user outside samp11-clients sees the token"; fi
as_samp11 samp11 audit verify >/dev/null || fail "audit verify"

# --- Purge: the package's files go; the operator's keystore and keys are never a package's to
# remove (a purge must not destroy signing keys), and the test removes them itself.
if [ -d /run/systemd/system ]; then systemctl stop samp11; fi
for pid in "${server_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq samp11 samp11-dev >purge.log 2>&1 ||
  { cat purge.log; fail "apt-get purge"; }
for f in /usr/bin/samp11 /usr/share/p11-kit/modules/samp11.module "$module"; do
  [ ! -e "$f" ] || fail "$f is left after the purge"
done
[ -f /var/lib/samp11/signing.db ] || fail "the purge removed the operator's keystore"
echo "debian_package_test: ok"
