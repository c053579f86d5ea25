# shellcheck shell=sh
# Shell helpers shared by tests/bench/run.sh and tests/bench/callgrind.sh
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
