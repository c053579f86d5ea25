"""todoctl, the administrator's tool, against a running instance and its
database (SQLite, or PostgreSQL with TODO_TEST_DB=pgsql), its settings
read from the instance's own Apache configuration (-f httpd.conf, which
includes conf.d/): users listed; a disabled user cannot log in, its access
token is refused at once and its live event stream ends within seconds;
enabled, it logs in again; a reset password works and the old one does
not; revoke ends API access at once. migrate status reads without writing
(no database made where there was none), migrate down wants --yes. And the
conventions: --help, help, --version, -q, exit status 0/1/2, the man page.
"""

import json
import os
import re
import subprocess
import time

import pytest

from env import DB, TOP, PgCluster, TodoEnv
from test_720_events_sse import Sse

TODOCTL = os.path.join(TOP, "build", "todoctl")
MAN = os.path.join(TOP, "man", "todoctl.1")
VERSION = open(os.path.join(TOP, "VERSION")).read().strip()


def todoctl(*args, input=None, env=None):
    run_env = {k: v for k, v in os.environ.items() if k != "TODOCTL_CONF"}
    run_env.update(env or {})
    return subprocess.run([TODOCTL] + list(args), capture_output=True,
                          text=True, input=input, env=run_env, timeout=60)


@pytest.fixture(scope="module")
def ctl_env():
    # Streams recheck their session every second.
    e = TodoEnv(name="ctl")
    e.install_conf("TodoStreamHeartbeat 1\n", name="01-streams.conf")
    assert e.start() == 0
    yield e
    e.cleanup()


@pytest.fixture(autouse=True)
def _log_clean(request):
    if "ctl_env" not in request.fixturenames:
        yield
        return
    e = request.getfixturevalue("ctl_env")
    e.new_log_lines()
    yield
    bad = e.unexpected_log_lines()
    assert not bad, "unexpected error-log lines:\n" + "\n".join(bad)


def ctl(e, *args, **kw):
    """todoctl on the instance's database, as its Apache config says."""
    return todoctl("-f", e.conf, *args, **kw)


def ok(r):
    assert r.returncode == 0, (r.returncode, r.stdout, r.stderr)
    return r.stdout


def me(e, token):
    return e.get("/auth/me", token).status_code


def try_login(e, login, password):
    return e.post("/auth/login", data={"username": login,
                                       "password": password})


def fresh_db():
    """A database nobody migrated: (params, a check that it is still
    untouched)."""
    if DB == "pgsql":
        pg = PgCluster.get()
        name = pg.createdb()

        def untouched():
            return pg.psql(name, "SELECT count(*) FROM pg_tables WHERE "
                           "schemaname = 'public'").strip() == "0"
        return pg.params(name), untouched
    import tempfile
    path = os.path.join(tempfile.mkdtemp(prefix="mod_todo-ctl-"), "t.db")
    return path, lambda: not os.path.exists(path)


# ---- conventions --------------------------------------------------------

def test_todo_951_01_help_version_usage_errors():
    for args in (["--help"], ["-h"], ["help"], ["-q", "help"]):
        r = todoctl(*args)
        assert r.returncode == 0 and r.stderr == "", args
        assert r.stdout.startswith("usage: todoctl"), args
        assert "sqlite3" in r.stdout and "pgsql" in r.stdout
    r = todoctl("--version")
    assert (r.returncode, r.stdout, r.stderr) == (0, "todoctl %s\n" % VERSION,
                                                  "")
    for args in ([], ["frobnicate"], ["-x", "user", "list"], ["user"],
                 ["user", "frob"], ["user", "disable"],
                 ["user", "disable", "a", "b"], ["migrate"],
                 ["migrate", "down", "0"], ["migrate", "sideways"],
                 ["-d", "sqlite3", "user", "list"], ["--json", "config"],
                 ["-t", "soon", "config"], ["-f"]):
        r = todoctl(*args, env={"TODOCTL_CONF": "/dev/null"})
        assert r.returncode == 2, (args, r.stdout, r.stderr)
        assert r.stdout == "", args
        assert "usage: todoctl" in r.stderr, args


