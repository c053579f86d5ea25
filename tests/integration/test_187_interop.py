"""The OpenAPI document held to the server by clients nobody here wrote,
from tests/js's package-lock.json, on the document as served:

- Redocly CLI lints it with its recommended ruleset (redocly.yaml: which
  rules are replaced, and why): no error, no warning.

Each check is shown able to fail on a document broken on purpose.

They look at the document and one instance, which do not change with the
database or TLS: they run in the plain pass (SQLite over HTTP) of `make
test`; test_180 checks real responses against the document in every pass.
"""

import json
import os
import shutil
import subprocess
import tempfile

import pytest
from env import DB, TLS, TOP

JS = os.path.join(TOP, "tests", "js")
MODULES = os.path.join(JS, "node_modules")
REDOCLY = os.path.join(MODULES, "@redocly", "cli", "bin", "cli.js")
REDOCLY_YAML = os.path.join(TOP, "redocly.yaml")
DOC = os.path.join(TOP, "docs", "openapi.json")

pytestmark = pytest.mark.skipif(
    TLS or DB != "sqlite3" or bool(os.environ.get("TODO_SAN_LOGDIR")),
    reason="the document and the tools are the same in every pass: "
           "run in the plain one (SQLite over HTTP)")

# Node's tools, quiet and offline: Redocly CLI would otherwise send usage
# data to its vendor and look for a newer version of itself.
NODE_ENV = dict(os.environ, REDOCLY_TELEMETRY="off",
                REDOCLY_SUPPRESS_UPDATE_NOTICE="true", NO_COLOR="1",
                FORCE_COLOR="0", CI="true")


def need_tools():
    if not shutil.which("node"):
        pytest.fail("node is not installed: run scripts/deps.sh")
    for path in (REDOCLY,):
        if not os.path.exists(path):
            pytest.fail("%s is missing: run scripts/deps.sh" % path)


def node(*args, cwd=TOP, timeout=120):
    need_tools()
    return subprocess.run(["node"] + list(args), capture_output=True,
                          text=True, cwd=cwd, env=NODE_ENV, timeout=timeout)


def shipped():
    with open(DOC) as f:
        return json.load(f)


@pytest.fixture
def workdir():
    """A scratch directory inside tests/js, so that what is compiled there
    finds tests/js/node_modules (ESM resolves packages from the file)."""
    d = tempfile.mkdtemp(prefix=".interop-", dir=JS)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def write(dirname, name, doc):
    path = os.path.join(dirname, name)
    with open(path, "w") as f:
        json.dump(doc, f)
    return path


# ---- Redocly ---------------------------------------------------------------

def redocly_lint(*paths):
    """{path: [problems]} from `redocly lint` with redocly.yaml (its JSON
    format prints a report per file, in order)."""
    p = node(REDOCLY, "lint", "--config", REDOCLY_YAML, "--format", "json",
             "--max-problems", "1000", *paths)
    text, at, reports = p.stdout, p.stdout.find("{"), []
    decoder = json.JSONDecoder()
    while at >= 0:
        report, end = decoder.raw_decode(text, at)
        reports.append(report)
        at = text.find("{", end)
    assert len(reports) == len(paths), "redocly: %s\n%s" % (p.stdout,
                                                             p.stderr)
    found = {}
    for path, report in zip(paths, reports):
        found[path] = []
        for problem in report["problems"]:
            where = os.path.join(TOP, problem["location"][0]["source"]["ref"])
            assert os.path.realpath(where) == os.path.realpath(path), where
            found[path].append("%s %s %s" % (
                problem["severity"], problem["ruleId"], problem["message"]))
    errors = sum(r["totals"]["errors"] for r in reports)
    assert (p.returncode == 0) == (errors == 0), p.stderr
    return found


def test_todo_187_01_redocly_recommended_is_clean(env, workdir):
    """The file and the document as served: not one error or warning."""
    served = write(workdir, "served.json", env.get("/openapi.json").json())
    found = redocly_lint(DOC, served)
    assert found == {DOC: [], served: []}, json.dumps(found, indent=1)


def test_todo_187_02_redocly_can_fail(workdir):
    """The lint means something: each of these breakages is reported."""
    breakages = {}

    def broken(name, change):
        doc = shipped()
        change(doc)
        breakages[write(workdir, name + ".json", doc)] = name

    def flow(doc):
        return doc["components"]["securitySchemes"]["OAuth2PasswordBearer"][
            "flows"]["password"]

    broken("oauth2-urls-absolute",
           lambda d: flow(d).update(tokenUrl="auth/login"))
    broken("security-defined",
           lambda d: d["paths"]["/healthz"]["get"].pop("security"))
    broken("no-unused-components", lambda d: d["paths"]["/events"]["get"][
        "responses"]["200"]["content"]["text/event-stream"].update(
            schema={"type": "array"}))
    broken("operation-2xx-response", lambda d: d["paths"]["/auth/me"]["get"][
        "responses"].pop("200"))
    broken("operation-4xx-response", lambda d: [
        d["paths"]["/auth/me"]["get"]["responses"].pop(k) for k in ("401",)])
    broken("websocket-101-response", lambda d: d["paths"]["/ws"]["get"][
        "responses"].pop("101"))
    broken("no-invalid-media-type-examples", lambda d: d["paths"]["/tasks"][
        "post"]["requestBody"]["content"]["application/json"].update(
            example={"title": 5}))
    found = redocly_lint(*breakages)
    for path, rule in breakages.items():
        assert any(rule in p for p in found[path]), (rule, found[path])
