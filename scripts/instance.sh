#!/bin/sh
# Prepare a mod_todo instance directory and write its httpd.conf.
#
#   instance.sh DIR PORT
#
# DIR gets data/ (the SQLite database), logs/, run/, conf.d/ and a JWT
# secret (jwt.secret: 32 random bytes as 64 hex characters, mode 0600,
# made once and kept). Environment: DB (sqlite3 or pgsql), DB_PARAMS (the
# DBDParams; default DIR/data/todo.db for SQLite), ERRORLOG (default
# DIR/logs/error.log),
# LOGLEVEL (warn), BCRYPT_COST (12), LISTEN (127.0.0.1:PORT), TODO_MODULE
# (build/mod_todo.so), PROCS and THREADS (the event MPM's shape: 2 x 25),
# TODO_UI_DIR and TODO_UI_DIST (the Swagger UI files served at /docs/:
# ui/ and ui/node_modules/swagger-ui-dist).
set -eu

dir=$1
port=$2
top=$(cd "$(dirname "$0")/.." && pwd)

mkdir -p "$dir/data" "$dir/logs" "$dir/run" "$dir/conf.d" "$dir/htdocs"
dir=$(cd "$dir" && pwd)

if [ ! -s "$dir/jwt.secret" ]; then
    (umask 077 && openssl rand -hex 32 | tr -d '\n' > "$dir/jwt.secret")
fi
chmod 600 "$dir/jwt.secret"

ui_dir=${TODO_UI_DIR:-$top/ui}
ui_dist=${TODO_UI_DIST:-$ui_dir/node_modules/swagger-ui-dist}

if [ "$(id -u)" = 0 ]; then
    # httpd's children run as www-data: they must reach and write data/.
    user=www-data
    group=www-data
    chown "$user:$group" "$dir/data"
    for f in "$dir"/data/*; do
        [ -e "$f" ] && chown "$user:$group" "$f"
    done
    # ... and the Swagger UI files they serve at /docs/.
    for d in "$dir" "$ui_dir" "$ui_dist"; do
        [ -d "$d" ] || continue
        while [ "$d" != / ]; do
            if ! su -s /bin/sh -c "test -x '$d'" "$user" 2>/dev/null; then
                echo "instance.sh: letting $user traverse $d (chmod o+x)" >&2
                chmod o+x "$d"
            fi
            d=$(dirname "$d")
        done
    done
else
    user=$(id -un)
    group=$(id -gn)
fi

db=${DB:-sqlite3}
case "$db" in
sqlite3) params=${DB_PARAMS:-$dir/data/todo.db} ;;
pgsql) params=${DB_PARAMS:?DB=pgsql needs DB_PARAMS (libpq connection string)} ;;
*) echo "instance.sh: DB must be sqlite3 or pgsql" >&2; exit 2 ;;
esac

subst() {
    sed -e "s|@DBDRIVER@|$db|g" -e "s|@DBPARAMS@|$params|g" \
        -e "s|@INSTANCE@|$dir|g" -e "s|@MOUNT@|/api/v1|g" \
        -e "s|@PROCS@|${PROCS:-2}|g" -e "s|@THREADS@|${THREADS:-25}|g" \
        -e "s|@WORKERS@|$((${PROCS:-2} * ${THREADS:-25}))|g" \
        -e "s|@DBDKEEP@|$(( ${THREADS:-25} < 8 ? ${THREADS:-25} : 8 ))|g" \
        -e "s|@LISTEN@|${LISTEN:-127.0.0.1:$port}|g" \
        -e "s|@ERRORLOG@|${ERRORLOG:-$dir/logs/error.log}|g" \
        -e "s|@LOGLEVEL@|${LOGLEVEL:-warn}|g" \
        -e "s|@BCRYPT_COST@|${BCRYPT_COST:-12}|g" \
        -e "s|@USER@|$user|g" -e "s|@GROUP@|$group|g" \
        -e "s|@MODDIR@|$(apxs -q LIBEXECDIR)|g" \
        -e "s|@UI_DIR@|$ui_dir|g" -e "s|@UI_DIST@|$ui_dist|g" \
        -e "s|@MODULE@|${TODO_MODULE:-$top/build/mod_todo.so}|g" "$1"
}
subst "$top/conf/todo-cors.conf.in" > "$dir/todo-cors.conf"
subst "$top/conf/todo-logging.conf.in" > "$dir/todo-logging.conf"
subst "$top/conf/todo-docs.conf.in" > "$dir/todo-docs.conf"
subst "$top/conf/httpd.conf.in" > "$dir/httpd.conf"
echo "$dir/httpd.conf"
