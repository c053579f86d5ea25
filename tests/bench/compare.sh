#!/bin/sh
# What a change costs the write path: this tree's module against another
# build of it, in one run, each as a share of its own trivial handler.
#
#   tests/bench/compare.sh [REF] [seconds] [connections]   (main 10 64)
#
# REF, a git ref of this repository, is exported (git archive) into a
# temporary directory and built there; this tree is built as usual. Then,
# per database in $BENCH_DBS (default: sqlite3 pgsql), $BENCH_ROUNDS rounds
# (default 3); in each, this tree, then REF: a fresh instance made by that
# tree's own scripts/instance.sh with its own module (a new SQLite file; on
# PostgreSQL, a new database in one private cluster), one user registered
# and logged in, 1,000 tasks (seed.py), a warm-up, then wrk -t2 --latency
# (keep-alive):
#
#   trivial        GET /healthz: routing + JSON, no database
#   task_create    POST /tasks (one user: on PostgreSQL one user's writes
#                  commit one at a time, by design)
#   task_create_users  POST /tasks, each request as one of 64 users
#   task_patch     PATCH /tasks/{random of the 1,000} {"status":"in_progress"}
#   trivial_again  GET /healthz
#
# The two alternate, so that what else the machine does weighs on both
# alike. Printed per database: for each build and scenario the median over
# the rounds of requests/s, of p99, and of the share of that instance's
# trivial handler (the mean of its two trivial rows); then this tree's
# share against REF's, and what that difference is per write in time of
# the machine at the ceiling (1 / (share x trivial requests/s), the
# trivial rate being the mean of every trivial row of the database).
# Tables to stdout and build/bench/compare.md, wrk's output to
# build/bench/compare/<db>/.
#
# Environment: BENCH_DBS, BENCH_ROUNDS, BCRYPT_COST (4: nothing measured
# hashes, and 65 users register in each instance), PROCS and THREADS
# (instance.sh's 2 x 64), KEEP=1 keeps the work directory.
set -eu
cd "$(dirname "$0")/../.."
. tests/bench/lib.sh
ref=${1:-main}
secs=${2:-10}
conns=${3:-64}
rounds=${BENCH_ROUNDS:-3}
dbs=${BENCH_DBS:-sqlite3 pgsql}
cost=${BCRYPT_COST:-4}
top=$(pwd)
out=$top/build/bench/compare
results=$top/build/bench/compare.md
httpd=$(apxs -q SBINDIR)/$(apxs -q TARGET)
py=/usr/bin/python3
base_rev=$(git rev-parse --short "$ref^{commit}")
this_rev=$(git rev-parse --short HEAD)
if [ -n "$(git status --porcelain --untracked-files=no)" ]; then
    this_rev="$this_rev+changes"
fi

work=$(mktemp -d /tmp/mod_todo-compare.XXXXXX)
chmod 755 "$work"
pid=""
cleanup() {
    if [ -n "$pid" ]; then
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
    if [ -d "$work/pgcluster" ]; then
        sh scripts/pg.sh stop "$work/pgcluster" >&2 || true
    fi
    [ -n "${KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT INT TERM


# one DB SIDE ROUND: start SIDE's instance (this or base), seed it,
# measure, stop; appends "side round scenario rps p50 p99 non2xx errs" to
# $work/$db.results.
one() {
    db=$1 side=$2 round=$3
    case $side in
    this) tree=$top ;;
    base) tree=$work/base ;;
    esac
    dir=$work/$db-$side-$round
    mkdir -p "$dir"
    chmod 755 "$dir"
    port=$(free_port)
    if [ "$db" = pgsql ]; then
        name=bench_${side}_$round
        sh scripts/pg.sh createdb "$work/pgcluster" "$pgport" "$name" >&2
        DB_PARAMS="host=127.0.0.1 port=$pgport dbname=$name user=postgres connect_timeout=2"
        export DB_PARAMS
    fi
    # (REF's export has no npm packages: Swagger UI from this tree's.)
    conf=$(cd "$tree" && DB=$db BCRYPT_COST=$cost TODO_UI_DIR="$top/ui" \
        sh scripts/instance.sh "$dir" "$port")
    for kind in register login login-account; do
        echo "TodoRateLimit $kind 1000000 1"
    done >"$dir/conf.d/00-bench-ratelimits.conf"
    B=http://127.0.0.1:$port/api/v1
    setsid "$httpd" -f "$conf" -DFOREGROUND &
    pid=$!
    wait_up "$B"
    token=$(register_login "$B")
    auth="Authorization: Bearer $token"
    $py "$top/tests/bench/seed.py" "$B" "$token" "$dir"
    $py "$top/tests/bench/users.py" "$B" 64 "$dir"
    write_lua "$dir"
    cat "$dir/tokens.lua" - >"$dir/users.lua" <<'LUA'
local headers = {["Content-Type"] = "application/json"}
local body = '{"title": "created by wrk", "priority": "high"}'
request = function()
    headers["Authorization"] = "Bearer " .. tokens[math.random(#tokens)]
    return wrk.format("POST", "/api/v1/tasks", headers, body)
end
LUA
    wrk -t1 -c8 -d2s "$B/healthz" >/dev/null
    wrk -t1 -c8 -d2s -H "$auth" -s "$dir/create.lua" "$B/tasks" >/dev/null
    for scenario in trivial task_create task_create_users task_patch \
        trivial_again; do
        case $scenario in
        trivial*) set -- "$B/healthz" ;;
        task_create) set -- -H "$auth" -s "$dir/create.lua" "$B/tasks" ;;
        task_create_users) set -- -s "$dir/users.lua" "$B/tasks" ;;
        task_patch) set -- -H "$auth" -s "$dir/patch.lua" "$B/tasks" ;;
        esac
        f=$out/$db/$side-$round-$scenario.out
        wrk -t2 -c"$conns" -d"${secs}s" --latency "$@" >"$f"
        echo "$side $round $scenario $(wrk_summary "$f")" >>"$work/$db.results"
    done
    kill "$pid"
    wait "$pid" 2>/dev/null || true
    pid=""
    [ -n "${KEEP:-}" ] || rm -rf "$dir"
}

