"""Realtime at scale (issue #18): N live event streams, half Server-Sent
Events and half WebSocket, over U users, on one httpd with the shipped
event MPM shape (2 x 64 threads), and what they cost and deliver.

    /usr/bin/python3 tests/bench/streams.py [options]   (make bench-streams)

Defaults: 10,000 streams, 1,000 users (10 streams each), 4 client
processes, writes at 20/s for 30 s. `--help` lists the options;
tests/bench/README.md and docs/performance.md ("Realtime at scale") say
what is measured and how.

The run, on one instance (scripts/instance.sh through env.py's TodoEnv,
SQLite, bcrypt cost 4, the contract's rate limits lifted):

 1. httpd starts with `ulimit -n` raised (--nofile) and a conf.d override
    (printed with the figures) holding what docs/realtime.md ("Sizing")
    says N streams need: TodoStreamsMax, TodoStreamsPerUser,
    TodoStreamsPerAddress and AsyncRequestWorkerFactor.
 2. U users register and log in (plus one for wrk); wrk warms up, then
    `wrk -t2 -c64 --latency` GET /tasks/{id} runs with no stream open;
    httpd's RSS and threads are read.
 3. --clients processes (this script with --client), each an asyncio
    loop, open their share of the streams from --addresses loopback
    addresses (a user's streams all come from one): SSE over raw asyncio
    streams, WebSocket with Debian's python3-websockets. Every stream
    records each task event it gets (type and task id) with its arrival
    time (time.monotonic(): CLOCK_MONOTONIC, the same clock in every
    process).
 4. With all N open: RSS, threads (per process, with the connections each
    child holds), then the same wrk run again.
 5. Paced writes: POST /tasks for a random user at --rate a second for
    --seconds, the send time of each recorded; then a roll call, one write
    for every user as fast as --writers threads go, so every stream must
    get one more event.
 6. The clients report; per write: expected deliveries (the owner's open
    streams), streams that got it, repeats, deliveries to anyone else, and
    the time from sending the POST to the last delivery.

Prints Markdown to stdout (progress to stderr). Exit status 1 when a
stream could not be opened or ended early, or when a delivery was missing,
repeated or went to another user; the targets (p99, the API's share, RSS
per stream, threads) are reported as met or not, and do not change the
exit status. TODO_TEST_KEEP=1 keeps the instance directory (its logs) and
prints where it is.
"""

import argparse
import asyncio
import collections
import concurrent.futures
import json
import math
import os
import random
import re
import resource
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "integration"))

API = "/api/v1"
PASSWORD = "streams-bench-1"


