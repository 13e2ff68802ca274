# Sourced by the integration tests that need PostgreSQL: a cluster of the test's own (initdb in a
# folder of the test's, a free port on 127.0.0.1, the socket in that folder, trust for the local
# `postgres` user), as ../shared/postgres.md describes. As root the server runs as the `postgres`
# user the Debian package creates. The caller stops it at exit: pg_stop DIR.
pg_bin=/usr/lib/postgresql/15/bin
pg_as() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
# pg_start DIR: the cluster in DIR (made; its parent must let postgres through); sets pg_port and
# pg_conninfo (database postgres).
pg_start() {
  local dir=$1
  mkdir -p "$dir"
  if [ "$(id -u)" -eq 0 ]; then chown postgres "$dir"; fi
  pg_as "$pg_bin/initdb" -D "$dir/data" -A trust -U postgres --no-sync -E UTF8 --locale=C \
    >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; return 1; }
  local attempt
  for attempt in 1 2 3; do
    pg_port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    if pg_as "$pg_bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
      -o "-p $pg_port -k $dir -c listen_addresses=127.0.0.1" >/dev/null; then
      pg_conninfo="host=127.0.0.1 port=$pg_port user=postgres dbname=postgres"
      return 0
    fi
  done
  cat "$dir/server.log" >&2
  return 1
}
pg_stop() {
  if [ -f "$1/data/postmaster.pid" ]; then
    pg_as "$pg_bin/pg_ctl" -D "$1/data" -w -t 60 -m fast stop >/dev/null || true
  fi
}
