"""GET /ws: RFC 6455 WebSocket delivering the caller's task events,
tested with a third-party client (Python websockets, from Debian) and,
for what no well-behaved client does, a raw socket."""

import asyncio
import base64
import json
import os
import struct

import pytest
import websockets

from env import TodoEnv


@pytest.fixture(scope="module")
def wenv():
    e = TodoEnv(name="ws", extra_env={"PROCS": "2", "THREADS": "16"})
    e.install_conf("TodoStreamHeartbeat 2\nTodoStreamsPerUser 50\n",
                   name="01-streams.conf")
    assert e.start() == 0
    yield e
    e.cleanup()


def ws_url(e, query=""):
    return e.api.replace("http", "ws", 1) + "/ws" + query


def ssl_ctx(e):
    return e.ssl_context()


def run(coro):
    return asyncio.new_event_loop().run_until_complete(coro)


async def recv_json(ws, timeout=5):
    return json.loads(await asyncio.wait_for(ws.recv(), timeout))


def test_todo_730_01_bearer_header_and_events(wenv):
    _, tokens, _ = wenv.new_session()
    token = tokens["access_token"]

    async def go():
        async with websockets.connect(
                ws_url(wenv), ssl=ssl_ctx(wenv),
                extra_headers={"Authorization": "Bearer " + token}) as ws:
            task = await asyncio.to_thread(
                lambda: wenv.post("/tasks", token,
                                  json={"title": "over ws"}).json())
            assert await recv_json(ws) == {"type": "task.created",
                                           "task": task}
            await asyncio.to_thread(
                lambda: wenv.delete("/tasks/" + task["id"], token))
            ev = await recv_json(ws)
            assert ev == {"type": "task.deleted", "task": {"id": task["id"]}}
    run(go())


def test_todo_730_02_token_as_subprotocol_and_query(wenv):
    _, tokens, _ = wenv.new_session()
    token = tokens["access_token"]

    async def go():
        async with websockets.connect(ws_url(wenv), ssl=ssl_ctx(wenv),
                                      subprotocols=["bearer", token]) as ws:
            assert ws.subprotocol == "bearer"
            pong = await ws.ping(b"are you there")
            await asyncio.wait_for(pong, 5)
        async with websockets.connect(ws_url(wenv, "?access_token=" + token),
                                      ssl=ssl_ctx(wenv)) as ws:
            await asyncio.wait_for(await ws.ping(), 5)
    run(go())


def test_todo_730_03_refused_handshakes(wenv):
    async def go(**kw):
        try:
            async with websockets.connect(ws_url(wenv), ssl=ssl_ctx(wenv),
                                          **kw):
                return 101
        except websockets.exceptions.InvalidStatusCode as err:
            return err.status_code
    assert run(go()) == 401
    assert run(go(extra_headers={"Authorization": "Bearer x.y.z"})) == 401
    # Not an upgrade at all; a version we do not speak.
    r = wenv.get("/ws")
    assert r.status_code == 400 and "WebSocket" in r.json()["detail"]
    _, tokens, _ = wenv.new_session()
    r = wenv.get("/ws", tokens["access_token"], headers={
        "Upgrade": "websocket", "Connection": "Upgrade",
        "Sec-WebSocket-Key": base64.b64encode(os.urandom(16)).decode(),
        "Sec-WebSocket-Version": "8"})
    assert r.status_code == 426
    assert r.headers["Sec-WebSocket-Version"] == "13"


def test_todo_730_04_isolation(wenv):
    _, a, _ = wenv.new_session()
    _, b, _ = wenv.new_session()

    async def go():
        async with websockets.connect(
                ws_url(wenv), ssl=ssl_ctx(wenv),
                subprotocols=["bearer", b["access_token"]]) as ws:
            for i in range(3):
                await asyncio.to_thread(
                    lambda: wenv.post("/tasks", a["access_token"],
                                      json={"title": "not yours"}))
            mine = await asyncio.to_thread(
                lambda: wenv.post("/tasks", b["access_token"],
                                  json={"title": "yours"}).json())
            assert (await recv_json(ws))["task"]["id"] == mine["id"]
    run(go())


def test_todo_730_05_logout_closes_with_4003(wenv):
    _, tokens, _ = wenv.new_session()
    token = tokens["access_token"]

    async def go():
        async with websockets.connect(ws_url(wenv), ssl=ssl_ctx(wenv),
                                      subprotocols=["bearer", token]) as ws:
            await asyncio.to_thread(
                lambda: wenv.post("/auth/logout", token))
            with pytest.raises(websockets.exceptions.ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 5)
            assert ws.close_code == 4003
    run(go())


def test_todo_730_05b_refresh_reuse_closes_with_4003(wenv):
    """Every revocation ends what it revoked: a reused refresh token
    revokes the session, and its WebSocket closes with 4003."""
    _, tokens, _ = wenv.new_session()

    async def go():
        async with websockets.connect(
                ws_url(wenv), ssl=ssl_ctx(wenv),
                subprotocols=["bearer", tokens["access_token"]]) as ws:
            def reuse():
                body = {"refresh_token": tokens["refresh_token"]}
                assert wenv.post("/auth/refresh", json=body).status_code == 200
                assert wenv.post("/auth/refresh", json=body).status_code == 401
            await asyncio.to_thread(reuse)
            with pytest.raises(websockets.exceptions.ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 5)
            assert ws.close_code == 4003
    run(go())


