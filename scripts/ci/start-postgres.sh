#!/usr/bin/env bash
# Start PostgreSQL 15 (if it is not running), wait until it accepts TCP
# connections, and make sure the test database exists with pgvector enabled.
# Idempotent.
#
# Environment (defaults match .ci/run):
#   PG_VERSION (15), PG_CLUSTER (main), PGHOST_CI (127.0.0.1), PGPORT_CI (5432),
#   PGUSER_CI (postgres), TEST_DB_NAME (longhaul_test), PG_READY_TIMEOUT (60 s)
set -euo pipefail

PG_VERSION="${PG_VERSION:-15}"
PG_CLUSTER="${PG_CLUSTER:-main}"
HOST="${PGHOST_CI:-127.0.0.1}"
PORT="${PGPORT_CI:-5432}"
DBUSER="${PGUSER_CI:-postgres}"
DB="${TEST_DB_NAME:-longhaul_test}"
TIMEOUT="${PG_READY_TIMEOUT:-60}"
BIN="/usr/lib/postgresql/$PG_VERSION/bin"

log() { echo "[start-postgres] $*"; }
die() { echo "[start-postgres] ERROR: $*" >&2; exit 1; }

[[ "$DB" =~ ^[a-z_][a-z0-9_]*$ ]] || die "unsafe database name: $DB"
[[ -x "$BIN/postgres" ]] || die "PostgreSQL $PG_VERSION is not installed ($BIN/postgres missing)"

ready() { "$BIN/pg_isready" -q -h "$HOST" -p "$PORT" >/dev/null 2>&1; }
psql_() { "$BIN/psql" -X -v ON_ERROR_STOP=1 -h "$HOST" -p "$PORT" -U "$DBUSER" "$@"; }

# ---- 1. start the cluster ---------------------------------------------------------
if ready; then
  log "PostgreSQL already accepting connections on $HOST:$PORT; not starting it"
else
  if [[ ! -d "/etc/postgresql/$PG_VERSION/$PG_CLUSTER" ]]; then
    log "cluster $PG_VERSION/$PG_CLUSTER does not exist; creating it (trust auth)"
    pg_createcluster "$PG_VERSION" "$PG_CLUSTER" -p "$PORT" -- --auth-local=trust --auth-host=trust
  fi
  log "starting cluster $PG_VERSION/$PG_CLUSTER"
  set +e
  out="$(pg_ctlcluster --skip-systemctl-redirect "$PG_VERSION" "$PG_CLUSTER" start 2>&1)"
  rc=$?
  set -e
  [[ -n "$out" ]] && echo "$out"
  if [[ $rc -ne 0 ]]; then
    if grep -qi 'already running' <<<"$out"; then
      log "cluster was already running"
    else
      log "pg_ctlcluster exited with $rc; last lines of the server log:"
      tail -n 20 "/var/log/postgresql/postgresql-$PG_VERSION-$PG_CLUSTER.log" 2>/dev/null >&2 || true
      die "could not start PostgreSQL $PG_VERSION/$PG_CLUSTER"
    fi
  fi
fi

# ---- 2. wait for TCP readiness ------------------------------------------------------
deadline=$((SECONDS + TIMEOUT))
until ready; do
  if (( SECONDS >= deadline )); then
    "$BIN/pg_isready" -h "$HOST" -p "$PORT" >&2 || true
    tail -n 20 "/var/log/postgresql/postgresql-$PG_VERSION-$PG_CLUSTER.log" 2>/dev/null >&2 || true
    die "PostgreSQL did not accept connections on $HOST:$PORT within ${TIMEOUT}s"
  fi
  sleep 1
done
log "PostgreSQL is ready on $HOST:$PORT ($(psql_ -d postgres -tAc 'show server_version'))"

# ---- 3. test database ---------------------------------------------------------------
if [[ "$(psql_ -d postgres -tAc "select 1 from pg_database where datname = '$DB'")" == "1" ]]; then
  log "database $DB already exists"
else
  log "creating database $DB"
  psql_ -d postgres -qc "create database \"$DB\""
fi

# ---- 4. pgvector --------------------------------------------------------------------
psql_ -d "$DB" -q -c "set client_min_messages = warning" -c "create extension if not exists vector" \
  || die "CREATE EXTENSION vector failed in $DB (run scripts/ci/install-pgvector.sh)"
ver="$(psql_ -d "$DB" -tAc "select extversion from pg_extension where extname = 'vector'")"
log "extension vector $ver is enabled in $DB"
log "TEST_DATABASE_URL=postgresql://$DBUSER@$HOST:$PORT/$DB"
