#!/bin/sh
# The integration suite (tests/integration) with Debian's interpreter,
# where python3-pytest and its plugins live, in two phases:
#   1. every test file not marked serial, TEST_JOBS (default 4) files at
#      a time (pytest-xdist, --dist loadfile: a file's tests, and its
#      module fixtures, stay in one worker; each worker picks ports from
#      a range of its own, tests/integration/env.py);
#   2. the files conftest.py marks serial (what they assert depends on
#      time or load), one at a time, on a machine otherwise quiet.
# Arguments go to both pytest runs; the environment picks the pass
# (TODO_TEST_DB, TODO_TEST_TLS, TODO_MODULE).
set -u
cd "$(dirname "$0")/.."

pytest() {
    /usr/bin/python3 -m pytest -p no:cacheprovider -q --durations=10 "$@"
}

status=0
jobs=${TEST_JOBS:-4}
if [ "$jobs" -gt 1 ]; then
    pytest -n "$jobs" --dist loadfile -m "not serial" tests/integration \
        "$@" || status=1
    pytest -m serial tests/integration "$@"
    rc=$?
else
    pytest tests/integration "$@"
    rc=$?
fi
# 5: nothing collected (e.g. -k matched no serial test) is not a failure.
[ "$rc" -eq 0 ] || [ "$rc" -eq 5 ] || status=1
exit $status
