#!/bin/sh
# A private PostgreSQL cluster for tests and `make run DB=pgsql`: initdb in
# DIR, a server on 127.0.0.1:PORT (and a socket in DIR), run as the
# postgres user when we are root (PostgreSQL refuses to run as root).
#
#   pg.sh start DIR PORT    initdb if needed, start, wait until ready
#   pg.sh stop DIR          fast shutdown
#   pg.sh createdb DIR PORT NAME
set -eu

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$bin" ] || { echo "pg.sh: no PostgreSQL server binaries" >&2; exit 1; }

as_pg() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

cmd=$1
dir=$2
case "$cmd" in
start)
    port=$3
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres: "$dir"
    if [ ! -f "$dir/data/PG_VERSION" ]; then
        as_pg "$bin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 \
            --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
            { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
        -o "-k $dir -p $port -c listen_addresses=127.0.0.1 -c max_connections=300" \
        start >/dev/null
    ;;
stop)
    [ -f "$dir/data/postmaster.pid" ] &&
        as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    ;;
createdb)
    port=$3
    as_pg "$bin/createdb" -h "$dir" -p "$port" -U postgres "$4"
    ;;
*)
    echo "usage: pg.sh start DIR PORT | stop DIR | createdb DIR PORT NAME" >&2
    exit 2
    ;;
esac