def address(i):
    """The i-th client source address: 127.1.0.1, 127.1.0.2, ... (all of
    127.0.0.0/8 is the loopback; 127.0.0.1 is left to wrk and the
    writers)."""
    return "127.1.%d.%d" % (i // 254, i % 254 + 1)


# ---- the client processes ------------------------------------------------

class Refused(Exception):
    def __init__(self, status, detail=""):
        super().__init__(status, detail)
        self.status = status
        self.detail = detail


def event_key(text):
    """'task.created <id>' of an event's JSON; None for anything else."""
    try:
        ev = json.loads(text)
        return "%s %s" % (ev["type"], ev["task"]["id"])
    except (ValueError, KeyError, TypeError):
        return None


class Client:
    """One client process: its share of the streams on one asyncio loop."""

    def __init__(self, cfg):
        self.cfg = cfg
        self.arrivals = []        # (stream index, event key, monotonic time)
        self.ended = {}           # stream index -> (reason, monotonic time)
        self.opened = {}          # stream index -> (kind, closer)
        self.failed = collections.Counter()
        self.refused = {}         # stream index -> why, for a 429
        self.failures = []
        self.stopping = False
        self.tasks = []

    async def open_sse(self, idx, token, src):
        host, port = self.cfg["host"], self.cfg["port"]
        reader, writer = await asyncio.open_connection(
            host, port, local_addr=(src, 0), limit=1 << 20)
        try:
            writer.write(("GET %s/events HTTP/1.1\r\nHost: %s:%d\r\n"
                          "Accept: text/event-stream\r\n"
                          "Authorization: Bearer %s\r\n\r\n"
                          % (API, host, port, token)).encode())
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(None, 2)[1])
            if status != 200:
                try:
                    body = await asyncio.wait_for(reader.read(2048), 2)
                except asyncio.TimeoutError:
                    body = b""
                raise Refused(status, body.decode("utf-8", "replace"))
        except BaseException:
            writer.close()
            raise
        chunked = b"transfer-encoding: chunked" in head.lower()
        return reader, writer, chunked

    async def sse_blocks(self, reader, chunked):
        """The body's bytes, de-chunked when chunked (a parked stream is
        delimited by the connection's end; a stream that keeps its thread,
        on another MPM, is chunked)."""
        while True:
            if not chunked:
                data = await reader.read(65536)
                if not data:
                    return
                yield data
                continue
            size = int((await reader.readline()).split(b";")[0], 16)
            if size == 0:
                return
            yield await reader.readexactly(size)
            await reader.readexactly(2)

    async def follow_sse(self, idx, reader, writer, chunked):
        buf, data = b"", []
        reason = "the server ended the response"
        try:
            async for block in self.sse_blocks(reader, chunked):
                buf += block
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    line = line.rstrip(b"\r").decode("utf-8", "replace")
                    if not line:
                        if data:
                            key = event_key("\n".join(data))
                            if key:
                                self.arrivals.append(
                                    (idx, key, time.monotonic()))
                        data = []
                    elif line.startswith("data:"):
                        data.append(line[5:].lstrip(" "))
        except (OSError, asyncio.IncompleteReadError, ValueError) as ex:
            reason = "%s: %s" % (type(ex).__name__, ex)
        finally:
            writer.close()
        if not self.stopping:
            self.ended[idx] = (reason, time.monotonic())

    async def open_ws(self, idx, token, src):
        import websockets
        url = "ws://%s:%d%s/ws" % (self.cfg["host"], self.cfg["port"], API)
        try:
            return await websockets.connect(
                url, subprotocols=["bearer", token], local_addr=(src, 0),
                open_timeout=self.cfg["open_timeout"], ping_interval=None,
                close_timeout=2, max_queue=None, compression=None)
        except websockets.InvalidStatusCode as ex:
            raise Refused(ex.status_code)

    async def follow_ws(self, idx, ws):
        import websockets
        reason = None
        try:
            async for msg in ws:
                key = event_key(msg)
                if key:
                    self.arrivals.append((idx, key, time.monotonic()))
        except websockets.ConnectionClosed:
            pass
        except OSError as ex:
            reason = "%s: %s" % (type(ex).__name__, ex)
        if not self.stopping:
            self.ended[idx] = (reason or "closed %s %s" % (
                ws.close_code, ws.close_reason), time.monotonic())

    async def open_one(self, job, sem):
        idx, kind, token, src = job
        async with sem:
            try:
                if kind == "sse":
                    reader, writer, chunked = await asyncio.wait_for(
                        self.open_sse(idx, token, src),
                        self.cfg["open_timeout"])
                    self.opened[idx] = (kind, writer)
                    self.tasks.append(asyncio.ensure_future(
                        self.follow_sse(idx, reader, writer, chunked)))
                else:
                    ws = await self.open_ws(idx, token, src)
                    self.opened[idx] = (kind, ws)
                    self.tasks.append(asyncio.ensure_future(
                        self.follow_ws(idx, ws)))
            except Refused as ex:
                why = "%s %d" % (kind, ex.status)
                self.failed[why] += 1
                self.refused[idx] = ex.status
                if len(self.failures) < 5:
                    self.failures.append("%s: %s" % (why, ex.detail[:200]))
            except (OSError, asyncio.TimeoutError, EOFError,
                    asyncio.IncompleteReadError, ValueError) as ex:
                why = "%s %s" % (kind, type(ex).__name__)
                self.failed[why] += 1
                if len(self.failures) < 5:
                    self.failures.append("%s: %s" % (why, ex))
            except Exception as ex:  # websockets' own handshake errors
                why = "%s %s" % (kind, type(ex).__name__)
                self.failed[why] += 1
                if len(self.failures) < 5:
                    self.failures.append("%s: %s" % (why, ex))

    def say(self, obj):
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()

    async def run(self):
        loop = asyncio.get_running_loop()
        sem = asyncio.Semaphore(self.cfg["concurrency"])
        t0 = time.monotonic()
        await asyncio.gather(*(self.open_one(j, sem)
                               for j in self.cfg["jobs"]))
        self.say({"opened": sorted(self.opened), "failed": self.failed,
                  "refused": self.refused,
                  "failures": self.failures,
                  "seconds": time.monotonic() - t0})
        # Then hold them until the parent asks for the report.
        while True:
            line = await loop.run_in_executor(None, sys.stdin.readline)
            if not line or line.strip() == "report":
                break
        self.stopping = True
        self.say({"arrivals": self.arrivals,
                  "ended": {str(k): v for k, v in self.ended.items()}})
        closes = []
        for kind, h in self.opened.values():
            if kind == "sse":
                h.close()
            else:
                closes.append(h.close())
        if closes:
            await asyncio.wait([asyncio.ensure_future(c) for c in closes],
                               timeout=5)
        for t in self.tasks:
            t.cancel()


def client_main():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    cfg = json.loads(sys.stdin.readline())
    asyncio.run(Client(cfg).run())


# ---- the server's side: processes, memory, threads, connections ------------

def session_procs(sid):
    """pid -> (ppid, RSS KiB, threads) of every process in session sid (the
    instance starts httpd in a session of its own)."""
    out = subprocess.run(["ps", "-o", "pid=,ppid=,rss=,nlwp=", "-s",
                          str(sid)], capture_output=True, text=True).stdout
    procs = {}
    for line in out.splitlines():
        pid, ppid, rss, nlwp = (int(x) for x in line.split())
        procs[pid] = (ppid, rss, nlwp)
    return procs


def settled(sid, quiet=1.0, limit=30):
    """session_procs() once the thread count stopped moving for `quiet`
    seconds (a child answers before it has started all its workers)."""
    last = session_procs(sid)
    since, deadline = time.monotonic(), time.monotonic() + limit
    while time.monotonic() - since < quiet and time.monotonic() < deadline:
        time.sleep(0.2)
        now = session_procs(sid)
        if (set(now) != set(last) or
                sum(p[2] for p in now.values()) !=
                sum(p[2] for p in last.values())):
            since = time.monotonic()
        last = now
    return last


