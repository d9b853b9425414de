#!/usr/bin/env bash
# A private PostgreSQL server for Fanout's tests, on 127.0.0.1 only.
#
# Usage: scripts/postgres.sh start|stop|status|env
#   start   install Debian's postgresql package if initdb/pg_ctl are missing (needs root),
#           create the cluster if absent, start it if not running, create role `fanout`
#           (password `fanout`) and database `fanout_test` if absent, then print the
#           variables the tests read, as shell `export` lines:
#             eval "$(scripts/postgres.sh start)"
#   stop    stop the server (the cluster stays on disk; `start` brings it back)
#   status  say whether the server is running, and where
#   env     print the `export` lines only
#
# Settings (environment):
#   FANOUT_PG_DIR   directory of the cluster, its socket and its log (default /tmp/fanout-pg)
#   FANOUT_PG_PORT  TCP port on 127.0.0.1 (default 55432)
#   FANOUT_PG_BIN   directory holding initdb, pg_ctl, psql (default: the newest
#                   /usr/lib/postgresql/<version>/bin)
#
# Run as root, the server runs as the `postgres` OS user (initdb refuses root). Run as
# another user, it runs as that user. Idempotent: running `start` again changes nothing.
# A cluster this script created that no longer starts (or was made by another major version)
# is thrown away and created anew: it holds test data only. Everything but the `export` lines
# goes to stderr.
set -euo pipefail
# runuser, useradd and apt-get live in sbin, which a non-login root shell may lack on its PATH.
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

DIR="${FANOUT_PG_DIR:-/tmp/fanout-pg}"
PORT="${FANOUT_PG_PORT:-55432}"
DATA="$DIR/data"
LOG="$DIR/postgres.log"
SOCK="$DIR" # the unix socket lives beside the data, not in /var/run/postgresql
ROLE=fanout
PASSWORD=fanout
DB=fanout_test

die() { echo "postgres.sh: error: $*" >&2; exit 1; }
log() { echo "postgres.sh: $*" >&2; }

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2; }

case "$PORT" in
  '' | *[!0-9]*) die "FANOUT_PG_PORT must be a port number (got '$PORT')" ;;
