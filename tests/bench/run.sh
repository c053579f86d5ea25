#!/bin/sh
# mod_todo benchmarks: wrk against a real httpd, every scenario next to the
# trivial JSON handler (GET /healthz: routing + JSON, no database) and next
# to a bare httpd (same MPM, one module answering a fixed JSON body), both
# measured in the same run, so the ratios mean something on a shared
# machine.
#
#   tests/bench/run.sh [seconds] [connections]      (default: 10 64)
#
# Starts its own httpd per database in $BENCH_DBS (default: sqlite3 pgsql;
# PostgreSQL on a private cluster made for the run), registers and logs in
# one user, makes 1,000 tasks for it, warms up, then runs wrk -t2 --latency
# (keep-alive) per scenario:
#
#   bare           GET /healthz on the bare httpd: the ceiling of httpd
#                  itself on this machine (tests/bench/bare/: mod_bare,
#                  built here with apxs, the same event MPM shape and
#                  keep-alive settings as the mod_todo instance; no mod_todo)
#   trivial        GET /healthz: mod_todo's ceiling (no database, no token)
#   auth_me        GET /auth/me: token check + session/user lookup
#   task_get       GET /tasks/{id}
#   task_list      GET /tasks?page_size=10 (10 of the user's 1,000)
#   task_patch     PATCH /tasks/{random of the 1,000} {"status":"in_progress"}
#   task_create    POST /tasks
#   mixed          80 % GET /tasks/{random of the 1,000}, 20 % POST /tasks
#   login          POST /auth/login (form body), over and over: bound by
#                  bcrypt by design, so with few connections
#                  ($BENCH_LOGIN_CONNS, default 4) and the rate limits
#                  raised; printed next to its ceiling, cores / seconds per
#                  bcrypt hash at $BCRYPT_COST (timed here with Python's
#                  crypt, the same libcrypt as the module)
#   trivial_again  GET /healthz again: how far the machine wandered
#   bare_again     the bare httpd again
#
# Each row: requests/s, p50, p99, non-2xx, socket errors, requests/s as a
# share of the trivial handler's (the mean of trivial and trivial_again),
# p99 as a multiple of the trivial p99 (same mean), the same two against
# the bare httpd (the mean of bare and bare_again), and httpd's total RSS
# (every process of its session; the bare httpd's on its rows) before and
# after the scenario.
#
# Environment:
#   BENCH_DBS="sqlite3 pgsql"  databases to run on
#   BCRYPT_COST=12             the instance's TodoBcryptCost
#   PROCS=2 THREADS=64         the event MPM's shape (scripts/instance.sh)
#   BENCH_LOGIN_CONNS=4        connections for the login scenario
#   BENCH_LOGIN_SECS           its duration (default: seconds, at least 10)
#   BENCH_PEER=auto|1|0        the FastAPI peer (tests/bench/peer/), on
#                              each database of BENCH_DBS: auto = when its
#                              Debian packages are (or can be) installed
#                              (scripts/deps.sh bench)
#   BENCH_RSS_DBS="sqlite3"    the databases the memory check runs on
#   BENCH_RSS_REQUESTS=N       after the scenarios, the mixed load in wrk
#                              chunks of BENCH_RSS_CHUNK seconds (10) until
#                              N requests were served after a 20 s warm-up;
#                              prints httpd's RSS growth (target < 5 %)
#   BENCH_WRITE_DOCS=1         put the tables into docs/performance.md
#                              (between <!-- bench:begin/end --> markers);
#                              `run.sh --write-docs [results.md]` does only
#                              that, from the last run's build/bench/
#                              results.md (or the file named)
#   KEEP=1                     keep the work directory (/tmp/mod_todo-bench.*)
#
# The tables go to stdout and to build/bench/results.md; wrk's own output
# for every scenario to build/bench/<db>/, mod_bare.so and its apxs log to
# build/bench/bare/.
set -eu
cd "$(dirname "$0")/../.."
. tests/bench/lib.sh