def established_by_pid(pids, port):
    """pid -> established TCP connections on local port `port` it holds."""
    inodes = set()
    for path in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(path) as f:
                next(f)
                for line in f:
                    cols = line.split()
                    lport = int(cols[1].rsplit(":", 1)[1], 16)
                    if lport == port and cols[3] == "01":
                        inodes.add(cols[9])
        except FileNotFoundError:
            pass
    out = {}
    for pid in pids:
        n = fds = 0
        try:
            for fd in os.listdir("/proc/%d/fd" % pid):
                fds += 1
                try:
                    link = os.readlink("/proc/%d/fd/%s" % (pid, fd))
                except OSError:
                    continue
                if link.startswith("socket:[") and link[8:-1] in inodes:
                    n += 1
        except OSError:
            pass
        out[pid] = (n, fds)
    return out


def nofile_of(pid):
    with open("/proc/%d/limits" % pid) as f:
        for line in f:
            if line.startswith("Max open files"):
                return line.split()[3]
    return "?"


def metrics(e):
    text = e.get("/metrics", timeout=10).text
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            out[name] = float(value)
    return out


# ---- wrk -----------------------------------------------------------------

def cpu_seconds(pids):
    """User + system CPU seconds the processes pids have used (all their
    threads)."""
    total = 0
    for pid in pids:
        try:
            with open("/proc/%d/stat" % pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, IndexError, ValueError):
            pass
    return total / os.sysconf("SC_CLK_TCK")


