"""The Debian package: built, checked by lintian, installed, enabled,
serving, removed and purged -- without touching this machine's system.

The package is built with `dpkg-buildpackage -b -us -uc` in a copy of the
tree (with Swagger UI's files), into a temporary directory. It is then
installed with this machine's own dpkg, maintainer scripts, a2enmod and
apache2, into a copy-on-write view of the machine: a private mount
namespace (unshare) in which /usr, /etc and /var are overlays of the real
ones, with their writes going to the temporary directory, and a chroot
into that view. dpkg's database, /etc/apache2, the a2enmod state,
/var/lib/mod_todo and /etc/mod_todo are the machine's as they are now,
and nothing written to them reaches it: when the test ends, the namespace
and its mounts go with its last process. A policy-rc.d in the view keeps
the maintainer scripts from (re)starting a service; the test runs Debian's
apache2 itself, in the view, on a free loopback port.

Runs once, in the SQLite pass (the package's configuration is SQLite's).
"""

import glob
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import uuid

import pytest
import requests

from env import DB, TOP, free_port

PKG = "libapache2-mod-todo"
# The package's todoctl, in the view (not a program of this machine's).
TODOCTL = os.path.join("/usr/bin", "todoctl")
VERSION = open(os.path.join(TOP, "VERSION")).read().strip()

if os.geteuid() != 0:
    pytest.skip("needs root: mounts the overlays and installs as root",
                allow_module_level=True)
if DB != "sqlite3" or os.environ.get("TODO_SAN_LOGDIR") \
        or os.environ.get("TODO_TEST_TLS") == "1":
    pytest.skip("runs once, in the SQLite pass", allow_module_level=True)
for tool in ("/usr/bin/dpkg-buildpackage", "/usr/bin/lintian",
             "/usr/bin/dh_apache2", "/usr/sbin/a2enmod"):
    if not os.path.exists(tool):
        pytest.skip("%s is missing: sh scripts/deps.sh build package" % tool,
                    allow_module_level=True)

# What the tree's copy leaves out: build output, instances, VCS data and
# node_modules (Swagger UI's files are copied by ui/dist.files' list).
IGNORE = shutil.ignore_patterns(".git", "build", "var", "node_modules",
                                "__pycache__", ".pytest_cache", "results")


def build(tmp):
    """dpkg-buildpackage in a copy of the tree: (the .deb, the log)."""
    src = os.path.join(tmp, "src", "mod-todo-" + VERSION)
    shutil.copytree(TOP, src, ignore=IGNORE)
    dist = os.path.join(TOP, "ui", "node_modules", "swagger-ui-dist")
    os.makedirs(os.path.join(src, "ui", "node_modules", "swagger-ui-dist"))
    for name in open(os.path.join(TOP, "ui", "dist.files")).read().split():
        shutil.copy(os.path.join(dist, name), os.path.join(
            src, "ui", "node_modules", "swagger-ui-dist", name))
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TODO_", "PYTEST"))}
    r = subprocess.run(["dpkg-buildpackage", "-b", "-us", "-uc", "-j2"],
                       cwd=src, env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-4000:]
    debs = glob.glob(os.path.join(tmp, "src", "%s_%s-*_*.deb" % (PKG, VERSION)))
    assert len(debs) == 1, os.listdir(os.path.join(tmp, "src"))
    return debs[0], r.stdout + r.stderr


