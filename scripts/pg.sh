#!/bin/sh
# A private PostgreSQL cluster for tests and `make run DB=pgsql`: initdb in
# DIR, a server on 127.0.0.1:PORT (and a socket in DIR). PostgreSQL refuses
# to run as root, so as root the cluster runs as the user httpd's children
# run as (PG_USER, default www-data), which owns DIR (mode 0700): it sits
# in the instance directory, which that user can enter, and nothing above
# DIR has to be opened to another user. The database superuser is
# "postgres" either way (DB_PARAMS: user=postgres).
#
#   pg.sh start DIR PORT    initdb if needed, start, wait until ready
#   pg.sh stop DIR          fast shutdown
#   pg.sh createdb DIR PORT NAME
#   pg.sh sql DIR PORT NAME SQL   run SQL in database NAME (psql -c)
set -eu

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$bin" ] || { echo "pg.sh: no PostgreSQL server binaries" >&2; exit 1; }
pg_user=${PG_USER:-www-data}

as_pg() {
    if [ "$(id -u)" = 0 ]; then
        # From /: our working directory may be closed to that user.
        (cd / && runuser -u "$pg_user" -- "$@")
    else
        "$@"
    fi
}

cmd=$1
dir=$2
case "$dir" in /*) ;; *) dir=$(pwd)/$dir ;; esac
case "$cmd" in
start)
    port=$3
    (umask 077 && mkdir -p "$dir")
    if [ "$(id -u)" = 0 ]; then
        # A cluster made by another user (an older pg.sh ran it as
        # postgres) becomes this one's: DIR is ours.
        [ "$(stat -c %U "$dir")" = "$pg_user" ] &&
            { [ ! -e "$dir/data" ] ||
                [ "$(stat -c %U "$dir/data")" = "$pg_user" ]; } ||
            chown -R "$pg_user:" "$dir"
        chmod 0700 "$dir"
        if ! runuser -u "$pg_user" -- sh -c 'cd "$1"' sh "$dir" 2>/dev/null
        then
            echo "pg.sh: $pg_user cannot reach $dir: a directory above it" \
                 "shuts $pg_user out; put the cluster where $pg_user can" \
                 "enter (in the instance directory), pg.sh does not open" \
                 "directories that are not its own" >&2
            exit 1
        fi
    fi
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
    # A Ctrl-C reaches the server too (make run's process group): it may
    # be on its way down already.
    if [ -f "$dir/data/postmaster.pid" ]; then
        as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null ||
            [ ! -f "$dir/data/postmaster.pid" ]
    fi
    ;;
createdb)
    port=$3
    as_pg "$bin/createdb" -h "$dir" -p "$port" -U postgres "$4"
    ;;
sql)
    port=$3
    as_pg "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$port" \
        -U postgres -d "$4" -c "$5"
    ;;
*)
    echo "usage: pg.sh start DIR PORT | stop DIR | createdb DIR PORT NAME" \
         "| sql DIR PORT NAME SQL" >&2
    exit 2
    ;;
esac
