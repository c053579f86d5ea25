#!/bin/sh
# `make test`: static checks, the cmocka unit tests, the integration suite
# against a real httpd (over HTTP, over HTTPS, on PostgreSQL), and that
# suite again with an ASan+UBSan module. One part: test.sh unit|integration|
# tls|pgsql|asan.
# Each prints its runner's summary; the exit code is non-zero if any failed.
set -u
cd "$(dirname "$0")/.."

what=${1:-all}
status=0

if [ "$what" = all ]; then
    echo "== static checks (clang-format, core/glue split, docs, cppcheck, deps)"
    sh scripts/check.sh || status=1
fi

if [ "$what" = all ] || [ "$what" = unit ]; then
    echo "== unit tests (cmocka)"
    build/unit_tests || status=1
fi

if [ "$what" = all ] || [ "$what" = integration ]; then
    echo "== integration tests on SQLite (pytest, real httpd on loopback)"
    # Debian's interpreter, where python3-pytest and python3-requests live.
    /usr/bin/python3 -m pytest -p no:cacheprovider -q tests/integration \
        ${PYTEST_ARGS:-} || status=1
fi
if [ "$what" = all ] || [ "$what" = tls ]; then
    echo "== integration tests over HTTPS (SQLite)"
    # Every instance serves HTTPS with its self-signed certificate, and
    # every client verifies it (tests/integration/env.py).
    TODO_TEST_TLS=1 /usr/bin/python3 -m pytest -p no:cacheprovider -q \
        tests/integration ${PYTEST_ARGS:-} || status=1
fi
if [ "$what" = all ] || [ "$what" = pgsql ]; then
    echo "== integration tests on PostgreSQL (a private cluster, removed after)"
    TODO_TEST_DB=pgsql /usr/bin/python3 -m pytest -p no:cacheprovider -q \
        tests/integration ${PYTEST_ARGS:-} || status=1
fi

if [ "$what" = all ] || [ "$what" = asan ]; then
    echo "== integration tests again, module built with ASan + UBSan"
    sh scripts/test-asan.sh || status=1
fi
exit $status