class View:
    """A chroot over overlays of the machine's /usr, /etc and /var, in a
    private mount namespace held by one process."""

    def __init__(self, tmp):
        self.root = os.path.join(tmp, "root")
        self.layers = os.path.join(tmp, "layers")
        for d in ("proc", "dev", "run", "tmp", "root", "usr", "etc", "var"):
            os.makedirs(os.path.join(self.root, d))
        os.chmod(os.path.join(self.root, "tmp"), 0o1777)
        for name in ("bin", "sbin", "lib", "lib64"):  # usrmerge
            if os.path.islink("/" + name):
                os.symlink(os.readlink("/" + name),
                           os.path.join(self.root, name))
        script = ["set -e"]
        for d in ("usr", "etc", "var"):
            up = os.path.join(self.layers, d)
            os.makedirs(up + "/upper")
            os.makedirs(up + "/work")
            script.append(
                "mount -t overlay overlay -o lowerdir=/%s,upperdir=%s/upper,"
                "workdir=%s/work %s/%s" % (d, up, up, self.root, d))
        script += ["mount -t proc proc %s/proc" % self.root,
                   "mount --rbind /dev %s/dev" % self.root,
                   "mount -t tmpfs tmpfs %s/run" % self.root,
                   "mkdir -m 1777 %s/run/lock" % self.root,
                   "echo ready", "exec sleep 3600"]
        self.holder = subprocess.Popen(
            ["unshare", "--mount", "--propagation", "private", "sh", "-c",
             "\n".join(script)], stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, start_new_session=True)
        line = self.holder.stdout.readline()
        assert line.strip() == "ready", line + self.holder.stdout.read()

    def argv(self, cmd):
        return ["nsenter", "-t", str(self.holder.pid), "-m", "--",
                "chroot", self.root, "env", "-i",
                "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C",
                "DEBIAN_FRONTEND=noninteractive", "sh", "-c", cmd]

    def run(self, cmd, check=True):
        r = subprocess.run(self.argv(cmd), capture_output=True, text=True)
        if check:
            assert r.returncode == 0, "%s: %s%s" % (cmd, r.stdout, r.stderr)
        return r

    def exists(self, path):
        return self.run("test -e %s" % path, check=False).returncode == 0

    def close(self):
        os.killpg(self.holder.pid, signal.SIGKILL)
        self.holder.wait()


def real_state():
    """What the machine's own system says of the package and Apache."""
    out = {"dpkg": subprocess.run(["dpkg-query", "-W", PKG],
                                  capture_output=True, text=True).stdout}
    for top in ("/etc/apache2", "/var/lib/apache2", "/etc/mod_todo",
                "/var/lib/mod_todo", "/usr/lib/apache2/modules"):
        for d, dirs, files in os.walk(top):
            for f in dirs + files:
                p = os.path.join(d, f)
                out[p] = os.readlink(p) if os.path.islink(p) \
                    else os.lstat(p).st_mtime
    return out