def test_todo_730_06_close_handshake(wenv):
    _, tokens, _ = wenv.new_session()

    async def go():
        ws = await websockets.connect(
            ws_url(wenv), ssl=ssl_ctx(wenv),
            subprotocols=["bearer", tokens["access_token"]])
        await ws.close(1000, "bye")
        assert ws.close_code == 1000
    run(go())


# ---- what no good client sends: a raw socket ----

def raw_ws(e, token):
    sock = e.connect(timeout=5)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(("GET /api/v1/ws HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                  "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                  "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n"
                  "Authorization: Bearer %s\r\n\r\n" % (key, token)).encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += sock.recv(1)
    assert head.startswith(b"HTTP/1.1 101"), head
    return sock


def read_close(sock):
    """Frames until a CLOSE; returns its code."""
    while True:
        b0, b1 = sock.recv(1)[0], sock.recv(1)[0]
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack("!H", sock.recv(2))[0]
        data = b""
        while len(data) < n:
            data += sock.recv(n - len(data))
        if b0 & 0x0F == 0x8:
            return struct.unpack("!H", data[:2])[0]


def masked(opcode, payload, fin=True):
    mask = os.urandom(4)
    body = bytes(c ^ mask[i % 4] for i, c in enumerate(payload))
    n = len(payload)
    head = bytes([(0x80 if fin else 0) | opcode])
    if n < 126:
        head += bytes([0x80 | n])
    else:
        head += bytes([0x80 | 126]) + struct.pack("!H", n)
    return head + mask + body


def test_todo_730_07_unmasked_frame_is_a_protocol_error(wenv):
    _, tokens, _ = wenv.new_session()
    sock = raw_ws(wenv, tokens["access_token"])
    sock.sendall(b"\x81\x05hello")  # no mask bit
    assert read_close(sock) == 1002
    sock.close()


def test_todo_730_08_oversized_message_is_refused(wenv):
    _, tokens, _ = wenv.new_session()
    sock = raw_ws(wenv, tokens["access_token"])
    chunk = b"x" * 60000
    sock.sendall(masked(0x1, chunk, fin=False))
    # The second fragment's header alone says 120,000 bytes in all: the
    # server refuses it there, before any of its payload.
    sock.sendall(bytes([0x00, 0x80 | 126]) + struct.pack("!H", 60000)
                 + os.urandom(4))
    assert read_close(sock) == 1009
    sock.close()


def test_todo_730_09_ping_inside_fragmented_message(wenv):
    _, tokens, _ = wenv.new_session()
    sock = raw_ws(wenv, tokens["access_token"])
    sock.sendall(masked(0x1, b"hel", fin=False) + masked(0x9, b"p1")
                 + masked(0x0, b"lo"))
    b0, b1 = sock.recv(1)[0], sock.recv(1)[0]
    assert b0 == 0x8A and b1 == 2 and sock.recv(2) == b"p1"  # the pong
    sock.sendall(masked(0x8, struct.pack("!H", 1000)))
    assert read_close(sock) == 1000
    sock.close()


def test_todo_730_10_abrupt_disconnects_are_cleaned_up(wenv):
    _, tokens, _ = wenv.new_session()
    for _ in range(12):  # more than the threads of one process
        raw_ws(wenv, tokens["access_token"]).close()
    import time
    deadline = time.time() + 5
    while time.time() < deadline:
        text = wenv.get("/metrics").text
        live = [l for l in text.splitlines()
                if l.startswith("todo_realtime_streams ")]
        if int(live[0].split()[1]) == 0:
            break
        time.sleep(0.1)
    assert int(live[0].split()[1]) == 0
    # And the server still serves streams.
    test_todo_730_02_token_as_subprotocol_and_query(wenv)


class PingCounter(websockets.WebSocketClientProtocol):
    """The client's protocol, counting the pings it is sent (it answers
    each, as every client does)."""
    pinged = 0

    async def read_frame(self, max_size):
        frame = await super().read_frame(max_size)
        if frame.opcode == websockets.frames.Opcode.PING:
            self.pinged += 1
        return frame


def test_todo_730_11_busy_stream_is_pinged_not_idle(make_env):
    """The bug (the 10,000-stream benchmark): a ping was due a heartbeat
    after the stream's last write, and each event is a write; a user
    whose events came more often than the heartbeat was never pinged, so
    a client that answers pings and sends nothing else fell silent, and
    its stream was closed as idle (1001) after two heartbeats and 5 s.
    Heartbeats of 1 s (the least; the 5 s are fixed), an event every
    0.4 s, a client that never pings on its own: pinged every heartbeat,
    open past 2 x 1 + 5 s, every event delivered."""
    e = make_env("TodoStreamHeartbeat 1\n", name="wsbusy")
    _, tokens, _ = e.new_session()
    token = tokens["access_token"]

    async def go():
        async with websockets.connect(
                ws_url(e), ssl=ssl_ctx(e), subprotocols=["bearer", token],
                ping_interval=None, create_protocol=PingCounter) as ws:
            loop = asyncio.get_running_loop()
            start = loop.time()
            sent = 0
            while loop.time() - start < 8.5:
                await asyncio.to_thread(
                    lambda: e.post("/tasks", token, json={"title": "busy"}))
                sent += 1
                try:
                    ev = await recv_json(ws, 2)
                except websockets.exceptions.ConnectionClosed:
                    pytest.fail("closed %d %r after %.1f s, %d pings" % (
                        ws.close_code, ws.close_reason,
                        loop.time() - start, ws.pinged))
                assert ev["type"] == "task.created"
                await asyncio.sleep(0.4)
            assert sent >= 15
            assert ws.pinged >= 5, ws.pinged
            await ws.close()
            assert ws.close_code == 1000
    run(go())
