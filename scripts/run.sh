#!/bin/sh
# `make run`: serve the API in the foreground on 127.0.0.1:$PORT from the
# instance directory $INSTANCE. Ctrl-C (or SIGTERM) stops it; data and
# secret stay for the next run.
#
# DB=pgsql runs on PostgreSQL instead of SQLite: on the server named by
# DB_PARAMS (a libpq connection string) if given, else on a private
# cluster kept in $INSTANCE/pgsql, listening on 127.0.0.1:$PGPORT
# (default PORT + 10000), started and stopped with httpd.
#
# TLS=1 serves HTTPS instead, with TLS_CERT and TLS_KEY or a self-signed
# certificate made once in $INSTANCE (tls.crt; see scripts/instance.sh).
set -eu

PORT=${PORT:-8080}
INSTANCE=${INSTANCE:-var}
DB=${DB:-sqlite3}
here=$(dirname "$0")
mkdir -p "$INSTANCE"
INSTANCE=$(cd "$INSTANCE" && pwd)

pgdir=
if [ "$DB" = pgsql ] && [ -z "${DB_PARAMS:-}" ]; then
    pgdir=$INSTANCE/pgsql
    pgport=${PGPORT:-$((PORT + 10000))}
    sh "$here/pg.sh" start "$pgdir" "$pgport"
    sh "$here/pg.sh" createdb "$pgdir" "$pgport" todo 2>/dev/null || true
    DB_PARAMS="host=127.0.0.1 port=$pgport dbname=todo user=postgres connect_timeout=2"
    echo "mod_todo: PostgreSQL cluster in $pgdir on 127.0.0.1:$pgport"
fi
export DB DB_PARAMS

conf=$(ERRORLOG=/dev/stderr sh "$here/instance.sh" "$INSTANCE" "$PORT")
httpd=$(apxs -q SBINDIR)/$(apxs -q TARGET)
"$httpd" -t -f "$conf" >/dev/null

scheme=http
[ "${TLS:-0}" = 1 ] && scheme=https
echo "mod_todo: serving $scheme://127.0.0.1:$PORT/api/v1 ($DB; instance $INSTANCE; Ctrl-C stops)"
if [ -z "$pgdir" ]; then
    exec "$httpd" -f "$conf" -DFOREGROUND
fi
# With a cluster of our own, stay around to stop it after httpd.
"$httpd" -f "$conf" -DFOREGROUND &
pid=$!
trap 'kill -TERM $pid 2>/dev/null || true' INT TERM
wait $pid || true
wait $pid 2>/dev/null || true
sh "$here/pg.sh" stop "$pgdir"
echo "mod_todo: stopped"
