#!/bin/sh
# Install the Debian 12 packages of the named sets, asking apt only when
# something is missing; then, for the sets that need them, Swagger UI's
# files (ui/, scripts/ui-fetch.sh) and the npm packages of tests/js/
# (OpenAPI validator, Playwright, Redocly CLI, Prism, openapi-typescript,
# openapi-fetch, TypeScript, eventsource) from their committed
# package-lock.json, when node_modules is missing or stale.
#
#   deps.sh SET...          install (as root)
#   deps.sh --list SET...   print the sets' Debian packages, one a line
#
#   serve   what `make run` serves with: apache2 and the apr-util DBD
#           drivers, the libraries mod_todo links, openssl (the JWT secret,
#           TLS=1's certificate), curl (the README's examples, the Docker
#           health check). The Dockerfile's runtime stage installs this.
#   build   what `make build` compiles with: gcc, make, apache2-dev (apxs),
#           the -dev packages
#   ui      Swagger UI at /docs/: swagger-ui-dist's files, fetched from
#           the npm registry with curl and checked against ui/package-
#           lock.json's sha512 (scripts/ui-fetch.sh): static files, no
#           Node.js
#   pgsql   the PostgreSQL 15 server (`make run DB=pgsql`'s private cluster)
#   test    what `make test` needs beyond serve, build, ui and pgsql:
#           pytest and the Python modules the tests import, Chromium,
#           promtool, psql, wrk, cmocka, clang-format, cppcheck; npm ci
#           in tests/js/
#   package what building and checking the Debian package needs
#           (`dpkg-buildpackage -b -us -uc`, lintian; dh_apache2 comes with
#           apache2-dev, in build) and test_965's private mounts (mount)
#   fuzz    what `make fuzz` adds: clang-14 and its libFuzzer runtime
#   bench   what tests/bench/ adds: wrk, valgrind (callgrind.sh), git
#           (compare.sh exports the build it compares with) and the
#           FastAPI peer's packages (psycopg2 for its PostgreSQL pass)
#
# With no SET: serve build ui pgsql test package (all that `make test`
# needs). `make run` = serve build ui (+ pgsql for DB=pgsql without
# DB_PARAMS), `make test` = serve build ui pgsql test package, `make bench` = serve build pgsql
# bench, `make bench-streams` = serve build bench (docs/install.md has each
# set's size on a bare Debian 12).
# scripts/check-deps.py checks that every module and command the tests use
# comes from a package named here.
set -eu
cd "$(dirname "$0")/.."

list=0
if [ "${1:-}" = --list ]; then
    list=1
    shift
fi
[ $# -gt 0 ] || set -- serve build ui pgsql test package

PACKAGES=""
npm_dirs=""
fetch_ui=0
for set in "$@"; do
    case "$set" in
    serve)
        PACKAGES="$PACKAGES apache2 libaprutil1-dbd-sqlite3
libaprutil1-dbd-pgsql libjansson4 libjwt0 libpq5 libsqlite3-0 libssl3
libcrypt1 libunistring2 openssl curl" ;;
    build)
        PACKAGES="$PACKAGES make gcc apache2-dev libjansson-dev libjwt-dev
libssl-dev libsqlite3-dev libcrypt-dev libunistring-dev libpq-dev" ;;
    ui)
        PACKAGES="$PACKAGES curl openssl ca-certificates"
        fetch_ui=1 ;;
    pgsql)
        PACKAGES="$PACKAGES postgresql-15" ;;
    test)
        PACKAGES="$PACKAGES python3 python3-pytest python3-pytest-xdist
python3-requests python3-websockets python3-prometheus-client prometheus chromium
postgresql-client-15 sqlite3 wrk libcmocka-dev clang-format cppcheck procps
binutils groff-base nodejs npm python3-pyflakes"
        npm_dirs="$npm_dirs tests/js" ;;
    package)
        PACKAGES="$PACKAGES dpkg-dev debhelper lintian mount" ;;
    fuzz)
        PACKAGES="$PACKAGES clang-14 libclang-rt-14-dev" ;;
    bench)
        PACKAGES="$PACKAGES wrk valgrind git python3 python3-requests
python3-websockets procps python3-fastapi python3-uvicorn python3-sqlmodel python3-sqlalchemy
python3-jose python3-passlib python3-bcrypt python3-multipart python3-uvloop
python3-httptools python3-psycopg2" ;;
    *)
        echo "deps.sh: no set '$set' (serve build ui pgsql test package" \
             "fuzz bench)" >&2
        exit 2 ;;
    esac
done

if [ $list = 1 ]; then
    # shellcheck disable=SC2086 # a list of names
    printf '%s\n' $PACKAGES | sort -u
    exit 0
fi

missing=""
for pkg in $(printf '%s\n' $PACKAGES | sort -u); do
    case "$pkg" in
    # Node.js 20 or later (Playwright needs it) and npm: whichever package
    # brought them (NodeSource's nodejs carries npm).
    nodejs) command -v node >/dev/null 2>&1 && continue ;;
    npm) command -v npm >/dev/null 2>&1 && continue ;;
    esac
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    case "$status" in
    *"install ok installed"*) ;;
    *) missing="$missing $pkg" ;;
    esac
done

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
    # prometheus package, whose server is not wanted, and postgresql-15
    # would start a cluster of its own on port 5432 (ours are private):
    # while those install, a policy-rc.d keeps services from being started.
    case " $missing " in
    *" prometheus "* | *" postgresql-15 "*)
        if [ ! -e /usr/sbin/policy-rc.d ]; then
            printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
            chmod 755 /usr/sbin/policy-rc.d
            trap 'rm -f /usr/sbin/policy-rc.d' EXIT
        fi ;;
    esac
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

if [ $fetch_ui = 1 ]; then
    sh scripts/ui-fetch.sh
fi

# npm ci where node_modules does not match the committed lock file (a copy
# of the lock it was installed from is kept inside node_modules). Install
# scripts are not run: none of these packages needs one.
for d in $npm_dirs; do
    if ! cmp -s "$d/package-lock.json" "$d/node_modules/.installed-lock.json"
    then
        echo "deps.sh: npm ci in $d"
        (cd "$d" && npm ci --no-audit --no-fund --ignore-scripts \
            --loglevel=error >/dev/null)
        cp "$d/package-lock.json" "$d/node_modules/.installed-lock.json"
    fi
done
