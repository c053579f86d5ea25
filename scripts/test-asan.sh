#!/bin/sh
# Run the integration suite against build/asan/mod_todo.so (ASan + UBSan)
# and fail on any sanitizer report that involves mod_todo's code.
set -u
cd "$(dirname "$0")/.."
logs=$(pwd)/build/asan/logs
rm -rf "$logs"
mkdir -p "$logs"
chmod 1777 "$logs" # httpd's children (www-data) write here too

# Not the TLS tests: mod_ssl never runs OPENSSL_cleanup(), so at exit
# LeakSanitizer finds OpenSSL's process-wide random generator alive and
# blames the module, whose RAND_bytes() happened to create it first. The
# module runs the same code over HTTPS as over HTTP.
# shellcheck disable=SC2086 # PYTEST_ARGS is words
TODO_MODULE=$(pwd)/build/asan/mod_todo.so TODO_SAN_LOGDIR=$logs \
    sh scripts/integration.sh --ignore=tests/integration/test_160_tls.py \
    ${PYTEST_ARGS:-}
status=$?

# Which reports are ours: any memory error or UBSan finding, and any leak
# whose stack runs through the module or the libraries only it uses
# (httpd has already dlclose()d the module when LeakSanitizer runs at
# exit, so its own frames show as "<unknown module>"). httpd leaks one
# APR allocator per child at exit; that block alone is not ours, and
# neither is httpd's regex match data (libpcre2: mod_todo has no regex).
ours=$(awk '
    FNR == 1 { block = "" }
    /^$/ { if (block ~ /(todo_|mod_todo|jansson|libjwt|libcrypt|sqlite|unknown module)/ && block !~ /libpcre2/) { print FILENAME; nextfile } block = ""; next }
    /ERROR: AddressSanitizer|runtime error:/ { print FILENAME; nextfile }
    { block = block "\n" $0 }
    END { }
' "$logs"/* 2>/dev/null | sort -u)
total=$(ls "$logs" | wc -l)
if [ -n "$ours" ]; then
    echo "test-asan: sanitizer reports involving mod_todo:"
    for f in $ours; do
        echo "--- $f"
        head -80 "$f"
    done
    status=1
else
    echo "test-asan: no sanitizer report involves mod_todo" \
        "($total file(s) in total: httpd's own allocator at exit)"
fi
exit $status
