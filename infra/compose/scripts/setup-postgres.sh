#!/bin/sh
# Creates Temporal's two databases and brings their schemas to the version of this admin-tools image.
# Idempotent: run on every `docker compose up`; an existing database is kept and only migrated.
# Env (temporalio/admin-tools): POSTGRES_SEEDS, DB_PORT, POSTGRES_USER, SQL_PASSWORD; SQL_SCHEMA_DIR
# (default: the image's schema folder; `npm run prod:smoke` points it at the Go module's).
set -eu

host="${POSTGRES_SEEDS:-postgresql}"
port="${DB_PORT:-5432}"
user="${POSTGRES_USER:-temporal}"
schema_root="${SQL_SCHEMA_DIR:-/etc/temporal/schema/postgresql/v12}"

echo "waiting for PostgreSQL at ${host}:${port}"
tries=0
until nc -z -w 5 "$host" "$port"; do
  tries=$((tries + 1))
  if [ "$tries" -ge 30 ]; then
    echo "PostgreSQL did not open ${host}:${port}" >&2
    exit 1
  fi
  sleep 2
done

sql() {
  temporal-sql-tool --plugin postgres12 --ep "$host" -p "$port" -u "$user" "$@"
}

for pair in temporal:temporal temporal_visibility:visibility; do
  db="${pair%%:*}"
  schema="${pair##*:}"
  # Both fail harmlessly when the database and its version table exist; update-schema below does not.
  sql --db "$db" create || echo "database $db already exists"
  sql --db "$db" setup-schema -v 0.0 || echo "schema of $db already initialised"
  sql --db "$db" update-schema -d "$schema_root/$schema/versioned"
done
echo "Temporal schemas are up to date"