def test_todo_951_02_settings_from_the_apache_configuration(ctl_env,
                                                            tmp_path):
    e = ctl_env
    out = ok(ctl(e, "config"))
    lines = dict(re.findall(r"^(\S+)\s+(.*)$", out, re.M))
    # The instance's httpd.conf names them (TodoBcryptCost 4: the suite's).
    conf_lines = open(e.conf).read().splitlines()
    for name in ("DBDriver", "DBDParams", "TodoBcryptCost"):
        where = re.search(r"\((.*):(\d+)\)$", lines[name])
        assert where and where.group(1) == e.conf, (name, lines[name])
        assert conf_lines[int(where.group(2)) - 1].startswith(name)
    assert lines["DBDriver"].startswith(e.db + " ")
    assert lines["TodoBcryptCost"].startswith("4 ")
    if e.db == "sqlite3":
        assert lines["DBDParams"].startswith(e.db_path + " ")
    # Without -f, -d or -p: the file TODOCTL_CONF names (in place of
    # mods-available/todo.conf).
    r = todoctl("config", env={"TODOCTL_CONF": e.conf})
    assert ok(r) == out
    r = todoctl("config", env={"TODOCTL_CONF": str(tmp_path / "none")})
    assert r.returncode == 1 and "cannot read" in r.stderr
    # -d and -p win over the file.
    out = ok(ctl(e, "-d", "sqlite3", "-p", "/x.db", "config"))
    assert re.search(r"^DBDParams\s+/x\.db\s+\(-p\)$", out, re.M)
    # A configuration that names no database says so.
    conf = tmp_path / "nodb.conf"
    conf.write_text("<VirtualHost *:80>\nDBDriver sqlite3\n"
                    "DBDParams /v.db\n</VirtualHost>\n")
    r = todoctl("-f", str(conf), "user", "list")
    assert r.returncode == 1
    assert "names no DBDriver outside <VirtualHost>" in r.stderr
    conf.write_text("Include missing.conf\n")
    r = todoctl("-f", str(conf), "user", "list")
    assert r.returncode == 1
    assert "nodb.conf:1: Include %s/missing.conf: no such file" % tmp_path \
        in r.stderr


# ---- users --------------------------------------------------------------

def test_todo_951_03_user_list(ctl_env):
    e = ctl_env
    a, _ = e.new_user()
    b, _ = e.new_user()
    out = ok(ctl(e, "user", "list"))
    head, *rows = out.splitlines()
    assert head.split() == ["ID", "USERNAME", "EMAIL", "ACTIVE", "CREATED"]
    for u in (a, b):
        row = [r.split() for r in rows if r.startswith(u["id"])]
        assert row == [[u["id"], u["username"], u["email"], "yes",
                        u["created_at"]]], out
    # --json: the API's User objects, oldest first.
    users = json.loads(ok(ctl(e, "user", "list", "--json")))
    assert a in users and b in users
    assert users.index(a) < users.index(b)
    assert all("password" not in json.dumps(u) for u in users)
    # -q does not silence what was asked for.
    assert json.loads(ok(ctl(e, "-q", "--json", "user", "list"))) == users


def test_todo_951_04_disable_shuts_the_user_out(ctl_env):
    e = ctl_env
    user, tokens, password = e.new_session()
    other, other_tokens, _ = e.new_session()
    token = tokens["access_token"]
    sse = Sse(e, token)
    keep = Sse(e, other_tokens["access_token"])
    try:
        assert sse.status == 200 and keep.status == 200
        assert me(e, token) == 200
        out = ok(ctl(e, "user", "disable", user["username"]))
        assert "user %s disabled" % user["username"] in out
        assert "1 session revoked" in out
        # At once: the token, the refresh token, the password.
        assert me(e, token) == 401
        assert e.post("/auth/refresh", json={
            "refresh_token": tokens["refresh_token"]}).status_code == 401
        assert try_login(e, user["username"], password).status_code == 401
        # The live stream ends within a heartbeat or so; the other
        # user's does not.
        t0 = time.time()
        assert sse.closed.wait(5), "stream outlived the disabled user"
        assert time.time() - t0 < 5
        assert not keep.closed.is_set()
        assert me(e, other_tokens["access_token"]) == 200
        listed = {u["id"]: u for u in json.loads(ok(ctl(e, "user", "list",
                                                        "--json")))}
        assert listed[user["id"]]["is_active"] is False
        assert listed[other["id"]]["is_active"] is True
        # Again: said, and nothing left to revoke.
        out = ok(ctl(e, "user", "disable", user["email"].upper()))
        assert "was disabled already" in out and "0 sessions revoked" in out

        out = ok(ctl(e, "user", "enable", user["email"]))
        assert "user %s enabled" % user["username"] in out
        r = try_login(e, user["username"], password)
        assert r.status_code == 200, r.text
        assert me(e, r.json()["access_token"]) == 200
        assert me(e, token) == 401  # its old session stays revoked
    finally:
        sse.close()
        keep.close()


