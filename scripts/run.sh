#!/bin/sh
# `make run`: serve the API in the foreground on 127.0.0.1:$PORT from an
# instance directory. Ctrl-C (or SIGTERM) stops it; data and secret stay
# for the next run.
#
# The instance is $INSTANCE when set (it must be reachable by the user
# httpd's children run as: scripts/instance.sh fails, saying why, if it is
# not). Unset, it is ./var in this clone, unless we are root and www-data
# (httpd's children) cannot reach the clone (one under /root, mode 0700):
# then $DEV_STATEDIR/<the clone's path, / as -> (DEV_STATEDIR defaults to
# /var/lib/mod_todo-dev), which is printed. Permissions of directories the
# project does not own are never changed.
#
# DB=pgsql runs on PostgreSQL instead of SQLite: on the server named by
# DB_PARAMS (a libpq connection string) if given, else on a private
# cluster kept in the instance's pgsql/, run as httpd's user, listening on
# 127.0.0.1:$PGPORT (default PORT + 10000), started and stopped with httpd.
#
# TLS=1 serves HTTPS instead, with TLS_CERT and TLS_KEY or a self-signed
# certificate made once in the instance (tls.crt; see scripts/instance.sh).
set -eu

PORT=${PORT:-8080}
DB=${DB:-sqlite3}
here=$(dirname "$0")
top=$(cd "$here/.." && pwd)

if [ -n "${INSTANCE:-}" ]; then
    instance=$INSTANCE
else
    instance=$top/var
    if [ "$(id -u)" = 0 ] &&
        ! runuser -u www-data -- sh -c 'cd "$1"' sh "$top" 2>/dev/null; then
        instance=${DEV_STATEDIR:-/var/lib/mod_todo-dev}/$(printf '%s' "$top" |
            sed -e 's|^/||' -e 's|/|-|g')
        echo "mod_todo: www-data (httpd's children) cannot reach $top," \
             "so the instance is $instance rather than $top/var" \
             "(INSTANCE=DIR chooses another)"
    fi
fi

pgdir=
if [ "$DB" = pgsql ] && [ -z "${DB_PARAMS:-}" ]; then
    pgport=${PGPORT:-$((PORT + 10000))}
    DB_PARAMS="host=127.0.0.1 port=$pgport dbname=todo user=postgres connect_timeout=2"
fi
export DB DB_PARAMS

conf=$(ERRORLOG=/dev/stderr sh "$here/instance.sh" "$instance" "$PORT")
instance=$(dirname "$conf")
if [ -n "${pgport:-}" ]; then
    pgdir=$instance/pgsql
    sh "$here/pg.sh" start "$pgdir" "$pgport"
    sh "$here/pg.sh" createdb "$pgdir" "$pgport" todo 2>/dev/null || true
    echo "mod_todo: PostgreSQL cluster in $pgdir on 127.0.0.1:$pgport"
fi
httpd=$(apxs -q SBINDIR)/$(apxs -q TARGET)
# What httpd creates (its pid file, files under run/) is not for others.
umask 027
"$httpd" -t -f "$conf" >/dev/null

scheme=http
[ "${TLS:-0}" = 1 ] && scheme=https
echo "mod_todo: serving $scheme://127.0.0.1:$PORT/api/v1 ($DB; instance $instance; Ctrl-C stops)"
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
