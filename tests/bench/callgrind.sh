#!/bin/sh
# Instructions per request, counted by valgrind's callgrind (repeatable on
# a shared machine, unlike requests/s).
#
#   tests/bench/callgrind.sh [requests] [outdir]
#
# Seeds an instance (one user, 1,000 tasks) with a normal httpd, then per
# scenario runs httpd -X (one process) under callgrind twice, with 100 and
# with 100 + requests requests over one keep-alive connection (curl), and
# prints the difference per request. The larger run's dump stays in
# outdir for callgrind_annotate --inclusive=yes. (callgrind_control -z/-d
# would need vgdb to ptrace an idle httpd, which this sandbox refuses.)
# Scenarios: the reads (trivial, auth_me, task_get, task_list), then the
# writes on SQLite (task_create: POST /tasks; task_patch: PATCH of one
# task, its status set to what it is): the whole write is in the process,
# SQLite included, but not the fsync's wait.
# TODO_MODULE (scripts/instance.sh) counts another build of the module
# (tests/bench/compare.sh's, for instance) with this tree's configuration.
set -eu
cd "$(dirname "$0")/../.."
. tests/bench/lib.sh
make --no-print-directory build >/dev/null

n=${1:-1000}
out=${2:-$(mktemp -d /tmp/mod_todo-cg-out.XXXXXX)}
mkdir -p "$out"
out=$(cd "$out" && pwd)
top=$(pwd)
work=$(mktemp -d /tmp/mod_todo-cg.XXXXXX)
chmod 755 "$work"
httpd=$(apxs -q SBINDIR)/$(apxs -q TARGET)
pid=""
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    [ -n "${KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT INT TERM

port=$(free_port)
conf=$(PROCS=1 THREADS=4 BCRYPT_COST=4 sh scripts/instance.sh "$work" "$port")
# One token for the whole run, however slow callgrind is.
echo "TodoAccessTokenLifetime 86400" >"$work/conf.d/profile.conf"
B=http://127.0.0.1:$port/api/v1

"$httpd" -f "$conf" -DFOREGROUND &
pid=$!
wait_up "$B" 600 || exit 1
token=$(register_login "$B")
/usr/bin/python3 "$top/tests/bench/seed.py" "$B" "$token" "$work"
task_id=$(cat "$work/first_id")
kill "$pid"
wait "$pid" 2>/dev/null || true

# As root, run valgrind as httpd's user from the start: httpd -X drops to
# that user, and callgrind then could not write its own output file.
asuser=
if [ "$(id -u)" = 0 ]; then
    chown -R www-data:www-data "$work" "$out"
    asuser="setpriv --reuid=www-data --regid=www-data --clear-groups"
fi

# measure NAME PATH COUNT [curl options]: httpd -X under callgrind,
# counting only inside ap_run_process_connection (each request's read,
# handling, response and log line; not start-up or shutdown), COUNT
# requests of PATH (GETs unless the options say otherwise) on one
# keep-alive connection, then a graceful stop (the dump). Prints the total
# Ir.
measure() {
    f="$out/callgrind.out.$1.$3"
    name=$1 path=$2 count=$3
    shift 3
    $asuser valgrind --tool=callgrind --vgdb=no --collect-atstart=no \
        --toggle-collect=ap_run_process_connection \
        --callgrind-out-file="$f" \
        "$httpd" -f "$conf" -X 2>"$out/valgrind.$name.$count.log" &
    pid=$!
    wait_up "$B" 600 || exit 1
    awk -v n="$count" -v url="$B$path" 'BEGIN {
        for (i = 0; i < n; i++) printf "url = \"%s\"\noutput = \"/dev/null\"\n", url
    }' >"$work/curl.cfg"
    curl -fsS -H "Authorization: Bearer $token" "$@" -K "$work/curl.cfg"
    kill "$pid"
    wait "$pid" 2>/dev/null || true
    pid=""
    awk '/^summary:/ { print $2 }' "$f"
}

# Two runs per scenario, $warm and $warm + $n requests: the difference is
# $n requests in the steady state (one-time work such as SQLite reading
# its schema on the first query cancels out).
warm=100
echo "| scenario | Ir/request |"
echo "|---|---:|"
for s in "trivial /healthz" "auth_me /auth/me" "task_get /tasks/$task_id" \
    "task_list /tasks?page_size=10" task_create task_patch; do
    set -- $s
    case $1 in
    task_create)
        set -- "$1" /tasks -H "Content-Type: application/json" \
            -d '{"title": "created under callgrind", "priority": "high"}' ;;
    task_patch)
        set -- "$1" "/tasks/$task_id" -X PATCH \
            -H "Content-Type: application/json" -d '{"status": "pending"}' ;;
    esac
    name=$1 path=$2
    shift 2
    a=$(measure "$name" "$path" "$warm" "$@")
    b=$(measure "$name" "$path" "$((warm + n))" "$@")
    printf '| %s | %d |\n' "$name" "$(((b - a) / n))"
done
echo
echo "dumps: $out/callgrind.out.<scenario>.$((warm + n)) (for callgrind_annotate)"
