#!/bin/sh
# mod_todo benchmarks: wrk against a real httpd, every scenario next to the
# trivial JSON handler (GET /healthz: routing + JSON, no database) measured
# in the same run, so the ratio means something on a shared machine.
#
#   tests/bench/run.sh [seconds] [connections]
#
# Runs the scenarios on each database in $BENCH_DBS (default: sqlite3
# pgsql; PostgreSQL on a private cluster made for the run) and prints one
# Markdown table per database: requests/s, p50, p99, non-2xx, and the
# ratio to the trivial handler measured in that same run.
set -eu
cd "$(dirname "$0")/../.."
sh scripts/deps.sh # wrk among the rest, on a fresh machine
make --no-print-directory build >/dev/null

secs=${1:-10}
conns=${2:-64}
threads=2
top=$(pwd)
work=$(mktemp -d /tmp/mod_todo-bench.XXXXXX)
chmod 755 "$work"
httpd=$(apxs -q SBINDIR)/$(apxs -q TARGET)
pids=""
cleanup() {
    for p in $pids; do kill "$p" 2>/dev/null || true; done
    for p in $pids; do wait "$p" 2>/dev/null || true; done
    [ -d "$work/pgcluster" ] && sh scripts/pg.sh stop "$work/pgcluster" || true
    [ -n "${KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT INT TERM

free_port() {
    /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# run NAME PATH [wrk args...]: prints "NAME rps p50 p99 non2xx"
run() {
    name=$1
    path=$2
    shift 2
    wrk -t$threads -c"$conns" -d"${secs}s" --latency "$@" "$B$path" \
        >"$dir/$name.out"
    awk -v name="$name" '
        /Requests\/sec/ { rps = $2 }
        $1 == "50%" { p50 = $2 }
        $1 == "99%" { p99 = $2 }
        /Non-2xx/ { non2xx = $NF }
        END { printf "%s %s %s %s %s\n", name, rps, p50, p99, (non2xx ? non2xx : 0) }
    ' "$dir/$name.out"
}

bench() {
    db=$1
    dir=$work/$db
    mkdir -p "$dir"
    chmod 755 "$dir"
    port=$(free_port)
    if [ "$db" = pgsql ]; then
        pgport=$(free_port)
        sh scripts/pg.sh start "$work/pgcluster" "$pgport"
        sh scripts/pg.sh createdb "$work/pgcluster" "$pgport" bench
        export DB_PARAMS="host=127.0.0.1 port=$pgport dbname=bench user=postgres connect_timeout=2"
    fi
    conf=$(DB=$db BCRYPT_COST=${BCRYPT_COST:-12} sh scripts/instance.sh "$dir" "$port")
    B=http://127.0.0.1:$port/api/v1
    "$httpd" -f "$conf" -DFOREGROUND &
    pid=$!
    pids="$pids $pid"
    for _ in $(seq 100); do
        curl -fs "$B/healthz" >/dev/null 2>&1 && break
        sleep 0.1
    done

    curl -fs -X POST "$B/auth/register" -H 'Content-Type: application/json' \
        -d '{"email":"bench@example.com","username":"bench","password":"benchmark1"}' >/dev/null
    token=$(curl -fs -X POST "$B/auth/login" -d 'username=bench&password=benchmark1' |
        /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')

    # 1,000 tasks for the list and single-task scenarios, made in bulk.
    /usr/bin/python3 "$top/tests/bench/seed.py" "$B" "$token" "$dir"
    task_id=$(cat "$dir/first_id")
    cat >"$dir/create.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"title": "created by wrk", "priority": "high"}'
LUA
    cat "$dir/ids.lua" >"$dir/patch.lua"
    cat >>"$dir/patch.lua" <<'LUA'
wrk.method = "PATCH"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"status": "in_progress"}'
request = function()
    return wrk.format(nil, "/api/v1/tasks/" .. ids[math.random(#ids)])
end
LUA

    # Warm up (pools, caches), then measure.
    auth="Authorization: Bearer $token"
    wrk -t1 -c8 -d2s "$B/healthz" >/dev/null
    wrk -t1 -c8 -d2s -H "$auth" "$B/tasks/$task_id" >/dev/null
    {
        run trivial /healthz
        run auth_me /auth/me -H "$auth"
        run task_get "/tasks/$task_id" -H "$auth"
        run task_list "/tasks?page_size=10" -H "$auth"
        run task_patch /tasks -H "$auth" -s "$dir/patch.lua"
        run task_create /tasks -H "$auth" -s "$dir/create.lua"
        run trivial_again /healthz
    } >"$dir/results"
    kill "$pid"
    wait "$pid" 2>/dev/null || true

    echo "### $db"
    echo
    awk '
        NR == FNR && $1 ~ /^trivial/ { ceil += $2; n++; next }
        FNR == 1 && !printed {
            ceil /= n
            print "| scenario | requests/s | p50 | p99 | non-2xx | vs trivial |"
            print "|---|---:|---:|---:|---:|---:|"
            printed = 1
        }
        NR != FNR { printf "| %s | %.0f | %s | %s | %s | %.0f%% |\n", $1, $2, $3, $4, $5, 100 * $2 / ceil }
    ' "$dir/results" "$dir/results"
    echo
}

echo "wrk -t$threads -c$conns -d${secs}s, keep-alive; $(nproc) cores; $(date -u +%Y-%m-%d)"
echo
for db in ${BENCH_DBS:-sqlite3 pgsql}; do
    bench "$db"
done
