"""Realtime load: N WebSocket clients spread over many users; each task
write's event must reach all of its owner's connections.

    /usr/bin/python3 tests/bench/ws_fanout.py [clients] [users] [writes]

Starts its own httpd (event MPM sized for the streams), opens the
clients (Python websockets, from Debian), then creates tasks for random
users at a steady pace and measures, per delivered event, the time from
sending the POST to the event arriving on each connection of that user.
Prints a Markdown row: clients, users, writes, deliveries, p50, p99, max,
missing deliveries, and httpd's RSS.
"""

import asyncio
import os
import random
import resource
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..",
                                "integration"))
from env import TodoEnv  # noqa: E402

import requests  # noqa: E402
import websockets  # noqa: E402


def rss_kib(pid):
    """Total RSS of httpd's process group."""
    out = subprocess.run(["ps", "-o", "rss=", "-g", str(pid)],
                         capture_output=True, text=True).stdout
    return sum(int(x) for x in out.split())


async def main(clients, users, writes):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    per_user = -(-clients // users)
    procs, threads = 4, -(-(clients + 64) // 4)
    e = TodoEnv(name="wsbench", extra_env={"PROCS": str(procs),
                                           "THREADS": str(threads)})
    e.install_conf("TodoStreamsMax %d\nTodoStreamsPerUser %d\n"
                   "TodoStreamHeartbeat 30\n" % (clients + 10, per_user),
                   name="01-bench.conf")
    assert e.start(timeout=60) == 0
    try:
        sessions = [e.new_session() for _ in range(users)]
        tokens = [s[1]["access_token"] for s in sessions]
        url = e.api.replace("http", "ws", 1) + "/ws"
        arrivals = {}  # task title -> list of arrival times
        conns = []

        async def reader(ws):
            import json
            async for msg in ws:
                ev = json.loads(msg)
                arrivals.setdefault(ev["task"]["title"], []).append(
                    time.perf_counter())

        for i in range(clients):
            ws = await websockets.connect(
                url, subprotocols=["bearer", tokens[i % users]],
                max_queue=None, open_timeout=30, ping_interval=None)
            conns.append(ws)
        readers = [asyncio.create_task(reader(ws)) for ws in conns]
        rss_before = rss_kib(e.proc.pid)

        http = requests.Session()
        sent = {}
        loop = asyncio.get_running_loop()
        for n in range(writes):
            u = random.randrange(users)
            title = "w%d" % n
            sent[title] = (time.perf_counter(), u)
            await loop.run_in_executor(None, lambda: http.post(
                e.url("/tasks"), json={"title": title}, timeout=30,
                headers={"Authorization": "Bearer " + tokens[u]}))
            await asyncio.sleep(0.02)
        await asyncio.sleep(2)
        rss_after = rss_kib(e.proc.pid)

        lat, missing = [], 0
        for title, (t0, u) in sent.items():
            want = len(range(u, clients, users))
            got = arrivals.get(title, [])
            missing += max(0, want - len(got))
            lat += [(t - t0) * 1000 for t in got]
        lat.sort()

        def pct(p):
            return lat[min(len(lat) - 1, int(len(lat) * p))] if lat else 0

        print("| clients | users | writes | deliveries | p50 ms | p99 ms "
              "| max ms | missing | httpd RSS before/after MiB |")
        print("|---|---|---|---|---|---|---|---|---|")
        print("| %d | %d | %d | %d | %.1f | %.1f | %.1f | %d | %.0f / %.0f |"
              % (clients, users, writes, len(lat), pct(0.5), pct(0.99),
                 lat[-1] if lat else 0, missing, rss_before / 1024,
                 rss_after / 1024))
        alive = e.get("/healthz").status_code == 200
        print("httpd up after the run: %s" % alive)
        for t in readers:
            t.cancel()
        for ws in conns:
            await ws.close()
        return 0 if alive and not missing and pct(0.99) < 100 else 1
    finally:
        e.cleanup()


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:4]]
    clients, users, writes = (args + [1000, 100, 300][len(args):])
    sys.exit(asyncio.run(main(clients, users, writes)))
