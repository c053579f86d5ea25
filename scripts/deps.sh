#!/bin/sh
# Install the Debian 12 packages mod_todo needs to build, run and test,
# asking apt only when something is missing.
set -eu

PACKAGES="make gcc apache2 apache2-dev libaprutil1-dbd-sqlite3
libaprutil1-dbd-pgsql libjansson-dev libjwt-dev libssl-dev libsqlite3-dev
libcrypt-dev libcmocka-dev libunistring-dev libpq-dev python3 python3-pytest
python3-requests sqlite3 openssl curl postgresql-15 postgresql-client-15
prometheus python3-prometheus-client"

missing=""
for pkg in $PACKAGES; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    case "$status" in
    *"install ok installed"*) ;;
    *) missing="$missing $pkg" ;;
    esac
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
    echo "deps.sh: missing packages:$missing" >&2
    echo "deps.sh: run as root, or: sudo apt-get install$missing" >&2
    exit 1
fi
echo "deps.sh: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# promtool (the tests check /metrics with it) comes only in Debian's
# prometheus package, whose server is not wanted: while installing, a
# policy-rc.d keeps every service from being started.
policy=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
    policy=/usr/sbin/policy-rc.d
    printf '#!/bin/sh\nexit 101\n' > "$policy"
    chmod 755 "$policy"
    trap 'rm -f "$policy"' EXIT
fi
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
