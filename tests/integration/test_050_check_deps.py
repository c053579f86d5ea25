"""The dependency check (scripts/check-deps.py, run by `make check` and
`make test`): a module or command the tests use whose package
scripts/deps.sh does not name fails it, naming the package and the file.

test_730 imported websockets for months while deps.sh never installed
python3-websockets: machines that happened to have it passed, a fresh one
stopped at collection. Here the check runs on copies of deps.sh with one
package taken out, and must fail the way that would have."""

import os
import re
import subprocess

import pytest

from env import DB, TLS, TOP

CHECK = os.path.join(TOP, "scripts", "check-deps.py")
DEPS = os.path.join(TOP, "scripts", "deps.sh")

pytestmark = pytest.mark.skipif(
    DB != "sqlite3" or TLS or bool(os.environ.get("TODO_SAN_LOGDIR")),
    reason="static: runs once, in the plain SQLite pass")


def check(deps=DEPS):
    return subprocess.run(["/usr/bin/python3", CHECK, deps],
                          capture_output=True, text=True, timeout=120)


def deps_without(tmp_path, package, *also):
    """A copy of deps.sh with every mention of package (and of the
    packages @also, which depend on it) taken out."""
    copy = open(DEPS).read()
    for name in (package,) + also:
        copy, n = re.subn(r"(?<=[\s\"])%s(?=[\s\"])" % re.escape(name), "",
                          copy)
        assert n, name
    path = tmp_path / "deps.sh"
    path.write_text(copy)
    return str(path)


def test_todo_050_01_shipped_deps_name_everything():
    r = check()
    assert r.returncode == 0, r.stdout + r.stderr
    assert "every module and command" in r.stdout


@pytest.mark.parametrize("package, module, where", [
    # The python3-websockets miss itself.
    ("python3-websockets", "Python module websockets",
     "tests/integration/test_730_websocket.py"),
    ("python3-prometheus-client", "Python module prometheus_client",
     "tests/integration/test_195_metrics.py"),
    # pytest-xdist depends on pytest: without both, pytest is missing.
    ("python3-pytest python3-pytest-xdist", "Python module pytest",
     "tests/integration/conftest.py"),
])
def test_todo_050_02_a_missing_python_package_fails(tmp_path, package,
                                                    module, where):
    package, *also = package.split()
    r = check(deps_without(tmp_path, package, *also))
    assert r.returncode == 1, r.stdout + r.stderr
    lines = [l for l in r.stdout.splitlines() if module + " " in l]
    assert any(l.startswith("check-deps: " + where) for l in lines), r.stdout
    assert all("package " + package in l for l in lines), lines


@pytest.mark.parametrize("package, command, where", [
    ("wrk", "command wrk", "tests/integration/test_990_soak.py"),
    ("prometheus", "command promtool", "tests/integration/test_195_metrics.py"),
    ("chromium", "command /usr/bin/chromium", "tests/js/browser.mjs"),
    ("postgresql-15", "command initdb", "scripts/pg.sh"),
    ("clang-format", "command clang-format", "scripts/check.sh"),
    # The image's runtime installs the serve set alone: its entrypoint
    # makes the secret with openssl.
    ("openssl", "command openssl", "docker/entrypoint.sh"),
])
def test_todo_050_03_a_missing_command_package_fails(tmp_path, package,
                                                     command, where):
    r = check(deps_without(tmp_path, package))
    assert r.returncode == 1, r.stdout + r.stderr
    assert re.search(r"^check-deps: %s(:\d+)?: %s " % (
        re.escape(where), re.escape(command)), r.stdout, re.M), r.stdout
