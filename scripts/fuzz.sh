#!/bin/sh
# `make fuzz`: run each libFuzzer target (built by tests/fuzz/fuzz.mk) for
# FUZZ_TIME seconds, starting from its committed seeds in
# tests/fuzz/corpus/<target>/. New inputs go to build/fuzz/corpus/<target>/
# (never into the committed seeds); a crash leaves
# build/fuzz/crash-<target>-<sha1> and fails the run.
set -u
cd "$(dirname "$0")/.."
FUZZ_TIME=${FUZZ_TIME:-30}
FUZZ_BUILD=${FUZZ_BUILD:-build/fuzz}
status=0

printf '%-10s %10s %8s %8s %s\n' target execs cov ft result
for t in "$@"; do
    bin=$FUZZ_BUILD/fuzz_$t
    work=$FUZZ_BUILD/corpus/$t
    log=$FUZZ_BUILD/$t.log
    mkdir -p "$work" "tests/fuzz/corpus/$t"
    "$bin" -max_total_time="$FUZZ_TIME" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$FUZZ_BUILD/crash-$t-" \
        "$work" "tests/fuzz/corpus/$t" > "$log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
    cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
    ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
    if [ $rc = 0 ]; then
        result=ok
    else
        result="FAILED (exit $rc, see $log)"
        status=1
    fi
    printf '%-10s %10s %8s %8s %s\n' "$t" "${execs:-?}" "${cov:-?}" \
        "${ft:-?}" "$result"
done
[ $status = 0 ] || grep -h -A3 'ERROR: \|^artifact_prefix\|Test unit written' \
    "$FUZZ_BUILD"/*.log >&2
exit $status
