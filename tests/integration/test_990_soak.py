"""Sustained mixed load (the hardening issue): 80% task reads, 20%
creates, 64 keep-alive connections with wrk, for TODO_SOAK_SECONDS
(60 in `make test`; `TODO_SOAK_SECONDS=600` for the full run) after 20 s
of warm-up: no non-2xx response, no failed connection, and httpd's
memory flat. Runs in the plain SQLite pass only."""

import json
import os
import re
import subprocess

import pytest

from env import DB, TLS, TOP, TodoEnv

SECONDS = int(os.environ.get("TODO_SOAK_SECONDS", "60"))

pytestmark = pytest.mark.skipif(
    bool(DB != "sqlite3" or TLS or os.environ.get("TODO_SAN_LOGDIR")),
    reason="the soak runs once, in the plain SQLite pass")

MIXED = """
local ids = {%s}
local token = "%s"
wrk.headers["Authorization"] = "Bearer " .. token
wrk.headers["Content-Type"] = "application/json"
request = function()
    if math.random(100) <= 20 then
        return wrk.format("POST", "/api/v1/tasks", nil,
                          '{"title": "soak", "priority": "low"}')
    end
    return wrk.format("GET", "/api/v1/tasks/" .. ids[math.random(#ids)])
end
"""


def rss_kib(pgid):
    out = subprocess.run(["ps", "-o", "rss=", "-g", str(pgid)],
                         capture_output=True, text=True).stdout
    return sum(int(x) for x in out.split())


def wrk(e, script, seconds):
    out = subprocess.run(
        ["wrk", "-t2", "-c64", "-d%ds" % seconds, "--latency", "-s", script,
         e.api + "/healthz"], capture_output=True, text=True, check=True)
    return out.stdout


def test_todo_990_01_sustained_mixed_load(tmp_path):
    # Workers for every connection: the event MPM closes idle keep-alive
    # connections when it runs out (wrk counts those as read errors).
    e = TodoEnv(name="soak", extra_env={"PROCS": "2", "THREADS": "40"})
    assert e.start() == 0
    try:
        _, tokens, _ = e.new_session()
        token = tokens["access_token"]
        ids = [e.post("/tasks", token, json={"title": "seed %d" % i}).json()
               ["id"] for i in range(100)]
        script = tmp_path / "mixed.lua"
        script.write_text(MIXED % (", ".join('"%s"' % i for i in ids), token))
        # Warm, at full load: connection pools, threads, SQLite's page
        # caches (which grow with the database the creates grow).
        wrk(e, str(script), 20)
        before = rss_kib(e.proc.pid)
        out = wrk(e, str(script), SECONDS)
        after = rss_kib(e.proc.pid)
        total = int(re.search(r"(\d+) requests in", out).group(1))
        errors = re.search(r"Socket errors: connect (\d+), read (\d+), "
                           r"write (\d+), timeout (\d+)", out)
        non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
        figures = {
            "seconds": SECONDS, "requests": total,
            "requests_per_second": float(rps.group(1)) if rps else None,
            "non_2xx": int(non2xx.group(1)) if non2xx else 0,
            "socket_errors": dict(zip(
                ("connect", "read", "write", "timeout"),
                (int(x) for x in errors.groups()) if errors else (0,) * 4)),
            "rss_kib_after_warmup": before, "rss_kib_end": after,
            "rss_growth_percent": round(100.0 * (after - before) / before, 1),
            "latency": re.findall(r"^\s+(\d+)%\s+(\S+)$", out, re.M),
        }
        # The figures docs/security.md quotes, printed (with -s) and kept.
        artifacts = os.path.join(TOP, "build", "artifacts")
        os.makedirs(artifacts, exist_ok=True)
        with open(os.path.join(artifacts, "soak.json"), "w") as f:
            json.dump(figures, f, indent=2)
        print("soak figures: %s" % json.dumps(figures))
        print(out)
        assert total > SECONDS * 200, out
        assert "Non-2xx" not in out, out
        # No connect, write or timeout error; the few reads wrk counts are
        # keep-alive connections httpd closed between requests (wrk sees
        # EOF where it expects the next response and reconnects).
        if errors:
            c, rd, w, t = (int(x) for x in errors.groups())
            assert c == 0 and w == 0 and t == 0, out
            assert rd <= total // 2000, out
        # Memory once warm: bounded (15% over a minute; 1 KiB a request
        # leaked would be 300% here; runs here grow 6-9%). What it still
        # grows by is malloc arenas of threads first busy late and
        # SQLite's page caches, which grow with the database; the
        # 10-minute run in docs/security.md (Figures) grew 9.0%, no more
        # than a minute does.
        assert after - before < 0.15 * before, (before, after)
        assert e.get("/healthz").status_code == 200
        print("soak: %d requests in %ds, RSS %d -> %d KiB"
              % (total, SECONDS, before, after))
    finally:
        e.cleanup()
