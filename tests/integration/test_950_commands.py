"""The README's run command: `make run PORT=N INSTANCE=DIR` serves the API,
stops cleanly on Ctrl-C (SIGINT) and SIGTERM, and keeps data and secret.
In the HTTPS run of the suite (TODO_TEST_TLS=1) it is `make run TLS=1`,
which also keeps its self-signed certificate."""

import os
import signal
import stat
import subprocess
import tempfile
import time

import requests

from env import TLS, TOP, free_port


def start_make_run(port, instance):
    # Exactly what a user runs: the regular build, whatever this suite's
    # own module variant (make test-asan) is.
    env = {k: v for k, v in os.environ.items()
           if k not in ("TODO_MODULE", "TODO_SAN_LOGDIR")}
    return subprocess.Popen(
        ["make", "--no-print-directory", "run", "PORT=%d" % port,
         "INSTANCE=%s" % instance, "TLS=%d" % TLS], cwd=TOP,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, start_new_session=True, env=env)


def wait_up(base, proc, verify, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        assert proc.poll() is None, proc.stdout.read()
        if verify is not True and not os.path.exists(verify):
            time.sleep(0.1)  # instance.sh has not made the certificate yet
            continue
        try:
            if requests.get(base + "/healthz", timeout=1,
                            verify=verify).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise AssertionError("make run did not serve within %ss" % timeout)


def stop(proc, sig):
    # Ctrl-C in a terminal signals the whole foreground process group.
    os.killpg(proc.pid, sig)
    return proc.wait(timeout=20)


def test_todo_950_01_make_run_lifecycle():
    instance = tempfile.mkdtemp(prefix="mod_todo-run-")  # 0700
    port = free_port()
    base = "%s://127.0.0.1:%d/api/v1" % ("https" if TLS else "http", port)
    cert = os.path.join(instance, "tls.crt")
    verify = cert if TLS else True
    try:
        proc = start_make_run(port, instance)
        wait_up(base, proc, verify)
        secret_path = os.path.join(instance, "jwt.secret")
        mode = stat.S_IMODE(os.stat(secret_path).st_mode)
        assert mode == 0o600
        secret = open(secret_path, "rb").read()
        assert len(secret) >= 32
        assert os.path.exists(os.path.join(instance, "data", "todo.db"))
        if TLS:
            key = os.path.join(instance, "tls.key")
            assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
            cert_pem = open(cert).read()
        r = requests.post(base + "/auth/register", json={
            "email": "run@example.com", "username": "runner",
            "password": "password1"}, verify=verify)
        assert r.status_code == 201, r.text
        assert stop(proc, signal.SIGINT) in (0, -signal.SIGINT)
        # Nothing is left listening.
        try:
            requests.get(base + "/healthz", timeout=1, verify=verify)
            raise AssertionError("still serving after SIGINT")
        except requests.ConnectionError:
            pass

        proc = start_make_run(port, instance)
        wait_up(base, proc, verify)
        assert open(secret_path, "rb").read() == secret
        if TLS:
            assert open(cert).read() == cert_pem  # made once, kept
        r = requests.post(base + "/auth/login", data={
            "username": "runner", "password": "password1"}, verify=verify)
        assert r.status_code == 200, r.text
        assert stop(proc, signal.SIGTERM) in (0, -signal.SIGTERM)
    finally:
        subprocess.run(["rm", "-rf", instance])
