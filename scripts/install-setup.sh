#!/bin/sh
# What a Debian postinst would do after `make install` into the live
# system (make runs this when DESTDIR is empty):
#  - the database directory STATEDIR, owned by the user httpd's children
#    run as (they write the SQLite file and its -wal/-shm), mode 0750;
#  - the JWT secret SECRET_FILE, only if there is none: 32 random bytes as
#    64 hex characters, owned by root, mode 0600. httpd reads it as root
#    while it reads its configuration, before its children drop to
#    RUN_USER, and mod_todo refuses a secret readable by group or others.
#
# Environment: STATEDIR (/var/lib/mod_todo), SECRET_FILE
# (/etc/mod_todo/jwt.secret), RUN_USER and RUN_GROUP (www-data).
set -eu

statedir=${STATEDIR:-/var/lib/mod_todo}
secret=${SECRET_FILE:-/etc/mod_todo/jwt.secret}
user=${RUN_USER:-www-data}
group=${RUN_GROUP:-$user}

if [ "$(id -u)" != 0 ]; then
    echo "install-setup.sh: run as root (it chowns $statedir to $user)" >&2
    exit 1
fi
if ! id "$user" >/dev/null 2>&1; then
    echo "install-setup.sh: no user $user; set RUN_USER to the User" \
         "httpd's children run as" >&2
    exit 1
fi

install -d -m 0750 -o "$user" -g "$group" "$statedir"
# A database from an earlier installation goes to the same user.
for f in "$statedir"/*; do
    [ -e "$f" ] && chown "$user:$group" "$f"
done

secretdir=$(dirname "$secret")
[ -d "$secretdir" ] || install -d -m 0755 "$secretdir"
if [ -s "$secret" ]; then
    echo "install-setup.sh: keeping the JWT secret $secret"
    if [ -n "$(find "$secret" -perm /077)" ]; then
        echo "install-setup.sh: warning: $secret is readable or writable" \
             "by group or others; httpd will refuse it: chmod 0600 it" >&2
    fi
else
    tmp=$secret.new.$$
    (umask 077 && openssl rand -hex 32 | tr -d '\n' > "$tmp")
    chown root:root "$tmp"
    mv -f "$tmp" "$secret"
    echo "install-setup.sh: made a new JWT secret $secret (mode 0600)"
fi
echo "install-setup.sh: database directory $statedir (owner $user)"
