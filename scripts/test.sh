#!/bin/sh
# `make test`: static checks, the cmocka unit tests (plain, then under
# ASan+UBSan), the integration suite against a real httpd (over HTTP, over
# HTTPS, on PostgreSQL), and that suite again with an ASan+UBSan module.
# One part: test.sh static|unit|unit-asan|integration|tls|pgsql|asan.
#
# Each pass prints its runner's summary, pytest's ten slowest tests, and
# its time; a table of every pass's time and result ends the run. The
# exit code is non-zero if any failed.
set -u
cd "$(dirname "$0")/.."

what=${1:-all}
status=0
summary=""

# run NAME TITLE COMMAND...: one pass, timed.
run() {
    name=$1
    title=$2
    shift 2
    [ "$what" = all ] || [ "$what" = "$name" ] || return 0
    echo "== $title"
    start=$(date +%s)
    if "$@"; then
        result=ok
    else
        result=FAILED
        status=1
    fi
    took=$(($(date +%s) - start))
    echo "== $name: $result in ${took}s"
    summary="$summary$(printf '%-10s %-7s %5ss' "$name" "$result" "$took")
"
}

# The integration suite (scripts/integration.sh: parallel, then the
# serial files); the environment picks the pass.
suite() {
    # shellcheck disable=SC2086 # PYTEST_ARGS is words
    sh scripts/integration.sh ${PYTEST_ARGS:-}
}
# Every instance serves HTTPS with its self-signed certificate, and every
# client verifies it (tests/integration/env.py).
suite_tls() { TODO_TEST_TLS=1 suite; }
suite_pgsql() { TODO_TEST_DB=pgsql suite; }

# The unit tests of the core and of the glue (tests/glue: the glue's
# request helpers, routing, config and shared memory against a stub of
# httpd).
unit() {
    build/unit_tests && build/glue_tests
}
# The same built with ASan+UBSan: any report fails the pass.
unit_asan() {
    export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
    export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
    build/asan/unit_tests && build/asan/glue_tests
}

run static "static checks (clang-format, layout, docs, cppcheck, deps)" \
    sh scripts/check.sh
run unit "unit tests (cmocka): the core, then the glue" unit
run unit-asan "unit tests under ASan + UBSan" unit_asan
run integration "integration tests on SQLite (pytest, real httpd on loopback)" \
    suite
run tls "integration tests over HTTPS (SQLite)" suite_tls
run pgsql "integration tests on PostgreSQL (a private cluster, removed after)" \
    suite_pgsql
run asan "integration tests again, module built with ASan + UBSan" \
    sh scripts/test-asan.sh

if [ -n "$summary" ]; then
    echo "== passes"
    printf '%s' "$summary"
fi
exit $status
