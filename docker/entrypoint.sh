#!/bin/sh
# The container's entrypoint: make the JWT secret on first start, then run
# Debian's apache2 in the foreground as this (unprivileged) user.
#
#   TODO_JWT_SECRET_FILE  the secret (default /var/lib/mod_todo/jwt.secret,
#                         in the data volume, so it outlives the container);
#                         made if absent: 32 random bytes as hex, mode 0600
#   TODO_LISTEN           what httpd listens on (default 8080)
#   TODO_CORS_ORIGINS     the origins CORS allows, a regular expression
#                         over the Origin header (default: none)
#
# Arguments starting with "-" go to apache2 (`docker run IMAGE -t`); any
# other command runs instead of it (`docker run IMAGE todoctl ...`).
set -eu

TODO_JWT_SECRET_FILE=${TODO_JWT_SECRET_FILE:-/var/lib/mod_todo/jwt.secret}
TODO_LISTEN=${TODO_LISTEN:-8080}
export TODO_JWT_SECRET_FILE TODO_LISTEN

if [ ! -s "$TODO_JWT_SECRET_FILE" ]; then
    dir=$(dirname "$TODO_JWT_SECRET_FILE")
    if [ ! -w "$dir" ]; then
        echo "entrypoint: cannot write $dir as $(id -un) (uid $(id -u)):" \
             "give the volume to that user, or mount a secret at" \
             "$TODO_JWT_SECRET_FILE (mode 0600)" >&2
        exit 1
    fi
    tmp=$TODO_JWT_SECRET_FILE.new.$$
    (umask 077 && openssl rand -hex 32 | tr -d '\n' > "$tmp")
    mv -f "$tmp" "$TODO_JWT_SECRET_FILE"
    echo "entrypoint: made a new JWT secret $TODO_JWT_SECRET_FILE" >&2
fi

if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then
    exec "$@"
fi

# What apache2ctl would do, minus the daemon: Debian's environment, its
# configuration directory, and away with a pid file left by a container
# that was killed.
APACHE_CONFDIR=${APACHE_CONFDIR:-/etc/apache2}
export APACHE_CONFDIR
. "$APACHE_CONFDIR/envvars"
rm -f "$APACHE_PID_FILE"
# todo-cors.conf applies when TODO_CORS_ORIGINS is defined; httpd reads
# its value from the environment.
cors=
if [ -n "${TODO_CORS_ORIGINS:-}" ]; then
    export TODO_CORS_ORIGINS
    cors=-DTODO_CORS_ORIGINS
fi
exec /usr/sbin/apache2 -d "$APACHE_CONFDIR" -DFOREGROUND $cors "$@"
