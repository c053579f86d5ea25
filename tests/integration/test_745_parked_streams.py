"""Streams without threads (issue #18): on the event MPM an idle SSE or
WebSocket stream is parked (its handler returns SUSPENDED) and holds no
worker thread. A watcher thread per process wakes it for its user's
events, its heartbeat, a client frame or hang-up, or the server stopping;
a worker then runs it and parks it again (docs/realtime.md, "How it
works").

These tests drive that: hundreds of streams on the shipped 2 x 64 shape
without a thread more; a ping answered and a hang-up noticed while
parked; parked streams ended cleanly by a graceful restart (SSE ends,
WebSocket 1001) and by a stop."""

import asyncio
import base64
import concurrent.futures
import os
import socket
import time

import pytest
import websockets

from env import TodoEnv, read_head


def threads_of(e):
    """The threads of httpd's children, all told."""
    return sum(len(os.listdir("/proc/%d/task" % pid))
               for pid in e.children())


def settled_threads(e):
    """The children's threads once they stopped starting more (a child
    answers before it has started all its workers)."""
    last, same_since = threads_of(e), time.monotonic()
    deadline = time.monotonic() + 30
    while time.monotonic() - same_since < 1.0 and time.monotonic() < deadline:
        time.sleep(0.2)
        now = threads_of(e)
        if now != last:
            last, same_since = now, time.monotonic()
    return last


