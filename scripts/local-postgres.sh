#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for the Prefect server (README: "Prefect server on PostgreSQL").
#   scripts/local-postgres.sh start DIR PORT   prints the connection URL for PREFECT_API_DATABASE_CONNECTION_URL
#   scripts/local-postgres.sh stop DIR
set -euo pipefail

usage() { echo "usage: $0 start DIR PORT | stop DIR" >&2; exit 2; }

# Debian keeps the server binaries off PATH, one directory per major version: take the newest.
postgres=$(ls /usr/lib/postgresql/*/bin/postgres 2>/dev/null | sort -V | tail -n 1 || true)
if [[ -z $postgres ]]; then
  echo "$0: no PostgreSQL server under /usr/lib/postgresql; install it with: apt-get install postgresql" >&2
  exit 3
fi
bin=$(dirname "$postgres")

# initdb and postgres refuse to run as root, so root runs them as the postgres user.
as_db() { if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }

start() {
  local dir=$1 port=$2
  mkdir -p "$dir" && dir=$(cd "$dir" && pwd)  # absolute: it also names the socket directory
  cd /  # the postgres user may not be allowed into the caller's directory
  if [[ $(id -u) == 0 ]]; then
    chown postgres: "$dir"
    # pytest's and mktemp's private directories are 0700: postgres must be able to walk every parent.
    as_db test -w "$dir" || { echo "$0: user postgres cannot reach $dir; use one whose parents it may enter, e.g. from mktemp -d" >&2; exit 1; }
  fi
  if [[ -z $(ls -A "$dir") ]]; then
    # Superuser "postgres" whoever runs this; trust only on the socket inside DIR, passwords over TCP.
    as_db "$bin/initdb" -D "$dir" -U postgres --auth-local=trust --auth-host=scram-sha-256 >/dev/null
    printf "listen_addresses = '127.0.0.1'\nunix_socket_directories = '%s'\n" "$dir" >>"$dir/postgresql.conf"
  elif [[ ! -f $dir/PG_VERSION ]]; then
    echo "$0: $dir is neither empty nor a PostgreSQL cluster" >&2; exit 1
  fi
  if as_db "$bin/pg_ctl" -D "$dir" status >/dev/null; then echo "$0: a server is already running in $dir" >&2; exit 1; fi
  as_db "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -o "-p $port" -w -s start \
    || { tail -n 20 "$dir/server.log" >&2; exit 1; }

  psql() { as_db "$bin/psql" -h "$dir" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt "$@"; }
  # Idempotent, so a restarted cluster keeps its role and database.
  [[ -n $(psql -c "SELECT 1 FROM pg_roles WHERE rolname = 'prefect'") ]] \
    || psql -c "CREATE ROLE prefect LOGIN PASSWORD 'prefect'"
  [[ -n $(psql -c "SELECT 1 FROM pg_database WHERE datname = 'prefect'") ]] \
    || psql -c "CREATE DATABASE prefect OWNER prefect"  # owner: PostgreSQL 15+ lets only owners create in schema public
  echo "postgresql+asyncpg://prefect:prefect@127.0.0.1:$port/prefect"
}

stop() {
  local dir=$1
  [[ -f $dir/postmaster.pid ]] || { echo "$0: no server running in $dir" >&2; return 0; }
  dir=$(cd "$dir" && pwd) && cd /
  as_db "$bin/pg_ctl" -D "$dir" -m fast -w -s stop
}

case ${1:-} in
  start) [[ $# == 3 ]] || usage; start "$2" "$3" ;;
  stop) [[ $# == 2 ]] || usage; stop "$2" ;;
  *) usage ;;
esac