esac
case "$DIR" in
  /*) ;;
  *) die "FANOUT_PG_DIR must be an absolute path (got '$DIR')" ;;
esac
# A unix socket path is limited to 107 bytes: "<dir>/.s.PGSQL.<port>".
[ "${#SOCK}" -le 90 ] || die "FANOUT_PG_DIR is too long for a unix socket path (at most 90 characters)"

print_env() {
  printf 'export FANOUT_TEST_PG_URL=%s\n' "jdbc:postgresql://127.0.0.1:$PORT/$DB"
  printf 'export FANOUT_TEST_PG_USER=%s\n' "$ROLE"
  printf 'export FANOUT_TEST_PG_PASSWORD=%s\n' "$PASSWORD"
}

# ---- binaries -----------------------------------------------------------------------
# newest_bin: the newest /usr/lib/postgresql/<version>/bin that has initdb and pg_ctl.
newest_bin() {
  local d best=""
  for d in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V); do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then best="$d"; fi
  done
  printf '%s' "$best"
}

find_bin() {
  if [ -n "${FANOUT_PG_BIN:-}" ]; then
    if [ ! -x "$FANOUT_PG_BIN/initdb" ] || [ ! -x "$FANOUT_PG_BIN/pg_ctl" ]; then
      die "FANOUT_PG_BIN=$FANOUT_PG_BIN has no initdb and pg_ctl"
    fi
    BIN="$FANOUT_PG_BIN"
    return
  fi
  # An existing cluster must be run by the major version that created it.
  if [ -f "$DATA/PG_VERSION" ]; then
    local v
    v="$(cat "$DATA/PG_VERSION")"
    if [ -x "/usr/lib/postgresql/$v/bin/pg_ctl" ]; then
      BIN="/usr/lib/postgresql/$v/bin"
      return
    fi
  fi
  BIN="$(newest_bin)"
}

install_postgres() {
  [ "$(id -u)" = 0 ] \
    || die "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb) and only root can install it: run 'apt-get install postgresql' as root, or set FANOUT_PG_BIN"
  command -v apt-get >/dev/null 2>&1 \
    || die "PostgreSQL is not installed and apt-get is not available: install PostgreSQL and set FANOUT_PG_BIN to its bin directory"
  log "PostgreSQL not found: installing Debian's postgresql package"
  local t0=$SECONDS
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >&2 || die "apt-get update failed"
  apt-get install -y -q --no-install-recommends postgresql >&2 || die "apt-get install postgresql failed"
  log "installed postgresql in $((SECONDS - t0)) s"
}

# ---- who runs the server ------------------------------------------------------------
if [ "$(id -u)" = 0 ]; then
  RUN_USER=postgres
  as_owner() { runuser -u "$RUN_USER" -- "$@"; }
else
  RUN_USER="$(id -un)"
  as_owner() { "$@"; }
fi

ensure_user() {
  [ "$(id -u)" = 0 ] || return 0
  if ! id -u "$RUN_USER" >/dev/null 2>&1; then
    log "creating the system user $RUN_USER"
    useradd --system --user-group --no-create-home --home-dir /var/lib/postgresql \
      --shell /usr/sbin/nologin "$RUN_USER" || die "could not create the OS user $RUN_USER"
  fi
}

ensure_dir() {
  mkdir -p "$DIR"
  if [ "$(id -u)" = 0 ] && [ "$(stat -c %U "$DIR")" != "$RUN_USER" ]; then
    chown -R "$RUN_USER:" "$DIR"
  fi
  chmod 0700 "$DIR"
  as_owner test -w "$DIR" \
    || die "$DIR is not writable by the OS user $RUN_USER (is a parent directory closed to it?): set FANOUT_PG_DIR"
}

# ---- state ----------------------------------------------------------------------------
# running_pid: the pid of this cluster's postmaster, if it is alive; else nothing.
running_pid() {
  local pid
  [ -f "$DATA/postmaster.pid" ] || return 0
  pid="$(head -n 1 "$DATA/postmaster.pid" 2>/dev/null || true)"
  case "$pid" in '' | *[!0-9]*) return 0 ;; esac
  # A pid file left behind by a machine restart may name a pid some other program now has.
  if [ -r "/proc/$pid/comm" ] && [ "$(cat "/proc/$pid/comm")" = postgres ]; then
    printf '%s' "$pid"
  fi
}

# running_port: the port the running postmaster listens on (line 4 of its pid file).
running_port() { sed -n 4p "$DATA/postmaster.pid" 2>/dev/null || true; }

remove_stale_locks() {
  if [ -f "$DATA/postmaster.pid" ]; then
    log "removing the stale $DATA/postmaster.pid"
    rm -f "$DATA/postmaster.pid"
  fi
  rm -f "$SOCK"/.s.PGSQL.*
}

# ours: true when this script created the cluster in DATA (and so may recreate it).
ours() { [ -f "$DIR/.created-by-fanout" ]; }

init_cluster() {
  log "creating a cluster in $DATA ($("$BIN/initdb" --version))"
  # Superuser `postgres`: trust on the private socket only; passwords over TCP.
  as_owner "$BIN/initdb" -D "$DATA" -U postgres -E UTF8 --no-locale \
    --auth-local=trust --auth-host=scram-sha-256 --no-sync >"$DIR/initdb.log" 2>&1 \
    || { tail -n 20 "$DIR/initdb.log" >&2; die "initdb failed (log: $DIR/initdb.log)"; }
  touch "$DIR/.created-by-fanout"
}

recreate_cluster() {
  rm -rf "$DATA"
  remove_stale_locks
  init_cluster
}

start_server() {
  log "starting on 127.0.0.1:$PORT (log: $LOG)"
  # A throwaway test server: durability is traded for speed.
  if ! as_owner "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 -o "\
-c listen_addresses=127.0.0.1 -c port=$PORT -c unix_socket_directories=$SOCK \
-c max_connections=200 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >&2; then
    tail -n 20 "$LOG" >&2 || true
    return 1
  fi
}

# stop_server: stop this cluster's server if it runs.
stop_server() {
  local pid
  pid="$(running_pid)"
  [ -n "$pid" ] || return 0
  as_owner "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >&2 \
    || as_owner "$(dirname "$(readlink -f "/proc/$pid/exe")")/pg_ctl" -D "$DATA" -m fast -w stop >&2
}

superuser_psql() {
  "$BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$SOCK" -p "$PORT" -U postgres -d postgres
}

# ---- commands -------------------------------------------------------------------------
cmd_start() {
  local t0=$SECONDS pid
  find_bin
  if [ -z "$BIN" ]; then
    install_postgres
    find_bin
    [ -n "$BIN" ] || die "installed postgresql, but found no /usr/lib/postgresql/*/bin/initdb"
  fi
  ensure_user
  ensure_dir

  local fresh=0
  if [ -f "$DATA/PG_VERSION" ]; then
    local have want
    have="$(cat "$DATA/PG_VERSION")"
    want="$("$BIN/pg_ctl" --version | sed -E 's/^[^0-9]*([0-9]+).*/\1/')"
    if [ "$have" != "$want" ]; then
      ours || die "$DATA was created by PostgreSQL $have but $BIN is version $want: remove $DIR, or set FANOUT_PG_DIR"
      log "$DATA was created by PostgreSQL $have, this is $want: recreating it"
      stop_server
      recreate_cluster
      fresh=1
    fi
  else
    [ ! -e "$DATA" ] || [ -z "$(ls -A "$DATA")" ] \
      || die "$DATA exists but is not a PostgreSQL cluster: remove it, or set FANOUT_PG_DIR"
    init_cluster
    fresh=1
  fi

  pid="$(running_pid)"
  if [ -n "$pid" ] && [ "$(running_port)" != "$PORT" ]; then
    die "the server in $DATA already runs on port $(running_port), not $PORT: stop it first (scripts/postgres.sh stop), or set FANOUT_PG_DIR too"
  fi
  if [ -n "$pid" ]; then
    log "already running (pid $pid) on 127.0.0.1:$PORT"
  else
    remove_stale_locks
    # Anything else on the port (another PostgreSQL, another program) would make us fail
    # later in a confusing way, or worse, hand the tests someone else's server.
    if "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" -t 2 \
      || (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
      die "127.0.0.1:$PORT is already in use by another program: stop it, or set FANOUT_PG_PORT"
    fi
    if ! start_server; then
      # A test cluster this script made, damaged (say, by a machine that died mid-write with
      # fsync off): start over rather than fail the build.
      if [ "$fresh" = 1 ] || ! ours; then die "the server did not start (log: $LOG)"; fi
      log "the server did not start: recreating the cluster"
      stop_server || true # it may still be starting, past pg_ctl's wait
      recreate_cluster
      start_server || die "the server did not start (log: $LOG)"
    fi
  fi
  "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" -t 30 || die "the server does not accept connections on 127.0.0.1:$PORT"

  # Role and database, if absent; the password is set every time, so it is always `fanout`.
  superuser_psql <<SQL
SELECT format('CREATE ROLE %I LOGIN CREATEDB', '$ROLE')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$ROLE') \gexec
ALTER ROLE $ROLE WITH LOGIN CREATEDB PASSWORD '$PASSWORD';
SELECT format('CREATE DATABASE %I OWNER %I', '$DB', '$ROLE')
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = '$DB') \gexec
SQL
  # Check what the tests will do: a password login over TCP.
  PGPASSWORD="$PASSWORD" "$BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PORT" -U "$ROLE" -d "$DB" \
    -tAc 'SELECT 1' >/dev/null \
    || die "role $ROLE cannot log in to $DB over 127.0.0.1:$PORT"
  log "ready: $("$BIN/postgres" --version), database $DB, role $ROLE, on 127.0.0.1:$PORT ($((SECONDS - t0)) s)"
  print_env
}

cmd_stop() {
  find_bin
  if [ -z "$(running_pid)" ]; then
    log "not running ($DATA)"
    return 0
  fi
  stop_server
  log "stopped"
}

cmd_status() {
  local pid
  pid="$(running_pid)"
  if [ -n "$pid" ]; then
    log "running: pid $pid, 127.0.0.1:$(running_port), data $DATA, log $LOG"
  else
    log "not running ($DATA)"
    return 3
  fi
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  env) print_env ;;
  -h | --help | help) usage ;;
  *) usage; exit 2 ;;
esac