def wrk(url, token, seconds, conns, threads=2, watch=None):
    """wrk's figures: (requests/s, p50 ms, p99 ms, non-2xx, socket
    errors, requests, wrk's "Socket errors" line or "", extra). watch:
    (sid, port, client pids): extra is then {"httpd_cpu", "clients_cpu",
    "wrk_cpu" (CPU seconds during the run), "spread" (pid -> wrk's
    connections it held halfway through)}; established_by_pid() below
    counts the clients' streams as well, so spread subtracts what each
    process held before wrk started."""
    extra = {}
    if watch:
        sid, port, cpids = watch
        hpids = list(session_procs(sid))
        before = established_by_pid(hpids, port)
        h0, c0 = cpu_seconds(hpids), cpu_seconds(cpids)
        ru = resource.getrusage(resource.RUSAGE_CHILDREN)
        r0 = ru.ru_utime + ru.ru_stime
    w = subprocess.Popen(
        ["wrk", "-t%d" % threads, "-c%d" % conns, "-d%ds" % seconds,
         "--latency", "-H", "Authorization: Bearer " + token, url],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    if watch:
        time.sleep(seconds / 2)
        mid = established_by_pid(hpids, port)
        extra["spread"] = {p: mid[p][0] - before[p][0] for p in hpids}
    out = w.communicate()[0]
    if watch:
        extra["httpd_cpu"] = cpu_seconds(hpids) - h0
        extra["clients_cpu"] = cpu_seconds(cpids) - c0
        # wrk's (and the few ps runs'): the children reaped meanwhile.
        ru = resource.getrusage(resource.RUSAGE_CHILDREN)
        extra["wrk_cpu"] = ru.ru_utime + ru.ru_stime - r0

    def ms(v):
        for unit, f in (("us", 1e-3), ("ms", 1.0), ("s", 1e3), ("m", 6e4)):
            if v.endswith(unit):
                return float(v[:-len(unit)]) * f
        return float(v)

    rps = p50 = p99 = 0.0
    non2xx = errs = reqs = 0
    errline = ""
    for line in out.splitlines():
        w = line.split()
        if not w:
            continue
        if w[0] == "Requests/sec:":
            rps = float(w[1])
        elif w[0] == "50%":
            p50 = ms(w[1])
        elif w[0] == "99%":
            p99 = ms(w[1])
        elif line.strip().startswith("Non-2xx"):
            non2xx = int(w[-1])
        elif w[0] == "Socket":
            errs = sum(int(x.rstrip(",")) for x in w[3::2])
            errline = line.strip()
        elif len(w) > 2 and w[1] == "requests" and w[2] == "in":
            reqs = int(w[0])
    return rps, p50, p99, non2xx, errs, reqs, errline, extra


# ---- helpers ---------------------------------------------------------------

def log(msg):
    sys.stderr.write("streams.py: %s\n" % msg)
    sys.stderr.flush()


def pct(values, p):
    """Nearest-rank percentile of a sorted list."""
    if not values:
        return float("nan")
    return values[max(0, math.ceil(p * len(values)) - 1)]


def fmt(n):
    return "{:,}".format(n)


def docs_factor(streams, procs, threads):
    """AsyncRequestWorkerFactor by docs/realtime.md's rule: a process
    accepts connections while it holds fewer than ThreadsPerChild + its
    idle workers x the factor, and under load only about half of its
    workers are idle, so procs x (threads + threads / 2 x F) >= streams."""
    per = -(-streams // procs)
    return max(2, math.ceil((per - threads) / max(1, threads // 2)))


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="streams.py",
        description="N live SSE + WebSocket streams on one httpd: "
        "delivery latency, the API's throughput, memory and threads.")
    p.add_argument("--streams", type=int, default=10000,
                   help="live streams in all (default 10000)")
    p.add_argument("--users", type=int, default=1000,
                   help="users the streams are spread over (default 1000)")
    p.add_argument("--ws-share", type=float, default=0.5,
                   help="share of WebSocket streams, the rest SSE "
                   "(default 0.5; 1 = WebSocket only)")
    p.add_argument("--clients", type=int, default=4,
                   help="client processes holding the streams (default 4)")
    p.add_argument("--addresses", type=int, default=100,
                   help="client source addresses 127.1.x.y (default 100; "
                   "a user's streams all come from one)")
    p.add_argument("--concurrency", type=int, default=32,
                   help="streams each client opens at a time (default 32)")
    p.add_argument("--rate", type=float, default=20,
                   help="paced writes a second (default 20)")
    p.add_argument("--seconds", type=float, default=30,
                   help="paced writes for this long (default 30)")
    p.add_argument("--writers", type=int, default=8,
                   help="writer threads (default 8)")
    p.add_argument("--drain", type=float, default=3,
                   help="seconds to wait for deliveries after the last "
                   "write answered (default 3)")
    p.add_argument("--no-roll-call", action="store_true",
                   help="skip the roll call (one write for every user)")
    p.add_argument("--idle-seconds", type=float, default=15,
                   help="with all streams open and nothing else, CPU is "
                   "measured for this long, then RSS and threads again "
                   "(default 15: TodoStreamHeartbeat's default, so every "
                   "stream is pinged once meanwhile)")
    p.add_argument("--wrk-seconds", type=int, default=10,
                   help="each wrk run of GET /tasks/{id} (default 10)")
    p.add_argument("--wrk-connections", type=int, default=64,
                   help="wrk's connections (default 64)")
    p.add_argument("--procs", type=int, default=2,
                   help="httpd processes (instance.sh PROCS, default 2)")
    p.add_argument("--threads", type=int, default=64,
                   help="threads per process (instance.sh THREADS, "
                   "default 64)")
    p.add_argument("--nofile", type=int, default=16384,
                   help="httpd's ulimit -n (RLIMIT_NOFILE, default 16384)")
    p.add_argument("--async-factor", type=int, default=None,
                   help="AsyncRequestWorkerFactor (default: "
                   "docs/realtime.md's rule for --streams)")
    p.add_argument("--per-user", type=int, default=None,
                   help="TodoStreamsPerUser (default: streams / users, "
                   "rounded up)")
    p.add_argument("--per-address", type=int, default=None,
                   help="TodoStreamsPerAddress (default: the most streams "
                   "one address opens)")
    p.add_argument("--open-timeout", type=float, default=60,
                   help="seconds a stream may take to open (default 60)")
    p.add_argument("--seed", type=int, default=18,
                   help="random seed of the writes' users (default 18)")
    p.add_argument("--client", action="store_true", help=argparse.SUPPRESS)
    return p.parse_args(argv)


# ---- the run ---------------------------------------------------------------

def plan_streams(n, users, ws_share):
    """[(stream index, user, kind)]: user u's streams are consecutive, the
    users' counts differ by one at most, and the kinds alternate in
    proportion to ws_share along the list (so each user gets both)."""
    out = []
    for u in range(users):
        for _ in range(n // users + (1 if u < n % users else 0)):
            r = len(out)
            ws = math.floor((r + 1) * ws_share) > math.floor(r * ws_share)
            out.append((r, u, "ws" if ws else "sse"))
    return out


def main(args):
    from env import TodoEnv

    n, users = args.streams, args.users
    if n < 1 or users < 1 or args.clients < 1 or args.addresses < 1:
        sys.exit("streams.py: --streams, --users, --clients and "
                 "--addresses must be positive")
    streams = plan_streams(n, users, args.ws_share)
    n_ws = sum(1 for s in streams if s[2] == "ws")
    per_user = args.per_user or -(-n // users)
    by_addr = collections.Counter(u % args.addresses for _, u, _ in streams)
    per_address = args.per_address or max(by_addr.values())
    factor = args.async_factor or docs_factor(n, args.procs, args.threads)

    override = (
        "# tests/bench/streams.py: %s streams (%s SSE + %s WebSocket) of %s "
        "users\n# from %d client addresses, on %d x %d threads "
        "(docs/realtime.md, \"Sizing\").\n"
        "TodoStreamsMax %d\nTodoStreamsPerUser %d\n"
        "TodoStreamsPerAddress %d\nAsyncRequestWorkerFactor %d\n"
        "# Logging only: the event MPM says when a process stops and "
        "starts accepting\n# connections (AH03269 / AH00457).\n"
        "LogLevel info mpm_event:debug\n"
        % (fmt(n), fmt(n - n_ws), fmt(n_ws), fmt(users), args.addresses,
           args.procs, args.threads, n, per_user, per_address, factor))

    # httpd's descriptors: `ulimit -n` (inherited from this process), as
    # docs/realtime.md tells users to raise it.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < args.nofile:
        hard = args.nofile  # as root; otherwise setrlimit says no
    resource.setrlimit(resource.RLIMIT_NOFILE, (args.nofile, hard))

    e = TodoEnv(name="streams", bcrypt_cost=4,
                extra_env={"PROCS": str(args.procs),
                           "THREADS": str(args.threads)})
    e.install_conf(override, name="01-streams.conf")
    clients = []
    try:
        out = e.start(timeout=60)
        if out != 0:
            sys.exit("streams.py: httpd did not start: %s" % out)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
        log("httpd up on %s (instance %s)" % (e.base, e.dir))
        return run(args, e, streams, override, per_user, clients)
    finally:
        for c in clients:
            if c.poll() is None:
                c.kill()
                c.wait()
        e.cleanup()
        if os.environ.get("TODO_TEST_KEEP"):
            log("kept the instance: %s (its error log: %s)"
                % (e.dir, e.error_log))


def register_all(e, users, workers=16):
    """Register and log in `users` users (and one for wrk); their bearer
    tokens, wrk's last."""
    local = threading.local()

    def one(i):
        s = getattr(local, "s", None)
        if s is None:
            s = local.s = e.client()
        name = "streams%05d" % i
        r = s.post(e.url("/auth/register"), timeout=60, json={
            "email": name + "@example.com", "username": name,
            "password": PASSWORD})
        if r.status_code != 201:
            raise RuntimeError("register %s: %d %s"
                               % (name, r.status_code, r.text))
        r = s.post(e.url("/auth/login"), timeout=60,
                   data={"username": name, "password": PASSWORD})
        if r.status_code != 200:
            raise RuntimeError("login %s: %d %s"
                               % (name, r.status_code, r.text))
        return r.json()["access_token"]

    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        return list(pool.map(one, range(users + 1)))


def writes(e, tokens, plan, writers):
    """POST /tasks for plan's users at plan's times (seconds from the
    start; None: as soon as a writer is free). [(user, event key, sent,
    status)] in plan order, sent on time.monotonic()'s clock."""
    import requests
    local = threading.local()

    def one(k, u):
        s = getattr(local, "s", None)
        if s is None:
            s = local.s = e.client()
        t0 = time.monotonic()
        key = None
        try:
            r = s.post(e.url("/tasks"), timeout=30,
                       json={"title": "streams.py %d" % k},
                       headers={"Authorization": "Bearer " + tokens[u]})
            status = r.status_code
            if status == 201:
                key = "task.created %s" % r.json()["id"]
        except requests.RequestException as ex:
            status = type(ex).__name__
        return u, key, t0, status

    futures = []
    with concurrent.futures.ThreadPoolExecutor(writers) as pool:
        start = time.monotonic()
        for k, (at, u) in enumerate(plan):
            if at is not None:
                delay = start + at - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            futures.append(pool.submit(one, k, u))
        return [f.result() for f in futures]


def deliveries(results, user_streams, arrivals, ended):
    """Per write answered 201: the owner's streams expected (those open
    and not ended before the write was sent: ended maps a stream to
    (why, when)), the events counted, and the figures: {writes,
    answered, errors, expected, got, missing, gone, repeats, foreign,
    p50, p99, max} (gone: the owner's streams that had ended; latency:
    send → the last of the owner's streams to get it, ms)."""
    owner = {i: u for u, idxs in user_streams.items() for i in idxs}
    by_key = collections.defaultdict(list)  # key -> [(stream, time)]
    for idx, key, t in arrivals:
        by_key[key].append((idx, t))
    s = {"writes": len(results), "answered": 0, "expected": 0, "got": 0,
         "gone": 0, "repeats": 0, "foreign": 0,
         "errors": collections.Counter()}
    lat = []
    for u, key, t0, status in results:
        if status != 201:
            s["errors"][str(status)] += 1
            continue
        s["answered"] += 1
        got = collections.defaultdict(list)
        for idx, t in by_key.get(key, []):
            if owner.get(idx) == u:
                got[idx].append(t)
            else:
                s["foreign"] += 1
        want = [i for i in user_streams.get(u, [])
                if i in got or i not in ended or ended[i][1] > t0]
        s["gone"] += len(user_streams.get(u, [])) - len(want)
        s["expected"] += len(want)
        s["got"] += sum(1 for i in want if i in got)
        s["repeats"] += sum(len(v) - 1 for v in got.values())
        if got:
            lat.append((max(min(v) for v in got.values()) - t0) * 1000)
    s["missing"] = s["expected"] - s["got"]
    lat.sort()
    s["p50"], s["p99"] = pct(lat, 0.5), pct(lat, 0.99)
    s["max"] = lat[-1] if lat else float("nan")
    return s


def run(args, e, streams, override, per_user, clients):
    n, users = args.streams, args.users
    sid = e.proc.pid  # httpd runs in a session of its own
    res = {"override": override, "per_user": per_user,
           "t0": time.monotonic()}
    log("registering %s users (bcrypt cost 4)" % fmt(users))
    tokens = register_all(e, users)
    wrk_token = tokens[users]
    r = e.post("/tasks", wrk_token, json={"title": "read by wrk"})
    task_url = e.url("/tasks/%s" % r.json()["id"])
    log("%s users in %.1f s" % (fmt(users), time.monotonic() - res["t0"]))

    # The API with no stream open, after a warm-up; then the server at
    # rest.
    conns, secs = args.wrk_connections, args.wrk_seconds
    wrk(task_url, wrk_token, 3, conns)
    log("wrk GET /tasks/{id} with no stream, %d s" % secs)
    res["api0"] = wrk(task_url, wrk_token, secs, conns,
                      watch=(sid, e.port, []))
    res["procs0"] = settled(sid)
    res["conns0"] = established_by_pid(res["procs0"], e.port)

    # The clients: each its share of the streams, a user's all in one.
    user_streams = collections.defaultdict(list)
    shares = [[] for _ in range(args.clients)]
    for idx, u, kind in streams:
        user_streams[u].append(idx)
        shares[u % args.clients].append(
            (idx, kind, tokens[u], address(u % args.addresses)))
    log("opening %s streams from %d client processes"
        % (fmt(n), args.clients))
    t_open = time.monotonic()
    for share in shares:
        c = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "--client"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        c.stdin.write(json.dumps({
            "host": "127.0.0.1", "port": e.port, "jobs": share,
            "concurrency": args.concurrency,
            "open_timeout": args.open_timeout}) + "\n")
        c.stdin.flush()
        clients.append(c)
    open_idx, failed, failures = set(), collections.Counter(), []
    refused = {}
    for c in clients:
        line = c.stdout.readline()
        if not line:
            raise RuntimeError("a client process died while opening")
        ready = json.loads(line)
        open_idx.update(ready["opened"])
        failed.update(ready["failed"])
        refused.update((int(k), v) for k, v in ready["refused"].items())
        failures += ready["failures"]
    res["open_secs"] = time.monotonic() - t_open
    res["opened"], res["failed"], res["failures"] = \
        len(open_idx), failed, failures
    # Users refused (429) with fewer streams open than TodoStreamsPerUser:
    # not their own streams made them over it.
    owner = {idx: u for idx, u, _ in streams}
    short = collections.Counter()
    for idx, status in refused.items():
        u = owner[idx]
        mine = sum(1 for i in user_streams[u] if i in open_idx)
        if status == 429 and mine < res["per_user"]:
            short[mine] += 1
    res["refused_short"] = short
    log("%s of %s streams open in %.1f s%s"
        % (fmt(len(open_idx)), fmt(n), res["open_secs"],
           "; not opened: %s" % dict(failed) if failed else ""))

    # All open: the server's count, then memory and threads once settled,
    # then the API again.
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        res["live"] = int(metrics(e).get("todo_realtime_streams", 0))
        if res["live"] >= len(open_idx):
            break
        time.sleep(0.5)
    time.sleep(1)
    res["procsN"] = settled(sid)
    res["connsN"] = established_by_pid(res["procsN"], e.port)
    # What idle streams cost: CPU over a quiet while (heartbeats only:
    # one round of them by default), then RSS and threads again.
    cpids = [c.pid for c in clients]
    h0, c0, t = cpu_seconds(res["procsN"]), cpu_seconds(cpids), \
        time.monotonic()
    time.sleep(args.idle_seconds)
    res["idle"] = (time.monotonic() - t, cpu_seconds(res["procsN"]) - h0,
                   cpu_seconds(cpids) - c0)
    res["procsH"] = settled(sid)
    log("wrk GET /tasks/{id} with %s streams, %d s"
        % (fmt(len(open_idx)), secs))
    res["apiN"] = wrk(task_url, wrk_token, secs, conns,
                      watch=(sid, e.port, [c.pid for c in clients]))

    # Paced writes, then the roll call.
    rnd = random.Random(args.seed)
    count = int(args.rate * args.seconds)
    log("%d writes at %g/s" % (count, args.rate))
    paced = writes(e, tokens, [(k / args.rate, rnd.randrange(users))
                               for k in range(count)], args.writers)
    roll = []
    if not args.no_roll_call:
        time.sleep(1)
        log("roll call: one write for each of the %s users" % fmt(users))
        t = time.monotonic()
        roll = writes(e, tokens, [(None, u) for u in range(users)],
                      args.writers)
        res["roll_secs"] = time.monotonic() - t
    time.sleep(args.drain)
    res["metrics"] = metrics(e)
    res["procs_end"] = session_procs(sid)

    # The clients' report; then they close their streams and exit.
    arrivals, ended = [], {}
    for c in clients:
        c.stdin.write("report\n")
        c.stdin.flush()
    for c in clients:
        line = c.stdout.readline()
        if not line:
            raise RuntimeError("a client process died before its report")
        rep = json.loads(line)
        arrivals += rep["arrivals"]
        ended.update(rep["ended"])
    for c in clients:
        try:
            c.wait(timeout=20)
        except subprocess.TimeoutExpired:
            c.kill()
    res["ended"] = ended

    expect = {u: [i for i in idxs if i in open_idx]
              for u, idxs in user_streams.items()}
    gone = {int(k): v for k, v in ended.items()}
    res["paced"] = deliveries(paced, expect, arrivals, gone)
    res["roll"] = deliveries(roll, expect, arrivals, gone) if roll else None
    res["secs"] = time.monotonic() - res["t0"]
    report(args, e, res)

    def bad(s):
        return s and (s["missing"] or s["repeats"] or s["foreign"] or
                      s["errors"])
    return 1 if failed or ended or bad(res["paced"]) or bad(res["roll"]) \
        else 0


def verdict(ok):
    return "**met**" if ok else "**not met**"


def error_log_summary(e):
    """The error log's lines at warn or worse, and the event MPM's
    accepting off/on, counted by message (numbers made N, but for the
    AHnnnnn and MTnnnnn codes)."""
    notable = collections.Counter()
    for line in e.new_log_lines():
        m = re.search(r"\] \[([a-z_0-9]+):(\w+)\]", line)
        level = m.group(2) if m else "?"
        mpm = re.search(r"AH03269|AH00457|AH00484|AH10159|not accepting",
                        line)
        if level in ("emerg", "alert", "crit", "error", "warn") or mpm:
            msg = re.sub(r"^(\[[^]]*\] )+", "", line)
            msg = re.sub(r"(?<![A-Z\d])\d+", "N", msg)  # codes kept
            notable["[%s] %s" % (level, msg[:200])] += 1
    return notable


def report(args, e, res):
    n, opened = args.streams, res["opened"]
    p0, pN, pH = res["procs0"], res["procsN"], res["procsH"]

    def total(procs, col):
        return sum(p[col] for p in procs.values())

    rss0, rssN, rssH = (total(p, 1) for p in (p0, pN, pH))
    thr0, thrN, thrH = (total(p, 2) for p in (p0, pN, pH))
    per_stream = (rssN - rss0) / opened if opened else float("nan")
    per_stream_h = (rssH - rss0) / opened if opened else float("nan")
    api0, apiN = res["api0"], res["apiN"]
    ratio = apiN[0] / api0[0] if api0[0] else float("nan")
    n_ws = int(round(n * args.ws_share))
    parent = e.proc.pid
    children = [p for p in pN if p != parent]
    nofile = nofile_of(children[0]) if children else "?"
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break

    print("### Realtime at scale: %s streams (%s SSE + %s WebSocket), "
          "%s users" % (fmt(n), fmt(n - n_ws), fmt(n_ws), fmt(args.users)))
    print()
    print("Run of %s (UTC): %d cores (%s), clients and server sharing them; "
          "event MPM %d × %d (processes × threads), SQLite; httpd's "
          "`ulimit -n` %s; %d client processes, %d client addresses; %.0f s "
          "in all." % (time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
                       os.cpu_count(), cpu, args.procs, args.threads, nofile,
                       args.clients, args.addresses, res["secs"]))
    print()
    print("The instance's conf.d override (the rest is the shipped "
          "configuration, rate limits lifted, bcrypt cost 4):")
    print()
    print("```apache")
    print(res["override"].rstrip())
    print("```")
    print()
    print("| figure | value | target |")
    print("|---|---|---|")
    print("| streams open | %s of %s in %.1f s (%.0f a second); the server "
          "counted %s | all |"
          % (fmt(opened), fmt(n), res["open_secs"],
             opened / res["open_secs"] if res["open_secs"] else 0,
             fmt(res.get("live", 0))))
    if res["failed"]:
        print("| streams not opened | %s | none |" % ", ".join(
            "%s × %s" % (fmt(v), k) for k, v in sorted(res["failed"].items())))
    why = collections.Counter(v[0] for v in res["ended"].values())
    print("| streams that ended before the report | %s%s | none |"
          % (fmt(len(res["ended"])), " (%s)" % ", ".join(
              "%s × %s" % (fmt(c), r) for r, c in why.most_common(3))
              if why else ""))

    def rows(label, s, target):
        print("| %s: writes answered 201 | %s of %s%s | all |"
              % (label, fmt(s["answered"]), fmt(s["writes"]),
                 " (others: %s)" % dict(s["errors"]) if s["errors"] else ""))
        print("| %s: deliveries expected / got | %s / %s%s | all |"
              % (label, fmt(s["expected"]), fmt(s["got"]),
                 " (and %s not expected: to streams that had ended)"
                 % fmt(s["gone"]) if s["gone"] else ""))
        print("| %s: missing / duplicated / to another user | %s / %s / %s "
              "| 0 / 0 / 0 |" % (label, fmt(s["missing"]), fmt(s["repeats"]),
                                 fmt(s["foreign"])))
        print("| %s: write → last delivery, p50 / p99 / max | %.1f / %.1f / "
              "%.1f ms | %s |" % (label, s["p50"], s["p99"], s["max"],
                                  target))

    s = res["paced"]
    rows("paced (%g writes/s for %g s)" % (args.rate, args.seconds), s,
         "p99 < 100 ms: %s" % verdict(s["p99"] < 100))
    if res["roll"]:
        rows("roll call (%s writes, one per user, %d writers: %.1f s)"
             % (fmt(res["roll"]["writes"]), args.writers, res["roll_secs"]),
             res["roll"], "a burst: no target")
    print("| task_get requests/s, 0 → %s streams | %.0f → %.0f: **%.0f %%** "
          "| ≥ 80 %%: %s |" % (fmt(opened), api0[0], apiN[0], 100 * ratio,
                               verdict(ratio >= 0.8)))
    print("| task_get p50 / p99, 0 → %s streams | %.2f / %.2f → %.2f / "
          "%.2f ms | |" % (fmt(opened), api0[1], api0[2], apiN[1], apiN[2]))
    print("| task_get non-2xx / socket errors, 0 → %s streams | %d / %d → "
          "%d / %d | 0 |" % (fmt(opened), api0[3], api0[4], apiN[3],
                             apiN[4]))
    print("| httpd RSS, 0 → %s streams (just opened → after %.0f s idle) "
          "| %.1f → %.1f → %.1f MiB: **%.1f → %.1f KiB a stream** "
          "| ≤ 16 KiB: %s |"
          % (fmt(opened), res["idle"][0], rss0 / 1024, rssN / 1024,
             rssH / 1024, per_stream, per_stream_h,
             verdict(max(per_stream, per_stream_h) <= 16)))
    print("| httpd threads (all its processes), 0 → %s streams (just "
          "opened → after %.0f s idle) | %d → %d → %d | no growth: %s |"
          % (fmt(opened), res["idle"][0], thr0, thrN, thrH,
             verdict(max(thrN, thrH) <= thr0)))
    print()
    print("Per process (httpd's parent first; N: just opened, idle: after "
          "the idle while; \"connections\": the established TCP "
          "connections on the server's port it holds, that is its streams "
          "when no request runs):")
    print()
    print("| pid | RSS MiB, 0 → N → idle | threads, 0 → N → idle "
          "| connections, 0 → N | descriptors at N |")
    print("|---|---:|---:|---:|---:|")
    c0, cN = res["conns0"], res["connsN"]

    def col(procs, pid, i):
        if pid not in procs:
            return "-"
        return "%.1f" % (procs[pid][1] / 1024) if i == 1 else procs[pid][i]

    for pid in sorted(set(p0) | set(pN) | set(pH),
                      key=lambda p: (p != parent, p)):
        print("| %d%s | %s → %s → %s | %s → %s → %s | %s → %s | %s |" % (
            pid, " (parent)" if pid == parent else "",
            col(p0, pid, 1), col(pN, pid, 1),
            col(pH, pid, 1), col(p0, pid, 2), col(pN, pid, 2),
            col(pH, pid, 2),
            c0[pid][0] if pid in c0 else "-",
            cN[pid][0] if pid in cN else "-",
            cN[pid][1] if pid in cN else "-"))
    secs = args.wrk_seconds
    cores = os.cpu_count()
    idle_secs, idle_h, idle_c = res["idle"]
    print()
    print("CPU (seconds of CPU, %d cores: %d s of CPU per second):"
          % (cores, cores))
    print()
    print("| while | httpd | clients | wrk |")
    print("|---|---:|---:|---:|")
    print("| %s idle streams, %.1f s | %.2f s (%.0f %% of a core) | %.2f s "
          "| - |" % (fmt(opened), idle_secs, idle_h, 100 * idle_h / idle_secs,
                     idle_c))
    for label, api in (("wrk, no stream", api0),
                       ("wrk, %s streams" % fmt(opened), apiN)):
        x = api[7]
        print("| %s, %d s | %.2f s | %.2f s | %.2f s |"
              % (label, secs, x["httpd_cpu"], x["clients_cpu"],
                 x["wrk_cpu"]))
    for label, api in (("no stream", api0), ("the streams", apiN)):
        spread = " / ".join(str(v) for pid, v in
                            sorted(api[7]["spread"].items()) if pid != parent)
        print()
        print("wrk with %s: its connections per child halfway through: "
              "%s%s." % (label, spread, "; " + api[6] if api[6] else ""))
    m = res["metrics"]
    refused = ["%s %d" % (re.sub(r'.*limit="(\w+)".*', r"\1", k), v)
               for k, v in sorted(m.items())
               if k.startswith("todo_realtime_streams_refused_total") and v]
    print()
    print("/metrics at the end: todo_realtime_streams %d, "
          "todo_realtime_streams_ended_total %d, refused (429) %s."
          % (m.get("todo_realtime_streams", 0),
             m.get("todo_realtime_streams_ended_total", 0),
             ", ".join(refused) or "none"))
    if set(res["procs_end"]) != set(pN) or set(pH) != set(pN):
        print()
        print("httpd's processes changed during the run: %s with the "
              "streams, %s at the end." % (sorted(pN),
                                           sorted(res["procs_end"])))
    if res["failures"]:
        print()
        print("Failures (the first of each client, by message): " +
              "; ".join("%s × %s" % (fmt(c), f) for f, c in
                        collections.Counter(res["failures"]).most_common(5)))
    if res["refused_short"]:
        print()
        print("Streams refused (429) while their user had fewer than "
              "TodoStreamsPerUser (%d) open: %s (other streams were "
              "counted with theirs)." % (res["per_user"], ", ".join(
                  "%s with %d open" % (fmt(c), k)
                  for k, c in sorted(res["refused_short"].items()))))
    if res["ended"]:
        reasons = collections.Counter(v[0] for v in res["ended"].values())
        print()
        print("Streams that ended early: " + "; ".join(
            "%s × %s" % (fmt(c), r) for r, c in reasons.most_common(5)))
    notable = error_log_summary(e)
    print()
    if notable:
        print("httpd's error log, warn and worse and the event MPM's "
              "accepting off/on (by message, numbers as N):")
        print()
        for msg, c in notable.most_common(20):
            print("- %s × `%s`" % (fmt(c), msg))
    else:
        print("httpd's error log: nothing at warn or worse; no process "
              "stopped accepting connections.")
    sys.stdout.flush()


if __name__ == "__main__":
    a = parse_args(sys.argv[1:])
    if a.client:
        client_main()
    else:
        sys.exit(main(a))