# write_docs RESULTS: RESULTS' tables replace what is between the markers
# in docs/performance.md (a "## Latest run" section at the end, added if
# missing).
write_docs() {
    /usr/bin/python3 - docs/performance.md "$1" <<'PY'
import re, sys
doc, res = sys.argv[1:3]
text = open(doc).read()
tables = open(res).read().strip()
begin, end = "<!-- bench:begin -->", "<!-- bench:end -->"
# The markers on lines of their own (the prose may name them).
section = re.compile("^%s$.*?^%s$" % (begin, end), re.M | re.S)
if not section.search(text):
    text = text.rstrip("\n") + "\n\n## Latest run\n\n%s\n%s\n" % (begin, end)
text = section.sub(lambda m: begin + "\n\n" + tables + "\n\n" + end, text, 1)
open(doc, "w").write(text)
PY
    echo "run.sh: wrote the tables of $1 into docs/performance.md" >&2
}

# --write-docs [RESULTS]: only that, from an earlier run's tables (default
# build/bench/results.md, the last run's), once its figures were judged.
if [ "${1:-}" = --write-docs ]; then
    res=${2:-build/bench/results.md}
    [ -s "$res" ] || {
        echo "run.sh: no $res: run the bench first" >&2
        exit 1
    }
    write_docs "$res"
    exit 0
fi

sh scripts/deps.sh serve build pgsql bench >&2 # wrk, the FastAPI peer
make --no-print-directory build >/dev/null

