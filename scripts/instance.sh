#!/bin/sh
# Prepare a mod_todo instance directory and write its httpd.conf.
#
#   instance.sh DIR PORT
#
# DIR gets data/ (the SQLite database), logs/, run/, conf.d/, docs/ (the
# Swagger UI files served at /docs/) and a JWT secret (jwt.secret: 32
# random bytes as 64 hex characters, mode 0600, made once and kept).
# Environment: DB (sqlite3 or pgsql), DB_PARAMS (the DBDParams; default
# DIR/data/todo.db for SQLite), ERRORLOG (default DIR/logs/error.log),
# LOGLEVEL (warn), BCRYPT_COST (12), LISTEN (127.0.0.1:PORT), TODO_MODULE
# (build/mod_todo.so), PROCS and THREADS (the MPM's shape: 2 x 64), MPM
# (event; worker or prefork to try mod_todo without stream parking),
# TODO_UI_DIR and TODO_UI_DIST (where the Swagger UI files are copied
# from: ui/ and ui/node_modules/swagger-ui-dist; only the page, its script
# and the files ui/dist.files lists are copied).
#
# Nobody but httpd's users reads the instance (it holds users' emails and
# password hashes): DIR is 0750 and its group is the one httpd's children
# run as (www-data when we are root; only we otherwise, 0700); data/ is
# 0700 and the database with its -wal and -shm 0600, owned by the
# children's user; logs 0640. An existing instance is brought to these
# modes. DIR must be reachable by the children's user: this script never
# changes the permissions of a directory above DIR (not ours) and fails,
# saying so, when one of them shuts that user out.
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
case "$dir" in /*) ;; *) dir=$(pwd)/$dir ;; esac

if [ "$(id -u)" = 0 ]; then
    # httpd's children run as www-data: they enter DIR through its group.
    user=www-data
    group=www-data
    # The nearest directory above DIR that exists, and the first one on
    # the way down to it that www-data may not search.
    above=$(dirname "$dir")
    while [ ! -d "$above" ]; do above=$(dirname "$above"); done
    if ! runuser -u "$user" -- sh -c 'cd "$1"' sh "$above" 2>/dev/null; then
        blocker=/
        rest=${above#/}
        while [ -n "$rest" ]; do
            blocker=${blocker%/}/${rest%%/*}
            case "$rest" in */*) rest=${rest#*/} ;; *) rest= ;; esac
            runuser -u "$user" -- sh -c 'cd "$1"' sh "$blocker" \
                2>/dev/null || break
        done
        echo "instance.sh: $user (the user httpd's children run as) cannot" \
             "reach $dir: $blocker is not searchable by $user" \
             "($(stat -c '%A %U:%G' "$blocker"))." >&2
        echo "instance.sh: mod_todo does not change the permissions of" \
             "directories it does not own: choose an instance directory" \
             "$user can reach (INSTANCE=/var/lib/mod_todo-dev/NAME, say)," \
             "or open $blocker to $user yourself." >&2
        exit 1
    fi
else
    user=$(id -un)
    group=$(id -gn)
fi

# Directories above DIR that do not exist yet are made searchable; what
# is inside DIR is for httpd's users only.
(umask 022 && mkdir -p "$dir")
umask 027
mkdir -p "$dir/data" "$dir/logs" "$dir/run" "$dir/conf.d" "$dir/htdocs"
dir=$(cd "$dir" && pwd)
if [ "$(id -u)" = 0 ]; then
    chown "root:$group" "$dir" "$dir/logs" "$dir/run" "$dir/conf.d" \
        "$dir/htdocs"
    chmod 0750 "$dir" "$dir/logs" "$dir/run" "$dir/conf.d" "$dir/htdocs"
else
    chmod 0700 "$dir"
    chmod 0750 "$dir/logs" "$dir/run" "$dir/conf.d" "$dir/htdocs"
fi
chown "$user:$group" "$dir/data"
chmod 0700 "$dir/data"
for f in "$dir"/data/*; do
    [ -e "$f" ] && chown "$user:$group" "$f"
done

if [ ! -s "$dir/jwt.secret" ]; then
    (umask 077 && openssl rand -hex 32 | tr -d '\n' > "$dir/jwt.secret")
fi
chmod 600 "$dir/jwt.secret"

# The log files httpd's parent opens (before its children start): made
# here, so that they have their mode whatever httpd's umask.
for f in "${ERRORLOG:-$dir/logs/error.log}" "$dir/logs/access.log" \
    "$dir/logs/access.json"; do
    case "$f" in "$dir"/logs/*) ;; *) continue ;; esac
    [ -e "$f" ] || : > "$f"
    chmod 0640 "$f"
done

# Swagger UI at /docs/: the page, its script and the files of
# swagger-ui-dist that ui/dist.files lists, copied into DIR/docs (nothing
# else of the npm package is served, and the children need not reach the
# source tree).
ui_dir=${TODO_UI_DIR:-$top/ui}
ui_dist=${TODO_UI_DIST:-$ui_dir/node_modules/swagger-ui-dist}
missing=
for f in $(cat "$top/ui/dist.files"); do
    [ -f "$ui_dist/$f" ] || missing="$missing $f"
done
rm -rf "$dir/docs.new"
if [ -z "$missing" ]; then
    mkdir -p "$dir/docs.new/dist"
    cp "$ui_dir/index.html" "$ui_dir/swagger-initializer.js" "$dir/docs.new/"
    for f in $(cat "$top/ui/dist.files"); do
        cp "$ui_dist/$f" "$dir/docs.new/dist/"
    done
    chmod -R u=rwX,g=rX,o= "$dir/docs.new"
    [ "$(id -u)" = 0 ] && chown -R "root:$group" "$dir/docs.new"
    rm -rf "$dir/docs"
    mv "$dir/docs.new" "$dir/docs"
else
    rm -rf "$dir/docs"
    echo "instance.sh: no Swagger UI: $ui_dist lacks$missing;" \
         "/docs/ answers 404 (sh scripts/deps.sh ui installs it)" >&2
fi

db=${DB:-sqlite3}
case "$db" in
sqlite3) params=${DB_PARAMS:-$dir/data/todo.db} ;;
pgsql) params=${DB_PARAMS:?DB=pgsql needs DB_PARAMS (libpq connection string)} ;;
*) echo "instance.sh: DB must be sqlite3 or pgsql" >&2; exit 2 ;;
esac

# The database: made here (empty, which SQLite takes for a new database)
# so that it is the children's from the start with mode 0600; SQLite gives
# its -wal and -shm the mode and owner of the database. An existing one,
# and its -wal and -shm, are brought to the same.
if [ "$db" = sqlite3 ] && [ "$params" = "$dir/data/todo.db" ]; then
    [ -e "$params" ] || : > "$params"
    for f in "$params" "$params-wal" "$params-shm" "$params-journal"; do
        [ -e "$f" ] || continue
        chown "$user:$group" "$f"
        chmod 0600 "$f"
    done
fi

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

# Connections kept idle per process: 8 on SQLite (opening one is cheap);
# every one a burst opened on PostgreSQL (each is a server process started
# over the network: the next burst should not wait for it again).
threads=${THREADS:-64}
if [ "$db" = pgsql ]; then
    keep=$threads
else
    keep=$((threads < 8 ? threads : 8))
fi

subst() {
    sed -e "s|@DBDRIVER@|$db|g" -e "s|@DBPARAMS@|$params|g" \
        -e "s|@INSTANCE@|$dir|g" -e "s|@MOUNT@|/api/v1|g" \
        -e "s|@PROCS@|${PROCS:-2}|g" -e "s|@THREADS@|${THREADS:-64}|g" \
        -e "s|@MPM@|${MPM:-event}|g" \
        -e "s|@WORKERS@|$((${PROCS:-2} * ${THREADS:-64}))|g" \
        -e "s|@DBDKEEP@|$keep|g" \
        -e "s|@LISTEN@|${LISTEN:-127.0.0.1:$port}|g" \
        -e "s|@ERRORLOG@|${ERRORLOG:-$dir/logs/error.log}|g" \
        -e "s|@LOGLEVEL@|${LOGLEVEL:-warn}|g" \
        -e "s|@BCRYPT_COST@|${BCRYPT_COST:-12}|g" \
        -e "s|@TLS_CERT@|$cert|g" -e "s|@TLS_KEY@|$key|g" \
        -e "s|@TLS_NAME@|$tls_name|g" \
        -e "s|@DOCSDIR@|$dir/docs|g" \
        -e "s|@ACCESSLOG@|$dir/logs/access.json|g" \
        -e "s|@USER@|$user|g" -e "s|@GROUP@|$group|g" \
        -e "s|@MODDIR@|$(apxs -q LIBEXECDIR)|g" \
        -e "s|@MODULE@|${TODO_MODULE:-$top/build/mod_todo.so}|g" "$1"
}
subst "$top/conf/todo-cors.conf.in" > "$dir/todo-cors.conf"
subst "$top/conf/todo-server.conf.in" > "$dir/todo-server.conf"
subst "$top/conf/todo-headers.conf.in" > "$dir/todo-headers.conf"
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