def test_todo_951_05_password_reset(ctl_env):
    e = ctl_env
    user, tokens, old = e.new_session()
    new = "reset by the admin"
    # Too short: refused, nothing changed.
    r = ctl(e, "user", "password", user["username"], input="short\n")
    assert r.returncode == 1 and "at least 8 bytes" in r.stderr
    assert "nothing was changed" in r.stderr
    assert me(e, tokens["access_token"]) == 200
    r = ctl(e, "user", "password", user["id"], input="")
    assert r.returncode == 1 and "no password read" in r.stderr
    assert try_login(e, user["username"], old).status_code == 200

    out = ok(ctl(e, "user", "password", user["id"], input=new + "\n"))
    assert "bcrypt cost 4" in out  # TodoBcryptCost of the instance
    assert "2 sessions revoked" in out  # new_session's and the login above
    assert me(e, tokens["access_token"]) == 401
    assert try_login(e, user["username"], old).status_code == 401
    r = try_login(e, user["email"], new)
    assert r.status_code == 200, r.text
    stored = e.sql({"sqlite3": "SELECT password_hash FROM users "
                               "WHERE id = ?",
                    "pgsql": "SELECT password_hash FROM users "
                             "WHERE id = ?::uuid"}, user["id"])
    assert "$2b$04$" in str(stored)
    assert new not in str(stored)


def test_todo_951_06_revoke_ends_api_access(ctl_env):
    e = ctl_env
    user, t1, password = e.new_session()
    t2 = e.login(user["email"], password)
    sse = Sse(e, t2["access_token"])
    try:
        assert sse.status == 200
        out = ok(ctl(e, "user", "revoke", user["username"].upper()))
        assert "2 sessions revoked" in out
        assert me(e, t1["access_token"]) == 401
        assert me(e, t2["access_token"]) == 401
        assert e.post("/auth/refresh", json={
            "refresh_token": t1["refresh_token"]}).status_code == 401
        assert sse.closed.wait(5), "stream outlived its revoked session"
        # The user is not disabled: a new login works.
        r = try_login(e, user["username"], password)
        assert r.status_code == 200
        assert me(e, r.json()["access_token"]) == 200
    finally:
        sse.close()


def test_todo_951_07_unknown_user_and_quiet(ctl_env):
    e = ctl_env
    for cmd in ("disable", "enable", "password", "revoke"):
        r = ctl(e, "user", cmd, "nobody-here", input="password1\n")
        assert r.returncode == 1, cmd
        assert r.stdout == ""
        assert "no user nobody-here" in r.stderr
    user, tokens, _ = e.new_session()
    r = ctl(e, "-q", "user", "revoke", user["username"])
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")
    assert me(e, tokens["access_token"]) == 401
    r = ctl(e, "-q", "user", "revoke", "nobody-here")
    assert r.returncode == 1 and r.stdout == "" and "no user" in r.stderr


# ---- migrations ---------------------------------------------------------

def test_todo_951_08_status_is_read_only(tmp_path):
    driver = DB
    params, untouched = fresh_db()
    # SQLite: no file there, and none made (as root it would be root's).
    # PostgreSQL: a database nobody migrated, left without a table.
    r = todoctl("-d", driver, "-p", params, "migrate", "status")
    if driver == "sqlite3":
        assert r.returncode == 1
        assert r.stderr == "todoctl: no database at %s\n" % params
        for cmd in (["user", "list"], ["user", "revoke", "x"],
                    ["migrate", "down", "--yes"]):
            r = todoctl("-d", driver, "-p", params, *cmd)
            assert r.returncode == 1 and "no database at" in r.stderr, cmd
        # An empty file is a database nobody migrated.
        open(params, "w").close()
        r = todoctl("-d", driver, "-p", params, "migrate", "status")
        assert os.path.getsize(params) == 0
        untouched = lambda: os.path.getsize(params) == 0  # noqa: E731
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines and all(l.endswith(" pending") for l in lines), lines
    assert untouched()
    r = todoctl("-d", driver, "-p", params, "user", "list")
    assert r.returncode == 1 and "pending migration" in r.stderr
    assert untouched()


def test_todo_951_09_status_of_a_live_database(ctl_env):
    e = ctl_env
    lines = ok(ctl(e, "migrate", "status")).splitlines()
    assert lines[0].startswith("0001_init")
    assert not [l for l in lines if l.endswith("pending")]
    if e.db == "sqlite3":
        # Read through query_only: the file is not written to.
        before = os.stat(e.db_path).st_mtime_ns
        ok(ctl(e, "migrate", "status"))
        ok(ctl(e, "user", "list"))
        assert os.stat(e.db_path).st_mtime_ns == before


