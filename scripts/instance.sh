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
# (build/mod_todo.so), PROCS and THREADS (the event MPM's shape: 2 x 64),
# TODO_UI_DIR and TODO_UI_DIST (the Swagger UI files served at /docs/:
# ui/ and ui/node_modules/swagger-ui-dist).
#
# TLS=1 serves HTTPS instead of HTTP on the same address
# (conf/todo-tls.conf.in), with the certificate and key in TLS_CERT and
# TLS_KEY (PEM files) or else with a self-signed certificate for 127.0.0.1
# and localhost made once in DIR (tls.crt, and tls.key with mode 0600).
# TLS_NAME is the ServerName over TLS (default: the certificate's CN).
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

tls=${TLS:-0}
case "$tls" in
1)
    if [ -n "${TLS_CERT:-}${TLS_KEY:-}" ]; then
        cert=${TLS_CERT:?TLS_KEY needs TLS_CERT}
        key=${TLS_KEY:?TLS_CERT needs TLS_KEY}
    else
        cert=$dir/tls.crt
        key=$dir/tls.key
        if [ ! -s "$cert" ] || [ ! -s "$key" ]; then
            # RSA rather than ECDSA: the clients of a test server vary.
            (umask 077 && openssl req -x509 -newkey rsa:2048 -nodes \
                -sha256 -days 825 -subj "/CN=localhost" \
                -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
                -addext "basicConstraints=critical,CA:FALSE" \
                -keyout "$key" -out "$cert" 2>/dev/null) ||
                { echo "instance.sh: openssl could not make $cert" >&2; exit 1; }
            chmod 644 "$cert"
        fi
        chmod 600 "$key"
    fi
    tls_name=${TLS_NAME:-$(openssl x509 -in "$cert" -noout -subject \
        -nameopt RFC2253 | sed -n 's/^subject=.*CN=\([^,+]*\).*/\1/p')}
    tls_name=${tls_name:-localhost}
    ;;
0 | "") cert= key= tls_name= ;;
*) echo "instance.sh: TLS must be 1 or 0" >&2; exit 2 ;;
esac

subst() {
    sed -e "s|@DBDRIVER@|$db|g" -e "s|@DBPARAMS@|$params|g" \
        -e "s|@INSTANCE@|$dir|g" -e "s|@MOUNT@|/api/v1|g" \
        -e "s|@PROCS@|${PROCS:-2}|g" -e "s|@THREADS@|${THREADS:-64}|g" \
        -e "s|@WORKERS@|$((${PROCS:-2} * ${THREADS:-64}))|g" \
        -e "s|@DBDKEEP@|$(( ${THREADS:-64} < 8 ? ${THREADS:-64} : 8 ))|g" \
        -e "s|@LISTEN@|${LISTEN:-127.0.0.1:$port}|g" \
        -e "s|@ERRORLOG@|${ERRORLOG:-$dir/logs/error.log}|g" \
        -e "s|@LOGLEVEL@|${LOGLEVEL:-warn}|g" \
        -e "s|@BCRYPT_COST@|${BCRYPT_COST:-12}|g" \
        -e "s|@TLS_CERT@|$cert|g" -e "s|@TLS_KEY@|$key|g" \
        -e "s|@TLS_NAME@|$tls_name|g" \
        -e "s|@USER@|$user|g" -e "s|@GROUP@|$group|g" \
        -e "s|@MODDIR@|$(apxs -q LIBEXECDIR)|g" \
        -e "s|@UI_DIR@|$ui_dir|g" -e "s|@UI_DIST@|$ui_dist|g" \
        -e "s|@MODULE@|${TODO_MODULE:-$top/build/mod_todo.so}|g" "$1"
}
subst "$top/conf/todo-cors.conf.in" > "$dir/todo-cors.conf"
subst "$top/conf/todo-logging.conf.in" > "$dir/todo-logging.conf"
subst "$top/conf/todo-docs.conf.in" > "$dir/todo-docs.conf"
subst "$top/conf/todo-limits.conf.in" > "$dir/todo-limits.conf"
if [ "$tls" = 1 ]; then
    subst "$top/conf/todo-tls.conf.in" > "$dir/todo-tls.conf"
else
    echo "# Plain HTTP: instance.sh writes HTTPS here with TLS=1." \
        > "$dir/todo-tls.conf"
fi
subst "$top/conf/httpd.conf.in" > "$dir/httpd.conf"
echo "$dir/httpd.conf"
