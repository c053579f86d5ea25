# shellcheck shell=sh
# Shell helpers shared by tests/bench/run.sh, compare.sh and callgrind.sh
# (sourced: POSIX sh, no side effects).

# free_port: a free TCP port on 127.0.0.1.
free_port() {
    /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_up BASE [TRIES]: wait (0.1 s per try, default 200) until BASE/healthz
# answers; 1 if it never does.
wait_up() {
    for _ in $(seq "${2:-200}"); do
        curl -fs "$1/healthz" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "$0: nothing answers $1/healthz" >&2
    return 1
}

# register_login BASE: registers the bench user, prints a bearer token.
register_login() {
    curl -fsS -X POST "$1/auth/register" -H 'Content-Type: application/json' \
        -d '{"email":"bench@example.com","username":"bench","password":"benchmark1"}' \
        >/dev/null
    curl -fsS -X POST "$1/auth/login" -d 'username=bench&password=benchmark1' |
        /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'
}

# wrk_summary FILE: "rps p50ms p99ms non2xx sockerrs requests"
wrk_summary() {
    awk '
        function ms(v) {
            if (v ~ /us$/) return v / 1000
            if (v ~ /ms$/) return v + 0
            if (v ~ /m$/) return v * 60000
            if (v ~ /s$/) return v * 1000
            return v + 0
        }
        $2 == "requests" && $3 == "in" { reqs = $1 }
        /Requests\/sec/ { rps = $2 }
        $1 == "50%" { p50 = ms($2) }
        $1 == "99%" { p99 = ms($2) }
        /Non-2xx/ { non2xx = $NF }
        /Socket errors/ { errs = $4 + $6 + $8 + $10 }
        END { printf "%s %.3f %.3f %d %d %d\n", rps, p50, p99, non2xx, errs, reqs }
    ' "$1"
}

# write_lua DIR: the write scenarios' wrk scripts, create.lua (POST /tasks)
# and patch.lua (PATCH of a random one of the seeded tasks: DIR/ids.lua,
# from seed.py, goes in front of it).
write_lua() {
    cat >"$1/create.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"title": "created by wrk", "priority": "high"}'
LUA
    cat "$1/ids.lua" - >"$1/patch.lua" <<'LUA'
wrk.method = "PATCH"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"status": "in_progress"}'
request = function()
    return wrk.format(nil, "/api/v1/tasks/" .. ids[math.random(#ids)])
end
LUA
}