def test_todo_965_01_package_builds_installs_serves_and_goes():
    before = real_state()
    tmp = tempfile.mkdtemp(prefix="mod_todo-pkg-")
    os.chmod(tmp, 0o755)
    view = proc = None
    t0 = time.time()
    try:
        # ---- build, lintian -------------------------------------------
        deb, log = build(tmp)
        assert os.path.basename(deb).startswith(
            "%s_%s-1_" % (PKG, VERSION)), deb  # the version is VERSION's
        t_build = time.time() - t0
        changes = glob.glob(os.path.join(tmp, "src", "*.changes"))
        r = subprocess.run(["lintian", "--no-tag-display-limit"] + changes,
                           capture_output=True, text=True)
        tags = re.findall(r"^([EW]): \S+: (\S+)", r.stdout, re.M)
        assert not [t for t in tags if t[0] == "E"], r.stdout
        # No warning either (docs/install.md): todoctl has its manual page.
        assert not tags, r.stdout
        listing = subprocess.check_output(["dpkg-deb", "-c", deb], text=True)
        for path in ("./usr/lib/apache2/modules/mod_todo.so",
                     "./usr/bin/todoctl",
                     "./usr/share/man/man1/todoctl.1.gz",
                     "./etc/apache2/mods-available/todo.load",
                     "./etc/apache2/mods-available/todo.conf",
                     "./etc/apache2/conf-available/todo.conf",
                     "./etc/apache2/conf-available/todo-cors.conf",
                     "./etc/mod_todo/todo-api.conf",
                     "./usr/share/mod_todo/sql/sqlite3/0001_init.up.sql",
                     "./usr/share/mod_todo/sql/pgsql/0001_init.up.sql",
                     "./usr/share/mod_todo/ui/index.html",
                     "./usr/share/mod_todo/ui/dist/swagger-ui-bundle.js",
                     "./usr/share/doc/%s/README.md.gz" % PKG,  # dh_compress
                     "./usr/share/doc/%s/copyright" % PKG):
            assert re.search(r" %s$" % re.escape(path), listing, re.M), path
        assert "/var/lib/mod_todo" not in listing  # made by postinst
        assert "jwt.secret" not in listing
        conffiles = subprocess.check_output(
            ["dpkg-deb", "-I", deb, "conffiles"], text=True).split()
        assert sorted(conffiles) == [
            "/etc/apache2/conf-available/todo-cors.conf",
            "/etc/apache2/conf-available/todo.conf",
            "/etc/apache2/mods-available/todo.conf",
            "/etc/apache2/mods-available/todo.load",
            "/etc/mod_todo/todo-api.conf"]

        # ---- install into the view -------------------------------------
        view = View(tmp)
        shutil.copy(deb, os.path.join(view.root, "tmp", "pkg.deb"))
        view.run("printf '#!/bin/sh\\nexit 101\\n' > /usr/sbin/policy-rc.d"
                 " && chmod 755 /usr/sbin/policy-rc.d")
        # What this machine's Apache has of mod_todo goes, so that the
        # package meets a stock one (test_960 does the same).
        view.run("rm -f /etc/apache2/mods-enabled/todo.* "
                 "/etc/apache2/mods-available/todo.* "
                 "/etc/apache2/conf-enabled/todo*.conf "
                 "/etc/apache2/conf-available/todo*.conf "
                 "/var/lib/apache2/*/*/todo* && rm -rf /etc/mod_todo "
                 "/var/lib/mod_todo /var/log/apache2/todo-access*")
        r = view.run("dpkg -i /tmp/pkg.deb 2>&1")
        # postinst: the secret (root, 0600), the state directory
        # (www-data, 0750), the module enabled (dbd, headers, unique_id
        # with it), the API not.
        st = view.run("stat -c '%U %a %s' /etc/mod_todo/jwt.secret "
                      "/var/lib/mod_todo").stdout.split("\n")
        assert st[0] == "root 600 64", st
        assert st[1].split()[:2] == ["www-data", "750"], st
        secret = view.run("cat /etc/mod_todo/jwt.secret").stdout
        assert re.fullmatch(r"[0-9a-f]{64}", secret)
        for mod in ("todo", "dbd", "headers", "unique_id"):
            assert view.exists("/etc/apache2/mods-enabled/%s.load" % mod), mod
        assert not view.exists("/etc/apache2/conf-enabled/todo.conf")
        assert view.exists("/var/lib/apache2/module/enabled_by_maint/todo")
        # Loaded, the module alone serves nothing and breaks nothing.
        view.run("apache2ctl -t")
        # Installing again (dpkg -i of the same version) keeps the secret.
        view.run("dpkg -i /tmp/pkg.deb")
        assert view.run("cat /etc/mod_todo/jwt.secret").stdout == secret

        # ---- enable the API, serve ---------------------------------------
        port = free_port()
        api = "http://127.0.0.1:%d/api/v1" % port
        view.run("a2enconf -q todo && echo 'Listen 127.0.0.1:%d' > "
                 "/etc/apache2/ports.conf && apache2ctl -t" % port)
        proc = subprocess.Popen(view.argv(
            ". /etc/apache2/envvars && mkdir -p $APACHE_RUN_DIR "
            "$APACHE_LOCK_DIR && exec apache2 -DFOREGROUND"),
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            start_new_session=True)
        deadline = time.time() + 30
        while True:
            assert proc.poll() is None, proc.stdout.read() + view.run(
                "tail -20 /var/log/apache2/error.log", check=False).stdout
            try:
                if requests.get(api + "/healthz", timeout=1).ok:
                    break
            except requests.RequestException:
                pass
            assert time.time() < deadline, "apache2 did not answer"
            time.sleep(0.1)
        name = "pkg" + uuid.uuid4().hex[:10]
        r = requests.post(api + "/auth/register", timeout=30, json={
            "email": name + "@example.com", "username": name,
            "password": "correct horse"})
        assert r.status_code == 201, r.text
        r = requests.post(api + "/auth/login", timeout=30, data={
            "username": name, "password": "correct horse"})
        assert r.status_code == 200, r.text
        auth = {"Authorization": "Bearer " + r.json()["access_token"]}
        r = requests.post(api + "/tasks", headers=auth, timeout=30,
                          json={"title": "Packaged", "priority": "high"})
        assert r.status_code == 201, r.text
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        r = requests.get(api + "/tasks", headers=auth, timeout=30)
        assert [t["title"] for t in r.json()["tasks"]] == ["Packaged"]
        assert requests.get(api[:-len("/api/v1")] + "/docs/",
                            timeout=10).status_code == 200
        out = view.run("todoctl -d sqlite3 -p /var/lib/mod_todo/todo.db "
                       "migrate status").stdout
        assert "0001_init" in out
        log = view.run("cat /var/log/apache2/todo-access.json.log").stdout
        assert any(e["path"] == "/api/v1/tasks" and e["status"] == 201
                   for e in map(json.loads, log.splitlines())), log
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
        proc = None
        err = view.run("cat /var/log/apache2/error.log").stdout
        assert not re.search(r"\[\w+:(emerg|alert|crit|error|warn)\]", err), err

        # ---- remove: the data and the secret stay -------------------------
        view.run("dpkg -r %s" % PKG)
        for gone in ("/usr/lib/apache2/modules/mod_todo.so",
                     TODOCTL, "/usr/share/mod_todo",
                     "/usr/share/doc/%s" % PKG,
                     "/etc/apache2/mods-enabled/todo.load",
                     "/etc/apache2/conf-enabled/todo.conf"):
            assert not view.exists(gone), gone
        for kept in ("/var/lib/mod_todo/todo.db", "/etc/mod_todo/jwt.secret",
                     "/etc/mod_todo/todo-api.conf",  # conffiles stay
                     "/etc/apache2/conf-available/todo.conf"):
            assert view.exists(kept), kept
        assert view.run("dpkg-query -W -f='${Status}' %s" % PKG).stdout \
            == "deinstall ok config-files"
        view.run("apache2ctl -t")  # what is left does not break Apache

        # ---- purge: nothing left -----------------------------------------
        view.run("dpkg -P %s" % PKG)
        for gone in ("/var/lib/mod_todo", "/etc/mod_todo",
                     "/etc/apache2/mods-available/todo.load",
                     "/etc/apache2/mods-available/todo.conf",
                     "/etc/apache2/conf-available/todo.conf",
                     "/etc/apache2/conf-available/todo-cors.conf",
                     "/var/log/apache2/todo-access.json.log",
                     "/var/lib/apache2/module/enabled_by_maint/todo",
                     "/var/lib/apache2/conf/enabled_by_admin/todo"):
            assert not view.exists(gone), gone
        assert view.run("dpkg-query -W %s" % PKG, check=False).returncode
        view.run("apache2ctl -t")
        print("\npackage: built in %.0fs, all in %.0fs"
              % (t_build, time.time() - t0))
    finally:
        if proc is not None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        if view is not None:
            view.close()
        shutil.rmtree(tmp, ignore_errors=True)
    # The machine's own system saw none of it.
    assert real_state() == before