secs=${1:-10}
conns=${2:-64}
threads=2
cost=${BCRYPT_COST:-12}
login_conns=${BENCH_LOGIN_CONNS:-4}
# A login takes a good part of a second: in a short run, the ones still in
# flight when wrk stops would weigh on the rate, so at least 10 s.
login_secs=${BENCH_LOGIN_SECS:-$((secs > 10 ? secs : 10))}
dur=$secs
rss_requests=${BENCH_RSS_REQUESTS:-0}
rss_chunk=${BENCH_RSS_CHUNK:-10}
cores=$(nproc)
top=$(pwd)
out=$top/build/bench
results=$out/results.md
rm -rf "$out" # this run's files only
mkdir -p "$out"
work=$(mktemp -d /tmp/mod_todo-bench.XXXXXX)
chmod 755 "$work"
httpd=$(apxs -q SBINDIR)/$(apxs -q TARGET)
py=/usr/bin/python3 # Debian's, with the peer's packages
pids=""
cleanup() {
    for p in $pids; do kill "$p" 2>/dev/null || true; done
    for p in $pids; do wait "$p" 2>/dev/null || true; done
    # Anything left of a session we started (setsid below).
    for p in $pids; do kill -- "-$p" 2>/dev/null || true; done
    # The private cluster, whichever pass it was started for (pg_up).
    if [ -d "$work/pgcluster" ]; then
        sh scripts/pg.sh stop "$work/pgcluster" >&2 || true
    fi
    [ -n "${KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT INT TERM

# The private PostgreSQL cluster in $work/pgcluster, one for the run: each
# pgsql pass (mod_todo's, then the peer's, each in a database of its own)
# starts it on a free port ($pgport) and stops it when done, so every pass
# starts from a freshly started server and no other pass runs beside an
# idle one. cleanup stops it on any exit.
pg_up() {
    pgport=$(free_port)
    sh scripts/pg.sh start "$work/pgcluster" "$pgport" >&2
}
pg_down() {
    sh scripts/pg.sh stop "$work/pgcluster" >&2
}

# pg_analyze NAME: ANALYZE database NAME once the 1,000 tasks are in. A
# table bulk-loaded a moment ago has no statistics until autovacuum's next
# round (up to a minute: autovacuum_naptime), and with none the planner
# sorts all 1,000 rows for a page of 10 instead of walking the (user_id,
# created_at, id) index. Production tables are analyzed; the bench
# measures that steady state, for mod_todo and the peer alike.
pg_analyze() {
    sh scripts/pg.sh sql "$work/pgcluster" "$pgport" "$1" ANALYZE >&2
}

# The peer runs when its packages are there (installing them as root).
peer=${BENCH_PEER:-auto}
peer_ok() {
    $py -c 'import fastapi, uvicorn, sqlmodel, jose, passlib, bcrypt, multipart, psycopg2' \
        2>/dev/null
}
if [ "$peer" != 0 ]; then
    peer_ok || sh scripts/deps.sh bench >&2 || true
    if peer_ok; then
        peer=1
    elif [ "$peer" = 1 ]; then
        echo "run.sh: BENCH_PEER=1 but the peer's packages are missing" \
            "(sh scripts/deps.sh bench, as root)" >&2
        exit 1
    else
        echo "run.sh: no peer (sh scripts/deps.sh bench installs it)" >&2
        peer=0
    fi
fi

# Print to stdout and into build/bench/results.md.
show() { tee -a "$results"; }

# Total RSS in MiB of every process in session $1: the server is started
# with setsid, so its session (and process group) id is its own pid.
rss() {
    ps -o rss= -s "$1" | awk '{ kb += $1 } END { printf "%.1f", kb / 1024 }'
}

# measure NAME CONNS URL [wrk args...]: one wrk run against server $pid
# (or $srv when set), appends "NAME rps p50 p99 non2xx sockerrs requests
# rss0 rss1" to $dir/results.
measure() {
    name=$1
    c=$2
    url=$3
    shift 3
    r0=$(rss "${srv:-$pid}")
    wrk -t$threads -c"$c" -d"${dur}s" --latency "$@" "$url" >"$dir/$name.out"
    r1=$(rss "${srv:-$pid}")
    echo "$name $(wrk_summary "$dir/$name.out") $r0 $r1" >>"$dir/results"
}

# table FILE: the Markdown table of a results file: each row against the
# trivial handler (the mean of the trivial rows) and against the bare
# httpd (the mean of the bare rows).
table() {
    awk '
        function ratio(v, c) { return c ? sprintf("%.0f%%", 100 * v / c) : "-" }
        function times(v, c) { return c ? sprintf("%.1f×", v / c) : "-" }
        NR == FNR && $1 ~ /^trivial/ { ceil += $2; p99 += $4; n++; next }
        NR == FNR && $1 ~ /^bare/ { bceil += $2; bp99 += $4; bn++; next }
        NR == FNR { next }
        FNR == 1 {
            if (n) { ceil /= n; p99 /= n }
            if (bn) { bceil /= bn; bp99 /= bn }
            print "| scenario | requests/s | p50 | p99 | non-2xx | socket errors | vs trivial | p99 vs trivial | vs bare | p99 vs bare | RSS MiB before → after |"
            print "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
        }
        {
            printf "| %s | %.0f | %.2fms | %.2fms | %d | %d | %s | %s | %s | %s | %s → %s |\n",
                $1, $2, $3, $4, $5, $6, ratio($2, ceil), times($4, p99),
                ratio($2, bceil), times($4, bp99), $8, $9
        }
    ' "$1" "$1"
}

# drift FILE: how far the machine wandered between the first and the last
# row of each ceiling (trivial → trivial_again, bare → bare_again).
drift() {
    awk '
        { rps[$1] = $2 }
        END {
            line = ""
            split("trivial bare", k, " ")
            for (i = 1; i <= 2; i++) {
                a = rps[k[i]]; b = rps[k[i] "_again"]
                if (!a || !b) continue
                d = 100 * (b - a) / a
                if (d > 15 || d < -15) wide = 1
                line = line sprintf("%s%s %.0f → %.0f requests/s (%+.0f%%)",
                    line == "" ? "" : ", ", k[i], a, b, d)
            }
            if (line == "") exit
            printf "First → last: %s%s.\n", line,
                wide ? "; more than 15 % apart: the machine was busy, the ratios are rough" : ""
        }
    ' "$1"
}

# Where a scenario had non-2xx answers or socket errors, say what the
# server logged about them: the statuses in its access log, and the event
# MPM running out of worker threads (it then closes keep-alive connections
# that become readable instead of queueing them: wrk counts a read error
# and reconnects). The bare httpd keeps no access log: only the latter.
explain_errors() {
    awk '$9 !~ /^2/ { n[$6 " " $9]++ } END { for (k in n) print k, n[k] }' \
        "$1/logs/access.log" | sort | while read -r method status n; do
        echo "- non-2xx in the access log: ${method#\"} → $status: $n"
    done
    for log in "$1/logs/error.log" "$bare/logs/error.log"; do
        busy=$(grep -c 'AH00484\|AH10159' "$log" || true)
        [ "$busy" -gt 0 ] || continue
        case "$log" in "$bare"/*) who="the bare httpd" ;; *) who=httpd ;; esac
        echo "- socket errors: wrk's read errors are keep-alive connections" \
            "$who closed for want of an idle worker thread in their" \
            "process ($busy × AH00484/AH10159 in its error log; event MPM" \
            "${PROCS:-2}×${THREADS:-64} threads for $conns connections)."
    done
}

# The bare httpd (tests/bench/bare/): mod_bare built with apxs into
# $out/bare, -O2 and the warnings mod_todo is built with (apxs.mk's
# WERROR_CFLAGS).
build_bare() {
    mkdir -p "$out/bare"
    cp tests/bench/bare/mod_bare.c "$out/bare/"
    wc=""
    for f in -O2 -Wall -Wextra -Werror -Wmissing-prototypes \
        -Wstrict-prototypes -Wshadow -Wformat=2 -Wvla -Wwrite-strings \
        -Wnull-dereference -Wformat-security; do
        wc="$wc -Wc,$f"
    done
    # shellcheck disable=SC2086 # wc is words
    (cd "$out/bare" && apxs -c $wc mod_bare.c >apxs.log 2>&1) || {
        cat "$out/bare/apxs.log" >&2
        exit 1
    }
}

# start_bare: its instance in $bare, started in its own session like the
# mod_todo instances; sets bare_pid and BARE (its base URL). Its event MPM
# shape and connection settings are the mod_todo instance's, taken line
# for line from the templates scripts/instance.sh fills in.
start_bare() {
    bare=$work/bare
    mkdir -p "$bare/logs" "$bare/run" "$bare/htdocs"
    chmod 755 "$bare"
    if [ "$(id -u)" = 0 ]; then
        user=www-data group=www-data # as scripts/instance.sh
    else
        user=$(id -un) group=$(id -gn)
    fi
    {
        grep -E '^(StartServers|ThreadsPerChild|MaxRequestWorkers|MinSpareThreads|MaxSpareThreads) ' \
            conf/httpd.conf.in
        grep -E '^(Timeout|KeepAlive|KeepAliveTimeout|MaxKeepAliveRequests) ' \
            conf/todo-limits.conf.in
    } | sed -e "s|@PROCS@|${PROCS:-2}|g" -e "s|@THREADS@|${THREADS:-64}|g" \
        -e "s|@WORKERS@|$((${PROCS:-2} * ${THREADS:-64}))|g" >"$bare/shape.conf"
    if [ "$(grep -c "^[A-Za-z]" "$bare/shape.conf")" -lt 8 ] ||
        grep -q @ "$bare/shape.conf"; then
        echo "run.sh: the MPM and keep-alive lines of conf/httpd.conf.in" \
            "and conf/todo-limits.conf.in are not as start_bare expects:" >&2
        cat "$bare/shape.conf" >&2
        exit 1
    fi
    bare_port=$(free_port)
    sed -e "s|@DIR@|$bare|g" -e "s|@LISTEN@|127.0.0.1:$bare_port|g" \
        -e "s|@USER@|$user|g" -e "s|@GROUP@|$group|g" \
        -e "s|@MODDIR@|$(apxs -q LIBEXECDIR)|g" \
        -e "s|@MODULE@|$out/bare/.libs/mod_bare.so|g" \
        tests/bench/bare/httpd.conf.in >"$bare/httpd.conf"
    BARE=http://127.0.0.1:$bare_port
    setsid "$httpd" -f "$bare/httpd.conf" -DFOREGROUND &
    bare_pid=$!
    pids="$pids $bare_pid"
    wait_up "$BARE"
}

# measure_bare NAME: the trivial scenario's wrk run against the bare httpd.
measure_bare() {
    srv=$bare_pid
    measure "$1" "$conns" "$BARE/healthz"
    unset srv
}

# Seconds one bcrypt hash takes at cost $1 (the best of three).
bcrypt_secs() {
    $py -W ignore - "$1" <<'PY'
import crypt, sys, time
salt = crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=1 << int(sys.argv[1]))
times = []
for _ in range(3):
    t = time.perf_counter()
    crypt.crypt("benchmark1", salt)
    times.append(time.perf_counter() - t)
print("%.4f" % min(times))
PY
}

# The wrk scripts. mixed.lua needs ids.lua (seed.py) in front of it.
lua_scripts() {
    write_lua "$dir"
    cat "$dir/ids.lua" - >"$dir/mixed.lua" <<'LUA'
-- 80 % GET /tasks/{random of the 1,000}, 20 % POST /tasks.
local threads = 0
function setup(thread)
    threads = threads + 1
    thread:set("thread_no", threads)
end
function init(args)
    math.randomseed(os.time() * 16 + (thread_no or 0))
    post_headers = {}
    for k, v in pairs(wrk.headers) do post_headers[k] = v end
    post_headers["Content-Type"] = "application/json"
end
local body = '{"title": "created by wrk (mixed)", "priority": "medium"}'
function request()
    if math.random(100) <= 20 then
        return wrk.format("POST", "/api/v1/tasks", post_headers, body)
    end
    return wrk.format("GET", "/api/v1/tasks/" .. ids[math.random(#ids)])
end
LUA
    cat >"$dir/login.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.body = "username=bench&password=benchmark1"
LUA
}

# rss_check: the mixed load in chunks until $rss_requests were served after
# a 20 s warm-up; httpd's RSS after the warm-up and at the end.
rss_check() {
    wrk -t$threads -c"$conns" -d20s -H "$auth" -s "$dir/mixed.lua" "$B/tasks" \
        >"$dir/rss-warmup.out"
    read -r _ _ _ non2xx errs warm_reqs <<EOF
$(wrk_summary "$dir/rss-warmup.out")
EOF
    start=$(rss "$pid")
    total=0 chunks=0 peak=$start
    echo "requests	rss_mib" >"$dir/rss.tsv"
    while [ "$total" -lt "$rss_requests" ]; do
        wrk -t$threads -c"$conns" -d"${rss_chunk}s" -H "$auth" \
            -s "$dir/mixed.lua" "$B/tasks" >"$dir/rss-chunk.out"
        read -r _ _ _ n e r <<EOF
$(wrk_summary "$dir/rss-chunk.out")
EOF
        total=$((total + r))
        non2xx=$((non2xx + n))
        errs=$((errs + e))
        chunks=$((chunks + 1))
        now=$(rss "$pid")
        peak=$(awk -v a="$peak" -v b="$now" 'BEGIN { print (b > a ? b : a) }')
        printf '%s\t%s\n' "$total" "$now" >>"$dir/rss.tsv"
    done
    end=$(rss "$pid")
    echo "#### Memory under the mixed load ($db)"
    echo
    echo "| requests after warm-up | chunks | RSS after 20 s warm-up | RSS at end | peak | growth | non-2xx | socket errors |"
    echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
    awk -v n="$total" -v c="$chunks" -v s="$start" -v e="$end" -v p="$peak" \
        -v x="$non2xx" -v k="$errs" 'BEGIN {
        printf "| %d | %d × %ss | %.1f MiB | %.1f MiB | %.1f MiB | %+.1f%% %s | %d | %d |\n",
            n, c, "'"$rss_chunk"'", s, e, p, 100 * (e - s) / s,
            (100 * (e - s) / s < 5 ? "(target < 5%: ok)" : "(target < 5%: OVER)"), x, k
    }'
    echo
    echo "Warm-up: $warm_reqs requests in 20 s (non-2xx and socket errors above include it)."
    echo
}

bench() {
    db=$1
    dir=$work/$db
    mkdir -p "$dir"
    chmod 755 "$dir"
    : >"$dir/results"
    port=$(free_port)
    if [ "$db" = pgsql ]; then
        pg_up
        sh scripts/pg.sh createdb "$work/pgcluster" "$pgport" bench >&2
        export DB_PARAMS="host=127.0.0.1 port=$pgport dbname=bench user=postgres connect_timeout=2"
    fi
    conf=$(DB=$db BCRYPT_COST=$cost sh scripts/instance.sh "$dir" "$port")
    # The login scenario logs in far more than 10 times a minute from one
    # address into one account: lift the contract's rate limits (as the
    # integration tests do with rate_limits=False).
    for kind in register login login-account; do
        echo "TodoRateLimit $kind 1000000 1"
    done >"$dir/conf.d/00-bench-ratelimits.conf"
    B=http://127.0.0.1:$port/api/v1
    setsid "$httpd" -f "$conf" -DFOREGROUND &
    pid=$!
    pids="$pids $pid"
    wait_up "$B"

    token=$(register_login "$B")
    auth="Authorization: Bearer $token"
    # 1,000 tasks for the list and single-task scenarios, made in bulk.
    $py "$top/tests/bench/seed.py" "$B" "$token" "$dir"
    if [ "$db" = pgsql ]; then
        pg_analyze bench
    fi
    task_id=$(cat "$dir/first_id")
    lua_scripts

    # Warm up (pools, caches) at the measured concurrency, so that every
    # database connection the scenarios need is open before they start
    # (on PostgreSQL each one starts a server process), then measure.
    wrk -t1 -c8 -d2s "$B/healthz" >/dev/null
    wrk -t2 -c"$conns" -d3s -H "$auth" "$B/tasks/$task_id" >/dev/null
    # The two ceilings answer the same body (mod_bare.c).
    if [ "$(curl -fsS "$BARE/healthz")" != "$(curl -fsS "$B/healthz")" ]; then
        echo "run.sh: the bare httpd's GET /healthz body is not mod_todo's" >&2
        exit 1
    fi
    wrk -t2 -c"$conns" -d2s "$BARE/healthz" >/dev/null
    measure_bare bare
    measure trivial "$conns" "$B/healthz"
    measure auth_me "$conns" "$B/auth/me" -H "$auth"
    measure task_get "$conns" "$B/tasks/$task_id" -H "$auth"
    measure task_list "$conns" "$B/tasks?page_size=10" -H "$auth"
    measure task_patch "$conns" "$B/tasks" -H "$auth" -s "$dir/patch.lua"
    measure task_create "$conns" "$B/tasks" -H "$auth" -s "$dir/create.lua"
    measure mixed "$conns" "$B/tasks" -H "$auth" -s "$dir/mixed.lua"
    hash=$(bcrypt_secs "$cost")
    dur=$login_secs
    measure login "$login_conns" "$B/auth/login" --timeout 60s -s "$dir/login.lua"
    dur=$secs
    measure trivial_again "$conns" "$B/healthz"
    measure_bare bare_again

    {
        echo "### mod_todo, $db"
        echo
        table "$dir/results"
        echo
        drift "$dir/results"
        echo
        awk -v cores="$cores" -v h="$hash" -v cost="$cost" -v c="$login_conns" \
            -v d="$login_secs" '
            $1 == "login" {
                ceil = cores / h
                printf "login: %.1f logins/s with %d connections for %d s; one bcrypt hash at cost %d takes %.1f ms here, so the ceiling is %d cores / %.1f ms = %.1f logins/s: **%.0f%%** of it.\n",
                    $2, c, d, cost, 1000 * h, cores, 1000 * h, ceil, 100 * $2 / ceil
            }' "$dir/results"
        echo
        if awk '$5 > 0 || $6 > 0 { bad = 1 } END { exit !bad }' "$dir/results"; then
            explain_errors "$dir"
            echo
        fi
        if [ "$rss_requests" -gt 0 ]; then
            case " ${BENCH_RSS_DBS:-sqlite3} " in
            *" $db "*) rss_check ;;
            esac
        fi
    } | show

    kill "$pid"
    wait "$pid" 2>/dev/null || true
    mkdir -p "$out/$db"
    cp "$dir"/*.out "$dir/results" "$out/$db/"
    [ -f "$dir/rss.tsv" ] && cp "$dir/rss.tsv" "$out/$db/"
    if [ "$db" = pgsql ]; then
        pg_down # the peer's pass starts it again, for a database of its own
    fi
}

# bench_peer DB: the FastAPI peer on DB (sqlite3: a file in WAL mode, as
# mod_todo's; pgsql: a database of its own, "peer", on the same private
# cluster, through psycopg2), same seed, same warm-up, same wrk arguments
# and scripts; compared with mod_todo's figures on DB from earlier in this
# run.
bench_peer() {
    pdb=$1
    db=peer-$pdb
    dir=$work/$db
    mkdir -p "$dir"
    : >"$dir/results"
    port=$(free_port)
    B=http://127.0.0.1:$port/api/v1
    secret=$(openssl rand -hex 32)
    export PEER_SECRET="$secret" BCRYPT_COST="$cost"
    export PYTHONDONTWRITEBYTECODE=1
    if [ "$pdb" = pgsql ]; then
        pg_up
        sh scripts/pg.sh createdb "$work/pgcluster" "$pgport" peer >&2
        export PEER_PG="postgresql+psycopg2://postgres@127.0.0.1:$pgport/peer"
        what="PostgreSQL through psycopg2, a pool of 32 + 8 connections per worker"
    else
        unset PEER_PG
        export PEER_DB="$dir/peer.db"
        what="SQLite, WAL with synchronous=FULL"
    fi
    $py "$top/tests/bench/peer/app.py" init
    setsid $py -m uvicorn app:app --app-dir "$top/tests/bench/peer" \
        --host 127.0.0.1 --port "$port" --workers 2 --no-access-log \
        --log-level warning >"$dir/uvicorn.log" 2>&1 &
    pid=$!
    pids="$pids $pid"
    wait_up "$B"
    token=$(register_login "$B")
    auth="Authorization: Bearer $token"
    $py "$top/tests/bench/seed.py" "$B" "$token" "$dir" single
    if [ "$pdb" = pgsql ]; then
        pg_analyze peer
    fi
    task_id=$(cat "$dir/first_id")
    lua_scripts
    # mod_todo's warm-up: every connection the scenarios need is open (and
    # on PostgreSQL its server process started) before they start.
    wrk -t1 -c8 -d2s "$B/healthz" >/dev/null
    wrk -t2 -c"$conns" -d3s -H "$auth" "$B/tasks/$task_id" >/dev/null
    measure trivial "$conns" "$B/healthz"
    measure task_get "$conns" "$B/tasks/$task_id" -H "$auth"
    measure task_list "$conns" "$B/tasks?page_size=10" -H "$auth"
    measure task_create "$conns" "$B/tasks" -H "$auth" -s "$dir/create.lua"
    kill "$pid"
    wait "$pid" 2>/dev/null || true
    if [ "$pdb" = pgsql ]; then
        pg_down
    fi
    mkdir -p "$out/$db"
    cp "$dir"/*.out "$dir/results" "$dir/uvicorn.log" "$out/$db/"

    {
        echo "### mod_todo ($pdb) / peer ($pdb): FastAPI + SQLModel + uvicorn, 2 workers, $what"
        echo
        echo "| scenario | mod_todo req/s | peer req/s | mod_todo / peer | mod_todo p99 | peer p99 | peer non-2xx | peer socket errors | peer RSS MiB before → after |"
        echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
        awk '
            # mod_todo trivial: the mean of trivial and trivial_again.
            NR == FNR && $1 ~ /^trivial/ {
                n++; rps["trivial"] += ($2 - rps["trivial"]) / n
                p99["trivial"] += ($4 - p99["trivial"]) / n; next
            }
            NR == FNR { rps[$1] = $2; p99[$1] = $4; next }
            ($1 in rps) {
                printf "| %s | %.0f | %.0f | %.1f× | %.2fms | %.2fms | %d | %d | %s → %s |\n",
                    $1, rps[$1], $2, $2 ? rps[$1] / $2 : 0, p99[$1], $4, $5, $6, $8, $9
            }
        ' "$work/$pdb/results" "$dir/results"
        echo
        echo "The peer's trivial row is its own GET /healthz (mod_todo's is the mean of its two)."
        echo
    } | show
}

build_bare
{
    echo "Run of $(date -u +%Y-%m-%d) (UTC): $cores cores ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo));" \
        "wrk -t$threads -c$conns -d${secs}s --latency, keep-alive (login: -c$login_conns -d${login_secs}s);" \
        "event MPM ${PROCS:-2}×${THREADS:-64} (processes × threads); bcrypt cost $cost;" \
        "databases: ${BENCH_DBS:-sqlite3 pgsql}; peer: $([ "$peer" = 1 ] && echo yes || echo no)."
    echo
    echo "bare and bare_again: GET /healthz on a bare httpd (tests/bench/bare/:" \
        "one module answering a fixed 15-byte JSON body, same MPM shape and" \
        "keep-alive settings, no mod_todo, no logs); its RSS on its rows."
    echo
} | show
start_bare
dbs=${BENCH_DBS:-sqlite3 pgsql}
for db in $dbs; do
    bench "$db"
done

# The peer on each database mod_todo ran on, after all of mod_todo's
# passes (their tables first, as before).
if [ "$peer" = 1 ]; then
    for db in $dbs; do
        bench_peer "$db"
    done
fi

if [ "${BENCH_WRITE_DOCS:-0}" = 1 ]; then
    write_docs "$results"
fi