# report FILE: the Markdown tables of a database's results ("side round
# scenario rps p50 p99 non2xx errs" lines).
report() {
    sort -k1,1 -k3,3 -k2,2n "$1" | awk -v this="$this_rev" \
        -v base="$base_rev" '
        function median(a, n,    i, j, t) {
            for (i = 2; i <= n; i++)
                for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
                    t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
                }
            return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
        }
        { side[NR] = $1; round[NR] = $2; sc[NR] = $3; rps[NR] = $4
          p99[NR] = $6; bad[$1] += $7 + $8
          if ($3 ~ /^trivial/) {
              ceil[$1 " " $2] += $4 / 2; all += $4; nall++
          } }
        END {
            for (i = 1; i <= NR; i++) {
                k = side[i] " " sc[i]
                n[k]++
                r[k, n[k]] = rps[i]
                s[k, n[k]] = rps[i] / ceil[side[i] " " round[i]]
                q[k, n[k]] = p99[i]
            }
            print "| build | scenario | requests/s | p99 | vs trivial | its range | rounds |"
            print "|---|---|---:|---:|---:|---:|---:|"
            split("this base", sides, " ")
            split("trivial task_create task_create_users task_patch trivial_again", scs, " ")
            for (a = 1; a <= 2; a++) for (b = 1; b <= 5; b++) {
                k = sides[a] " " scs[b]
                if (!n[k]) continue
                lo = hi = s[k, 1]
                for (j = 1; j <= n[k]; j++) {
                    x[j] = r[k, j]; y[j] = s[k, j]; z[j] = q[k, j]
                    if (y[j] < lo) lo = y[j]
                    if (y[j] > hi) hi = y[j]
                }
                mr[k] = median(x, n[k]); ms[k] = median(y, n[k])
                mq[k] = median(z, n[k])
                printf "| %s (%s) | %s | %.0f | %.1fms | %.1f%% | %.1f–%.1f%% | %d |\n",
                    sides[a], sides[a] == "this" ? this : base, scs[b],
                    mr[k], mq[k], 100 * ms[k], 100 * lo, 100 * hi, n[k]
            }
            print ""
            t = all / nall
            print "| scenario | this / base, share of trivial | per write, at the ceiling |"
            print "|---|---:|---:|"
            for (b = 2; b <= 4; b++) {
                a1 = ms["this " scs[b]]; b1 = ms["base " scs[b]]
                if (!a1 || !b1) continue
                printf "| %s | %.2f (%+.1f%%) | %+.0f µs (%.0f → %.0f µs) |\n",
                    scs[b], a1 / b1, 100 * (a1 / b1 - 1),
                    1e6 / t * (1 / a1 - 1 / b1), 1e6 / (t * b1),
                    1e6 / (t * a1)
            }
            print ""
            printf "Trivial handler: %.0f requests/s (the mean of its %d rows); non-2xx and socket errors: %d (this), %d (base).\n",
                t, nall, bad["this"], bad["base"]
        }'
}

# BENCH_REPORT=FILE: only print the tables of a saved run's results
# (build/bench/compare/<db>/results).
if [ -n "${BENCH_REPORT:-}" ]; then
    report "$BENCH_REPORT"
    exit 0
fi

make --no-print-directory build >/dev/null
mkdir -p "$work/base"
git archive "$ref" | tar -x -C "$work/base"
make --no-print-directory -C "$work/base" build >/dev/null
rm -rf "$out"
mkdir -p "$out"

{
    echo "Compare run of $(date -u +%Y-%m-%d) (UTC): this tree ($this_rev) against $ref ($base_rev);" \
        "$(nproc) cores; wrk -t2 -c$conns -d${secs}s --latency, keep-alive;" \
        "event MPM ${PROCS:-2}×${THREADS:-64}; rounds: $rounds, the builds alternating."
    echo
} | tee "$results"
for db in $dbs; do
    mkdir -p "$out/$db"
    : >"$work/$db.results"
    if [ "$db" = pgsql ]; then
        pgport=$(free_port)
        sh scripts/pg.sh start "$work/pgcluster" "$pgport" >&2
    fi
    r=1
    while [ "$r" -le "$rounds" ]; do
        one "$db" this "$r"
        one "$db" base "$r"
        r=$((r + 1))
    done
    if [ "$db" = pgsql ]; then
        sh scripts/pg.sh stop "$work/pgcluster" >&2
        rm -rf "$work/pgcluster"
    fi
    cp "$work/$db.results" "$out/$db/results"
    {
        echo "### $db"
        echo
        report "$work/$db.results"
        echo
    } | tee -a "$results"
done
