#!/bin/sh
# Install the Debian 12 packages mod_todo needs to build, run and test,
# asking apt only when something is missing; then the npm packages of
# tests/js/ (OpenAPI validator, Playwright) and ui/ (Swagger UI), from
# their committed package-lock.json, when node_modules is missing or stale.
#
#   deps.sh [bench]
#
# `bench` adds the packages of the benchmark's FastAPI peer
# (tests/bench/peer/), which nothing else needs: only tests/bench/run.sh
# asks for them.
set -eu
cd "$(dirname "$0")/.."

PACKAGES="make gcc apache2 apache2-dev libaprutil1-dbd-sqlite3
libaprutil1-dbd-pgsql libjansson-dev libjwt-dev libssl-dev libsqlite3-dev
libcrypt-dev libcmocka-dev libunistring-dev libpq-dev python3 python3-pytest
python3-requests python3-websockets sqlite3 openssl curl postgresql-15 postgresql-client-15
chromium prometheus python3-prometheus-client wrk"
if [ "${1:-}" = bench ]; then
    PACKAGES="$PACKAGES python3-fastapi python3-uvicorn python3-sqlmodel
python3-sqlalchemy python3-jose python3-passlib python3-bcrypt
python3-multipart python3-uvloop python3-httptools"
fi

missing=""
for pkg in $PACKAGES; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    case "$status" in
    *"install ok installed"*) ;;
    *) missing="$missing $pkg" ;;
    esac
done
# Node.js 20 or later (Playwright needs it): whichever package brought it.
command -v node >/dev/null 2>&1 || missing="$missing nodejs"
command -v npm >/dev/null 2>&1 || missing="$missing npm"

if [ -n "$missing" ]; then
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
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        trap 'rm -f /usr/sbin/policy-rc.d' EXIT
    fi
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# npm ci where node_modules does not match the committed lock file (a copy
# of the lock it was installed from is kept inside node_modules). Install
# scripts are not run: none of these packages needs one.
for d in tests/js ui; do
    if ! cmp -s "$d/package-lock.json" "$d/node_modules/.installed-lock.json"
    then
        echo "deps.sh: npm ci in $d"
        (cd "$d" && npm ci --no-audit --no-fund --ignore-scripts \
            --loglevel=error >/dev/null)
        cp "$d/package-lock.json" "$d/node_modules/.installed-lock.json"
    fi
done
