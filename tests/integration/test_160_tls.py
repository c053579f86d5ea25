"""HTTPS as shipped (conf/todo-tls.conf.in, `instance.sh` with TLS=1):
Mozilla's "intermediate" profile. TLS 1.2 and 1.3 only, forward-secret AEAD
cipher suites only, HSTS, no session tickets, and the API over it exactly
as over HTTP. This file builds its own HTTPS instance, so it runs in the
plain suite too."""

import os
import socket
import ssl
import stat
import subprocess
import tempfile
import warnings

import pytest

from env import TodoEnv

HSTS = "max-age=63072000"


@pytest.fixture(scope="module")
def tenv():
    e = TodoEnv(name="tls", tls=True)
    assert e.start() == 0
    yield e
    e.cleanup()


@pytest.fixture(autouse=True)
def _tls_log_is_clean(tenv):
    tenv.new_log_lines()
    yield
    bad = tenv.unexpected_log_lines()
    assert not bad, "unexpected error-log lines:\n" + "\n".join(bad)


def client(tenv, version=None, ciphers=None):
    """A client context that trusts the instance's certificate; version
    pins one protocol version, ciphers the TLS 1.2 cipher list."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(tenv.cert)
    if version is not None:
        with warnings.catch_warnings():  # TLSv1 and TLSv1_1 are deprecated
            warnings.simplefilter("ignore", DeprecationWarning)
            ctx.minimum_version = version
            ctx.maximum_version = version
    if ciphers:
        ctx.set_ciphers(ciphers)
    return ctx


def handshake(tenv, ctx, session=None):
    """Connect and handshake; returns the open TLS socket."""
    s = socket.create_connection(("127.0.0.1", tenv.port), timeout=10)
    try:
        return ctx.wrap_socket(s, server_hostname="127.0.0.1",
                               session=session)
    except BaseException:
        s.close()
        raise


def get_healthz(tls):
    """One HTTP/1.1 request on an established TLS socket: (status line,
    raw response)."""
    tls.sendall(b"GET /api/v1/healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Connection: close\r\n\r\n")
    out = b""
    while True:
        try:
            chunk = tls.recv(65536)
        except ssl.SSLEOFError:
            break
        if not chunk:
            break
        out += chunk
    return out.split(b"\r\n", 1)[0].decode(), out


def refused(tenv, ctx):
    """The handshake fails; returns the error text."""
    with pytest.raises(ssl.SSLError) as exc:
        handshake(tenv, ctx).close()
    return str(exc.value)


class TestProtocols:
    @pytest.mark.parametrize("version, name", [
        (ssl.TLSVersion.TLSv1_2, "TLSv1.2"),
        (ssl.TLSVersion.TLSv1_3, "TLSv1.3"),
    ])
    def test_todo_160_01_modern_versions_serve_the_api(self, tenv, version,
                                                       name):
        with handshake(tenv, client(tenv, version)) as tls:
            assert tls.version() == name
            cipher = tls.cipher()[0]
            # AEAD only: AES-GCM or ChaCha20-Poly1305.
            assert "GCM" in cipher or "CHACHA20" in cipher, cipher
            status, raw = get_healthz(tls)
        assert status == "HTTP/1.1 200 OK", raw[:300]
        assert raw.endswith(b'{"status":"ok"}')

    @pytest.mark.parametrize("version", ["TLSv1", "TLSv1_1"])
    def test_todo_160_02_tls10_and_tls11_refused(self, tenv, version):
        # SECLEVEL=0 so that this client's OpenSSL offers the old version
        # at all: the refusal must come from the server, as a
        # protocol_version alert (not a local "no protocols available").
        ctx = client(tenv, getattr(ssl.TLSVersion, version),
                     "DEFAULT:@SECLEVEL=0")
        err = refused(tenv, ctx)
        assert "ALERT_PROTOCOL_VERSION" in err, err

    def test_todo_160_03_plain_http_on_the_https_port(self, tenv):
        # A client that forgets https:// gets an error, in JSON, and no
        # API answer in clear text.
        s = socket.create_connection(("127.0.0.1", tenv.port), timeout=10)
        try:
            s.sendall(b"GET /api/v1/healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            out = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                out += chunk
        finally:
            s.close()
        assert out.startswith(b"HTTP/1.1 400 "), out[:200]
        assert b"application/json" in out
        assert b'"status":"ok"' not in out


class TestCiphers:
    # Each is offered alone over TLS 1.2 (TLS 1.3 has only strong suites).
    WEAK = [
        "AES128-SHA",               # RSA key exchange, CBC, SHA-1
        "AES256-GCM-SHA384",        # RSA key exchange: no forward secrecy
        "ECDHE-RSA-AES128-SHA",     # CBC with SHA-1
        "ECDHE-RSA-AES256-SHA384",  # CBC (Lucky13-style padding oracles)
        "DHE-RSA-AES128-SHA",       # CBC with SHA-1
    ]

    @pytest.mark.parametrize("cipher", WEAK)
    def test_todo_160_10_weak_cipher_refused(self, tenv, cipher):
        ctx = client(tenv, ssl.TLSVersion.TLSv1_2, cipher + ":@SECLEVEL=0")
        offered = [c["name"] for c in ctx.get_ciphers()]
        assert cipher in offered  # the client does offer it
        err = refused(tenv, ctx)
        assert "HANDSHAKE_FAILURE" in err, err

    @pytest.mark.parametrize("cipher", [
        "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-CHACHA20-POLY1305",
        "DHE-RSA-AES256-GCM-SHA384"])
    def test_todo_160_11_intermediate_ciphers_accepted(self, tenv, cipher):
        ctx = client(tenv, ssl.TLSVersion.TLSv1_2, cipher)
        with handshake(tenv, ctx) as tls:
            assert tls.cipher()[0] == cipher

    def test_todo_160_12_no_tickets_but_resumption(self, tenv):
        # SSLSessionTickets off: no ticket (whose key would outlive the
        # session); sessions resume from the server's shmcb cache instead.
        ctx = client(tenv, ssl.TLSVersion.TLSv1_2)
        with handshake(tenv, ctx) as tls:
            get_healthz(tls)
            session = tls.session
        assert not session.has_ticket
        with handshake(tenv, ctx, session=session) as tls:
            assert tls.session_reused
            assert get_healthz(tls)[0] == "HTTP/1.1 200 OK"


class TestHttps:
    def test_todo_160_20_hsts_on_every_response(self, tenv):
        assert tenv.api.startswith("https://")
        r = tenv.get("/healthz")
        assert r.status_code == 200
        assert r.headers["Strict-Transport-Security"] == HSTS
        r = tenv.get("/nope")  # errors too ("always")
        assert r.status_code == 404
        assert r.headers["Strict-Transport-Security"] == HSTS
        assert r.json() == {"detail": "Not Found"}

    def test_todo_160_21_task_round_trip(self, tenv):
        _, tokens, _ = tenv.new_session()
        token = tokens["access_token"]
        r = tenv.post("/tasks", token, json={"title": "over TLS"})
        assert r.status_code == 201, r.text
        task = r.json()
        assert r.headers["Location"] == "/api/v1/tasks/" + task["id"]
        path = "/tasks/" + task["id"]
        r = tenv.patch(path, token, json={"completed": True})
        assert r.status_code == 200 and r.json()["completed"] is True
        r = tenv.get("/tasks", token)
        assert [t["title"] for t in r.json()["tasks"]] == ["over TLS"]
        assert tenv.delete(path, token).status_code == 204
        assert tenv.get(path, token).status_code == 404

    def test_todo_160_22_certificate_made_once(self, tenv):
        # For 127.0.0.1 and localhost, private key 0600, kept when
        # instance.sh runs again (as it does at every `make run`).
        key = os.path.join(tenv.dir, "tls.key")
        assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
        text = subprocess.check_output(
            ["openssl", "x509", "-in", tenv.cert, "-noout", "-text"],
            text=True)
        assert "DNS:localhost" in text and "IP Address:127.0.0.1" in text
        before = open(tenv.cert).read()
        tenv.prepare_instance()
        assert open(tenv.cert).read() == before
        # The server presents that certificate; localhost verifies too.
        ctx = client(tenv)
        s = socket.create_connection(("127.0.0.1", tenv.port), timeout=10)
        with ctx.wrap_socket(s, server_hostname="localhost") as tls:
            served = tls.getpeercert(binary_form=True)
            assert get_healthz(tls)[0] == "HTTP/1.1 200 OK"
        assert ssl.DER_cert_to_PEM_cert(served).split() == before.split()


def test_todo_160_30_own_certificate():
    """TLS_CERT and TLS_KEY: the server presents the operator's
    certificate (here another self-signed one, for api.example.test)."""
    keys = tempfile.mkdtemp(prefix="mod_todo-certs-")
    os.chmod(keys, 0o755)
    cert, key = os.path.join(keys, "c.pem"), os.path.join(keys, "k.pem")
    subprocess.check_call(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
         "-sha256", "-days", "2", "-subj", "/CN=api.example.test",
         "-addext", "subjectAltName=DNS:api.example.test,IP:127.0.0.1",
         "-addext", "basicConstraints=critical,CA:FALSE",
         "-keyout", key, "-out", cert], stderr=subprocess.DEVNULL)
    e = TodoEnv(name="owncert", tls=True,
                extra_env={"TLS_CERT": cert, "TLS_KEY": key})
    try:
        e.cert = e.verify = cert
        e.session = e.client()
        assert e.start() == 0
        assert not os.path.exists(os.path.join(e.dir, "tls.crt"))
        with open(os.path.join(e.dir, "todo-tls.conf")) as f:
            assert "ServerName api.example.test\n" in f.read()
        r = e.get("/healthz")
        assert r.status_code == 200
        assert r.headers["Strict-Transport-Security"] == HSTS
        assert not e.unexpected_log_lines()
    finally:
        e.cleanup()
        subprocess.call(["rm", "-rf", keys])
