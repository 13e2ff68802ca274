#!/usr/bin/env bash
# p11-kit registration: `cmake --install` into a temporary prefix writes samp11.module naming the
# installed library; with that file in a p11-kit module directory, `p11-kit list-modules` and
# p11-kit-proxy.so (what GnuTLS and Firefox load) see samp11's token, and a signature passes
# through the proxy under a SAD. p11-kit reads per-user module files (~/.config/pkcs11/modules)
# but ignores them for root, so when this runs as root the consumers run as nobody; nothing is
# written outside the test's folder. Usage: consumer_p11kit_install_test.sh BUILD_DIR BINARY_DIR
source "$(dirname "$0")/consumer_common.sh"
proxy=/usr/lib/x86_64-linux-gnu/p11-kit-proxy.so
need cmake p11-kit pkcs11-tool openssl "$proxy"
binary_dir=$(realpath "$2")
chmod 755 "$work"
cmake --install "$binary_dir" --prefix "$work/prefix" >install.log || { cat install.log; fail install; }
registration="$work/prefix/share/p11-kit/modules/samp11.module"
[ -f "$registration" ] || { cat install.log; fail "cmake --install wrote no samp11.module"; }
installed=$(sed -n 's/^module: *//p' "$registration")
[[ $installed == "$work/prefix/"*/pkcs11/libsamp11.so.0 ]] || fail "samp11.module names $installed"
[ -f "$installed" ] || fail "samp11.module names $installed, which was not installed"
grep -q "^critical: no" "$registration" || fail "samp11.module is critical"
# p11-kit reads nothing under that prefix: the install says so, and how to register.
grep -q "samp11: p11-kit does not read $work/prefix/share/p11-kit/modules" install.log ||
  { cat install.log; fail "the install did not say that p11-kit will not read samp11.module"; }
# The default prefix (/usr/local, `sudo cmake --install build`) registers where p11-kit reads:
# its system configuration directory. Staged with DESTDIR, so nothing outside the test's folder.
DESTDIR="$work/dest" cmake --install "$binary_dir" --prefix /usr/local >local.log ||
  { cat local.log; fail "install with the prefix /usr/local"; }
system_registration="$work/dest/etc/pkcs11/modules/samp11.module"
[ -f "$system_registration" ] || { cat local.log; fail "no samp11.module in /etc/pkcs11/modules"; }
grep -q "^module: /usr/local/lib/pkcs11/libsamp11.so.0$" "$system_registration" ||
  fail "the /usr/local registration names $(sed -n 's/^module: *//p' "$system_registration")"
if grep -q "does not read" local.log; then fail "a registration p11-kit reads was called unread"; fi
# A package's prefix (/usr): p11-kit's own module directory.
DESTDIR="$work/dest-usr" cmake --install "$binary_dir" --prefix /usr >usr.log ||
  { cat usr.log; fail "install with the prefix /usr"; }
[ -f "$work/dest-usr/usr/share/p11-kit/modules/samp11.module" ] ||
  { cat usr.log; fail "no samp11.module in /usr/share/p11-kit/modules"; }

# The consumers run as an unprivileged user (themselves, or nobody when this is root), with a
# home of their own in which the installed samp11.module is registered.
home="$work/home"
mkdir -p "$home/.config/pkcs11/modules"
cp "$registration" "$home/.config/pkcs11/modules/"
if [ "$(id -u)" = 0 ]; then
  as_user() { setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME="$home" "$@"; }
else
  as_user() { env HOME="$home" "$@"; }
fi
samp11="$work/prefix/bin/samp11"  # the installed command line, as that user too
t=proxied
[ "$(id -u)" != 0 ] || chown -R nobody:nogroup "$work"
as_user "$samp11" init --label "$t" --keystore "$work/$t.db" --master-key "$work/$t.key" >/dev/null
as_user openssl genpkey -algorithm ED25519 -out dev.pem
as_user openssl pkey -in dev.pem -pubout -out dev.pub.pem
as_user "$samp11" signer add "$signer" --activation-key dev.pub.pem >/dev/null
as_user "$samp11" key generate --signer "$signer" --type ec-p256 --id ec01 \
  --public-key ec01.pub.pem >/dev/null

as_user p11-kit list-modules >modules.txt 2>&1 || { cat modules.txt; fail "p11-kit list-modules"; }
grep -q "^samp11: $installed" modules.txt || { cat modules.txt; fail "p11-kit does not list samp11"; }
grep -q "token: $t" modules.txt || { cat modules.txt; fail "p11-kit does not show the token"; }
as_user pkcs11-tool --module "$proxy" --list-slots >slots.txt 2>&1 || { cat slots.txt; fail proxy; }
grep -q "token label *: $t" slots.txt || { cat slots.txt; fail "the proxy does not show the token"; }
echo "signed through p11-kit-proxy.so" > doc
s=$(as_user "$samp11" sad issue --device-key dev.pem --signer "$signer" --key-id ec01 \
  --hash-file doc)
as_user pkcs11-tool --module "$proxy" --token-label "$t" --login --pin "$s" --sign \
  -m ECDSA-SHA256 --id ec01 -i doc -o doc.sig --signature-format openssl 2>err.txt ||
  { cat err.txt; fail "signing through the proxy"; }
openssl dgst -sha256 -verify ec01.pub.pem -signature doc.sig doc | verified "through the proxy"
if as_user pkcs11-tool --module "$proxy" --token-label "$t" --login --pin "$s" --sign \
  -m ECDSA-SHA256 --id ec01 -i doc -o x.sig 2>err.txt; then fail "a spent SAD through the proxy"; fi
grep -q "CKR_FUNCTION_REJECTED" err.txt || { cat err.txt; fail "replay: wrong refusal"; }
echo "p11-kit registration consumer: all checks passed"
