#!/bin/sh
# Shape Debian's apache2 for the container; the Dockerfile runs it (as root,
# at build time) after `make install`. tests/integration/test_970_docker.py
# runs it on a copy of /etc/apache2, so what the image gets is tested even
# where docker is not.
#
#  - a2enmod todo (dbd, headers and unique_id with it) and a2enconf todo:
#    the API for the whole server, with make run's hardening; the default
#    site and its access log off: the API is the server; todo-docker.conf
#    and todo-cors.conf (CORS, off until TODO_CORS_ORIGINS is given) on;
#  - both logs go to the container's output: the error log
#    (todo-docker.conf) and the JSON access log (conf-available/todo.conf's
#    GlobalLog), through cat: an unprivileged process may not reopen
#    /dev/stdout, which belongs to root;
#  - httpd listens on ${TODO_LISTEN} and reads the secret from
#    ${TODO_JWT_SECRET_FILE}, both set when it starts (entrypoint.sh);
#  - the unprivileged user owns every directory httpd writes: there is no
#    root parent to make them.
#
# Environment: APACHE_CONFDIR (/etc/apache2), TODO_CONFDIR (/etc/mod_todo,
# where todo-api.conf is), TODO_STATEDIR (/var/lib/mod_todo),
# TODO_RUN_DIRS (/var/run/apache2 /var/lock/apache2 /var/log/apache2),
# TODO_USER (www-data).
set -eu

here=$(dirname "$0")
APACHE_CONFDIR=${APACHE_CONFDIR:-/etc/apache2}
export APACHE_CONFDIR
confdir=${TODO_CONFDIR:-/etc/mod_todo}
statedir=${TODO_STATEDIR:-/var/lib/mod_todo}
rundirs=${TODO_RUN_DIRS:-/var/run/apache2 /var/lock/apache2 /var/log/apache2}
user=${TODO_USER:-www-data}

cp "$here/todo-docker.conf" "$APACHE_CONFDIR/conf-available/todo-docker.conf"
a2enmod -q todo
a2enconf -q todo
a2dissite -q 000-default
a2disconf -q other-vhosts-access-log
a2enconf -q todo-docker
# CORS, off until the container is given TODO_CORS_ORIGINS (entrypoint.sh).
a2enconf -q todo-cors
# shellcheck disable=SC2016 # httpd expands it, at every start
echo 'Listen ${TODO_LISTEN}' > "$APACHE_CONFDIR/ports.conf"
sed -i 's|^TodoJWTSecretFile .*|TodoJWTSecretFile ${TODO_JWT_SECRET_FILE}|' \
    "$confdir/todo-api.conf"
grep -q '^TodoJWTSecretFile ${TODO_JWT_SECRET_FILE}$' "$confdir/todo-api.conf"
sed -i 's|^GlobalLog "[^"]*" todo_json$|GlobalLog "\|/bin/cat" todo_json|' \
    "$APACHE_CONFDIR/conf-available/todo.conf"
grep -q '^GlobalLog "|/bin/cat" todo_json$' \
    "$APACHE_CONFDIR/conf-available/todo.conf"

# shellcheck disable=SC2086 # a list of directories
mkdir -p "$statedir" $rundirs
# shellcheck disable=SC2086
chown "$user:$user" "$statedir" $rundirs
chmod 0750 "$statedir"
