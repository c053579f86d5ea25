#!/bin/sh
# mod_todo benchmarks: wrk against a real httpd, every scenario next to the
# trivial JSON handler (GET /healthz: routing + JSON, no database) measured
# in the same run, so the ratio means something on a shared machine.
#
#   tests/bench/run.sh [seconds] [connections]
#
# Prints a Markdown table (requests/s, p50, p99, ratio to the ceiling).
set -eu
cd "$(dirname "$0")/../.."

secs=${1:-10}
conns=${2:-64}
threads=2
dir=$(mktemp -d /tmp/mod_todo-bench.XXXXXX)
chmod 755 "$dir"
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
conf=$(BCRYPT_COST=${BCRYPT_COST:-12} sh scripts/instance.sh "$dir" "$port")
httpd=$(apxs -q SBINDIR)/$(apxs -q TARGET)
B=http://127.0.0.1:$port/api/v1

"$httpd" -f "$conf" -DFOREGROUND &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$dir"' EXIT INT TERM
for _ in $(seq 50); do
    curl -fs "$B/healthz" >/dev/null 2>&1 && break
    sleep 0.1
done

curl -fs -X POST "$B/auth/register" -H 'Content-Type: application/json' \
    -d '{"email":"bench@example.com","username":"bench","password":"benchmark1"}' >/dev/null
token=$(curl -fs -X POST "$B/auth/login" -d 'username=bench&password=benchmark1' |
    /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')

# 1,000 tasks for the list and the single-task scenarios, made in bulk.
/usr/bin/python3 - "$B" "$token" "$dir" <<'PY'
import json, sys, urllib.request
base, token, out = sys.argv[1:4]
ids = []
for chunk in range(10):
    body = json.dumps({"tasks": [{"title": "bench task %d" % (chunk * 100 + i),
                                  "priority": ["low", "medium", "high"][i % 3]}
                                 for i in range(100)]}).encode()
    req = urllib.request.Request(base + "/tasks/bulk", data=body, headers={
        "Authorization": "Bearer " + token,
        "Content-Type": "application/json"})
    ids += [t["id"] for t in json.load(urllib.request.urlopen(req))["tasks"]]
with open(out + "/ids.lua", "w") as f:
    f.write("ids = {%s}\n" % ", ".join('"%s"' % i for i in ids))
with open(out + "/first_id", "w") as f:
    f.write(ids[0])
PY
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

# run NAME PATH [wrk args...]: prints "NAME rps p50 p99"
run() {
    name=$1
    path=$2
    shift 2
    wrk -t$threads -c"$conns" -d"${secs}s" --latency "$@" "$B$path" >"$dir/$name.out"
    awk -v name="$name" '
        /Requests\/sec/ { rps = $2 }
        $1 == "50%" { p50 = $2 }
        $1 == "99%" { p99 = $2 }
        /Non-2xx/ { non2xx = $NF }
        END { printf "%s %s %s %s %s\n", name, rps, p50, p99, (non2xx ? non2xx : 0) }
    ' "$dir/$name.out"
}

# Warm up both paths (pools, page cache), then measure.
wrk -t1 -c8 -d2s "$B/healthz" >/dev/null
wrk -t1 -c8 -d2s -H "Authorization: Bearer $token" "$B/auth/me" >/dev/null

auth="Authorization: Bearer $token"
{
    run trivial /healthz
    run auth_me /auth/me -H "$auth"
    run task_get "/tasks/$task_id" -H "$auth"
    run task_list "/tasks?page_size=10" -H "$auth"
    run task_patch /tasks -H "$auth" -s "$dir/patch.lua"
    run task_create /tasks -H "$auth" -s "$dir/create.lua"
    run trivial_again /healthz
} >"$dir/results"

echo "wrk -t$threads -c$conns -d${secs}s, keep-alive; $(nproc) cores; $(date -u +%Y-%m-%d)"
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
