#!/bin/sh
# Run the integration suite against build/asan/mod_todo.so (ASan + UBSan)
# and fail on any sanitizer report that involves mod_todo's code.
set -u
cd "$(dirname "$0")/.."
logs=$(pwd)/build/asan/logs
rm -rf "$logs"
mkdir -p "$logs"
chmod 1777 "$logs" # httpd's children (www-data) write here too

TODO_MODULE=$(pwd)/build/asan/mod_todo.so TODO_SAN_LOGDIR=$logs \
    /usr/bin/python3 -m pytest -p no:cacheprovider -q tests/integration \
    ${PYTEST_ARGS:-}
status=$?

reports=$(grep -l "mod_todo\|todo_" "$logs"/* 2>/dev/null || true)
others=$(ls "$logs" | wc -l)
if [ -n "$reports" ]; then
    echo "test-asan: sanitizer reports involving mod_todo:"
    for f in $reports; do
        echo "--- $f"
        head -60 "$f"
    done
    status=1
else
    echo "test-asan: no sanitizer report involves mod_todo" \
        "($others report file(s) in total, from httpd/APR itself)"
fi
exit $status