def open_sse(e, token):
    """An idle GET /events on a raw socket: (status, socket, bytes read
    past the headers)."""
    s = e.connect(timeout=30)
    s.sendall(("GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               "Authorization: Bearer %s\r\n\r\n" % token).encode())
    status, _, rest = read_head(s)
    return status, s, rest


def open_ws(e, token):
    """A WebSocket handshake on a raw socket: (status, socket, bytes read
    past the headers)."""
    s = e.connect(timeout=30)
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall(("GET /api/v1/ws HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               "Upgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n"
               "Authorization: Bearer %s\r\n\r\n" % (key, token)).encode())
    status, _, rest = read_head(s)
    return status, s, rest


def wait_for(s, buf, needle, timeout):
    """Read @s until @needle is in what it sent (@buf: read already)."""
    deadline = time.monotonic() + timeout
    while needle not in buf:
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        s.settimeout(left)
        try:
            chunk = s.recv(65536)
        except (socket.timeout, TimeoutError):
            return False
        if not chunk:
            return False
        buf += chunk
    return True


def timed_healthz(e):
    t0 = time.monotonic()
    r = e.client().get(e.url("/healthz"), timeout=20)
    return r.status_code, time.monotonic() - t0


def test_todo_745_01_300_streams_hold_no_thread(make_env):
    """300 idle streams (150 SSE, 150 WebSocket, 30 users) on the shipped
    2 x 64 shape: httpd's children have not one thread more than before,
    each stream gets its user's next event, and /healthz answers within
    a second all along."""
    e = make_env("TodoStreamsPerUser 20\nTodoStreamsPerAddress 100000\n"
                 "TodoStreamsMax 100000\n", name="park")
    before = settled_threads(e)
    users = [e.new_session()[1]["access_token"] for _ in range(30)]
    jobs = [(u, kind) for u in users for kind in ("sse", "ws")
            for _ in range(5)]
    held = []
    try:
        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            opened = list(pool.map(
                lambda j: (j[0],) + (open_sse if j[1] == "sse"
                                     else open_ws)(e, j[0]), jobs))
        for token, status, s, rest in opened:
            held.append((token, s, rest))
            assert status in (101, 200), status
        assert len(held) == 300
        time.sleep(1)  # let every handler return and park its stream
        after = threads_of(e)
        print("threads of the children: %d before, %d with 300 streams"
              % (before, after))
        assert after <= before, (before, after)
        status, took = timed_healthz(e)
        assert status == 200 and took < 1.0, took
        ids = {}
        for token in users:
            ids[token] = e.post("/tasks", token,
                                json={"title": "to all"}).json()["id"]
        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            got = list(pool.map(
                lambda h: wait_for(h[1], h[2], ids[h[0]].encode(), 20),
                held))
        assert all(got), "%d of 300 streams missed the event" % (
            got.count(False))
        status, took = timed_healthz(e)
        assert status == 200 and took < 1.0, took
        assert threads_of(e) <= before
    finally:
        for _, s, _ in held:
            s.close()


def ws_url(e):
    return e.api.replace("http", "ws", 1) + "/ws"


def run(coro):
    return asyncio.new_event_loop().run_until_complete(coro)


def test_todo_745_02_ping_while_parked_and_hangup_frees_the_slot(make_env):
    """A parked WebSocket answers a ping (the watcher sees the frame, a
    worker answers it); a client that hangs up, parked SSE or WebSocket,
    frees its slot at once: the user may open another."""
    e = make_env("TodoStreamsPerUser 2\nTodoStreamHeartbeat 30\n",
                 name="park")
    _, tokens, _ = e.new_session()
    token = tokens["access_token"]

    async def ping():
        async with websockets.connect(
                ws_url(e), ssl=e.ssl_context(),
                extra_headers={"Authorization": "Bearer " + token}) as ws:
            for _ in range(3):
                await asyncio.sleep(0.5)  # parked by now
                t0 = time.monotonic()
                await asyncio.wait_for(await ws.ping(b"parked?"), 5)
                assert time.monotonic() - t0 < 1.0
    run(ping())

    def fill():
        status, a, _ = open_sse(e, token)
        assert status == 200
        status, b, _ = open_ws(e, token)
        assert status == 101
        return a, b

    for hang_up in (0, 1):  # the SSE stream, then the WebSocket
        held = list(fill())
        try:
            time.sleep(0.5)
            status, s, _ = open_sse(e, token)
            assert status == 429
            s.close()
            held.pop(hang_up).close()
            deadline = time.monotonic() + 3
            while True:
                status, s, _ = open_sse(e, token)
                if status == 200 or time.monotonic() > deadline:
                    break
                s.close()
                time.sleep(0.1)
            assert status == 200, "the hang-up did not free the slot"
            held.append(s)
        finally:
            for s in held:
                s.close()
        time.sleep(0.5)  # the last ones' slots come back


def test_todo_745_03_graceful_restart_and_stop_end_parked_streams():
    """A graceful restart ends parked streams cleanly (the SSE response
    ends, the WebSocket closes with 1001), so the old generation exits; a
    stop ends those of the new one the same way."""
    e = TodoEnv(name="park-stop")
    e.install_conf("TodoStreamHeartbeat 30\n", name="01-streams.conf")
    assert e.start() == 0
    try:
        _, tokens, _ = e.new_session()
        token = tokens["access_token"]

        for how in ("graceful", "stop"):
            status, sse, rest = open_sse(e, token)
            assert status == 200

            async def go():
                async with websockets.connect(
                        ws_url(e), ssl=e.ssl_context(),
                        extra_headers={"Authorization": "Bearer " +
                                       token}) as ws:
                    await asyncio.sleep(0.5)  # parked
                    t0 = time.monotonic()
                    if how == "graceful":
                        await asyncio.to_thread(e.graceful, 30)
                    else:
                        await asyncio.to_thread(e.stop)
                    with pytest.raises(websockets.ConnectionClosed) as ex:
                        await asyncio.wait_for(ws.recv(), 10)
                    assert ex.value.rcvd is not None, "no close frame"
                    assert ex.value.rcvd.code == 1001
                    return time.monotonic() - t0
            took = run(go())
            assert took < 10, took
            # A parked SSE response is delimited by the connection's end
            # (Connection: close): the client reads to a clean EOF.
            sse.settimeout(5)
            assert sse.recv(4096) == b"", "the SSE stream did not end"
            sse.close()
        assert e.unexpected_log_lines() == []
    finally:
        e.cleanup()