def test_todo_951_10_down_wants_yes():
    params, _ = fresh_db()
    base = ["-d", DB, "-p", params]
    assert todoctl(*base, "-q", "migrate", "up").stdout == ""
    before = ok(todoctl(*base, "migrate", "status"))
    # Every migration, so that the preview names the tasks table
    # whatever came after it.
    n = len(before.splitlines())
    r = todoctl(*base, "migrate", "down", str(n))
    assert r.returncode == 2 and r.stdout == ""
    assert "migrate down %d would revert" % n in r.stderr
    assert "DROP TABLE tasks;" in r.stderr
    assert "--yes" in r.stderr
    assert ok(todoctl(*base, "migrate", "status")) == before
    out = ok(todoctl(*base, "migrate", "down", "--yes"))
    assert out.endswith("migrate down: 1 reverted\n")
    assert ok(todoctl(*base, "migrate", "status")) != before
    r = todoctl(*base, "-q", "migrate", "down", "99", "--yes")
    assert (r.returncode, r.stdout) == (0, ""), r.stderr
    assert all(l.endswith(" pending") for l in
               ok(todoctl(*base, "migrate", "status")).splitlines())
    out = ok(todoctl(*base, "migrate", "down"))
    assert out == "migrate down: nothing to revert\n"


# ---- documentation ------------------------------------------------------

def test_todo_951_11_man_page_and_docs_name_every_command():
    usage = ok(todoctl("--help"))
    commands = re.findall(r"^  ((?:migrate|user) \w+|config|statements|help)",
                          usage, re.M)
    assert len(commands) >= 11, commands
    man = open(MAN).read()
    assert re.search(r'^\.TH TODOCTL 1 \S+ "mod_todo %s"' % re.escape(VERSION),
                     man, re.M), "man/todoctl.1's .TH names another version"
    doc = open(os.path.join(TOP, "docs", "todoctl.md")).read()
    for cmd in commands:
        # roff escapes nothing in these words; the doc has them in code.
        assert re.search(r"^\.B %s\b|^\\fB%s\b|%s" % (cmd, cmd, cmd), man,
                         re.M), cmd
        assert "todoctl " + cmd in doc or "`" + cmd in doc, cmd
    for opt in ("-f", "-d", "-p", "-t", "-q", "--help", "--version",
                "--json", "--yes", "TODOCTL_CONF"):
        assert opt.replace("-", "\\-") in man, opt
        assert opt in doc, opt
    # `man -l man/todoctl.1` renders it without a warning.
    r = subprocess.run(["groff", "-man", "-Tutf8", "-wall", "-z", MAN],
                       capture_output=True, text=True)
    assert r.returncode == 0 and r.stderr == "", r.stderr
    r = subprocess.run(["groff", "-man", "-Tutf8", "-wall", MAN],
                       capture_output=True, text=True)
    assert "todoctl" in r.stdout and "user disable" in r.stdout


def test_todo_951_12_password_asked_twice_without_echo(ctl_env):
    """On a terminal, user password asks twice and echoes nothing."""
    import select
    e = ctl_env
    user, _, old = e.new_session()

    def on_a_terminal(first, second):
        master, slave = os.openpty()
        p = subprocess.Popen(
            [TODOCTL, "-f", e.conf, "user", "password", user["username"]],
            stdin=slave, stdout=slave, stderr=slave, start_new_session=True)
        os.close(slave)
        seen = b""

        def until(text):
            nonlocal seen
            deadline = time.time() + 20
            while text not in seen and time.time() < deadline:
                if select.select([master], [], [], 0.2)[0]:
                    try:
                        seen += os.read(master, 4096)
                    except OSError:  # EIO: the child is gone
                        break
            assert text in seen, seen

        try:
            until(b"New password for %s: " % user["username"].encode())
            os.write(master, first.encode() + b"\n")
            until(b"Again: ")
            os.write(master, second.encode() + b"\n")
            code = p.wait(timeout=30)
            until(b"\n")
            try:
                while select.select([master], [], [], 0.2)[0]:
                    seen += os.read(master, 4096)
            except OSError:
                pass
        finally:
            os.close(master)
            if p.poll() is None:
                p.kill()
        assert first.encode() not in seen and second.encode() not in seen
        return code, seen.decode()

    code, out = on_a_terminal("typed once 1", "typed twice 2")
    assert code == 1 and "the two passwords differ" in out
    assert try_login(e, user["username"], old).status_code == 200
    code, out = on_a_terminal("typed at a tty", "typed at a tty")
    assert code == 0 and "password set" in out, out
    assert try_login(e, user["username"], old).status_code == 401
    assert try_login(e, user["username"], "typed at a tty").status_code == 200
