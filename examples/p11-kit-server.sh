#!/usr/bin/env bash
# Run samp11 out of the application's process: p11-kit server loads the module (one
# p11-kit-remote per connection) and listens on SOCKET; the application loads
# /usr/lib/x86_64-linux-gnu/pkcs11/p11-kit-client.so with P11_KIT_SERVER_ADDRESS set, and keys
# and keystore stay with the server's user. Prints the two variables to eval, and returns once
# the socket is ready. docs/deployment.md has the same as a systemd service under its own user.
# Usage: eval "$(examples/p11-kit-server.sh MODULE TOKEN SOCKET)"
#        pkcs11-tool --module /usr/lib/x86_64-linux-gnu/pkcs11/p11-kit-client.so --list-slots
#        kill "$P11_KIT_SERVER_PID"
set -euo pipefail
module=$1 token=$2 socket=$3
exec p11-kit server --sh --provider "$module" --name "$socket" "pkcs11:token=$token"
