#!/usr/bin/python3
"""Every Python module the tests import and every command they (or the
scripts they drive) run comes from a Debian package that scripts/deps.sh
names, so a fresh machine's `make test` does not stop at a missing one.

    check-deps.py [-v] [DEPS_SH]   (default: scripts/deps.sh)

For each file below, the sets its command installs (RULES) are asked of
DEPS_SH (`deps.sh --list SET...`); a package counts as named when one of
those names it, when a named package depends on it (Depends and
Pre-Depends, recursively, as installed on this machine) or when it is
Essential. Then:

  - Python (tests/**/*.py, `python3 -c` and `-m` in shell, here-documents
    fed to python3): each top-level import that is neither standard
    library nor one of the tests' own modules is located with Debian's
    /usr/bin/python3 (the tests run under it, not under a python3 earlier
    on PATH) and its file looked up with `dpkg -S`;
  - commands: the command words of shell scripts (tests/**/*.sh,
    scripts/*.sh, docker/*.sh, `sh -c` strings), the programs Python runs
    through subprocess and os.exec*, absolute paths to programs named in
    the tests' Python and JavaScript, and the few run indirectly (IMPLICIT):
    each is found on the system PATH (and PostgreSQL's bin directory) and
    its file looked up with `dpkg -S`;
  - JavaScript (tests/js/*.mjs): each bare import is a dependency in the
    package.json beside it.

Prints each miss with the file (and line) that needs it; exit status 1 if
there is any; -v also prints everything it checked. scripts/check.sh
runs it; test_050_check_deps.py runs it on
copies of deps.sh with a package taken out.
"""

import ast
import glob
import json
import os
import re
import subprocess
import sys

if os.path.realpath(sys.executable) != os.path.realpath("/usr/bin/python3"):
    os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
ALL_TEST = ("serve", "build", "ui", "pgsql", "test", "package")

# Which sets the command that runs a file installs (first match wins):
# `make run` for what it runs, `make test` for the tests and what they run,
# tests/bench/run.sh for the benchmark, the image's runtime for docker/.
RULES = [
    ("docker/*.sh", ("serve",)),
    ("scripts/run.sh", ("serve", "build", "ui")),
    ("scripts/instance.sh", ("serve", "build", "ui")),
    ("scripts/pg.sh", ("serve", "build", "pgsql")),
    ("scripts/install-setup.sh", ("serve", "build")),
    ("scripts/ui-fetch.sh", ("ui",)),
    ("scripts/embed_*.sh", ("build",)),
    ("scripts/fuzz.sh", ("build", "fuzz")),
    ("tests/bench/*", ("serve", "build", "pgsql", "bench")),
    ("tests/bench/*/*", ("serve", "build", "pgsql", "bench")),
    ("tests/*", ALL_TEST),
    ("tests/*/*", ALL_TEST),
    ("scripts/*", ALL_TEST),
]
# deps.sh itself runs before anything is installed.
SKIP = {"scripts/deps.sh"}

# Commands that no part of `make test` runs, and why.
NOT_IN_MAKE_TEST = {
    # test_970_06 builds the image: `make docker-test`, which needs a
    # docker daemon (not on this kind of machine: docs/install.md).
    "docker": "make docker-test only",
}

# Commands run through a name computed at run time.
IMPLICIT = {
    # httpd_binary(): $(apxs -q SBINDIR)/$(apxs -q TARGET)
    "tests/integration/env.py": ["apache2"],
    "tests/integration/test_960_install.py": ["apache2"],
    "scripts/run.sh": ["apache2"],
    "tests/bench/run.sh": ["apache2"],
    "tests/bench/callgrind.sh": ["apache2"],
    "tests/bench/compare.sh": ["apache2"],
    # scripts/pg.sh: "$bin/initdb" and the like, bin in PostgreSQL's tree
    "scripts/pg.sh": ["initdb", "pg_ctl", "createdb", "postgres", "psql"],
}

PATH_DIRS = ["/usr/sbin", "/usr/bin", "/sbin", "/bin"] + sorted(
    glob.glob("/usr/lib/postgresql/*/bin"))

SH_KEYWORDS = {"if", "then", "else", "elif", "fi", "for", "while", "until",
               "do", "done", "case", "esac", "in", "function", "{", "}",
               "!", "[[", "]]", "time", "select"}
SH_BUILTINS = {"cd", "echo", "printf", "set", "export", "exit", "return",
               "read", "local", "trap", "wait", "kill", "shift", "eval",
               "exec", "test", "[", "true", "false", ":", ".", "source",
               "command", "type", "umask", "unset", "break", "continue",
               "getopts", "alias", "jobs", "pwd", "times", "ulimit",
               "readonly", "hash", "fg", "bg"}
# Wrappers: the word after them (past their options) is the command.
SH_WRAPPERS = {"exec", "setsid", "nohup", "time", "env", "xargs", "nice"}
PYTHONS = {"python3", "/usr/bin/python3", "python3.11"}


def rel(path):
    return os.path.relpath(path, TOP)


def sets_for(path):
    r = rel(path)
    for pattern, sets in RULES:
        if re.fullmatch(pattern.replace(".", r"\.").replace("*", "[^/]*"),
                        r):
            return sets
    return None


# ---- what deps.sh names, and what that pulls in ---------------------------

def installed_packages():
    """name -> (essential, provides, [clauses]) for installed packages."""
    out = subprocess.check_output(
        ["dpkg-query", "-W", "-f=${Package}\t${db:Status-Abbrev}\t"
         "${Essential}\t${Provides}\t${Pre-Depends}, ${Depends}\n"],
        text=True)
    pkgs = {}
    for line in out.splitlines():
        name, status, essential, provides, deps = line.split("\t")
        if not status.startswith("ii"):
            continue
        clauses = [[re.sub(r"[\s(:].*", "", alt.strip())
                    for alt in clause.split("|")]
                   for clause in deps.split(",") if clause.strip()]
        prov = {re.sub(r"[\s(].*", "", p.strip())
                for p in provides.split(",") if p.strip()}
        pkgs[name] = (essential == "yes", prov, clauses)
    return pkgs


def closure(named, pkgs):
    providers = {}
    for name, (_, prov, _) in pkgs.items():
        for p in prov:
            providers.setdefault(p, []).append(name)
    todo = [n for n in named if n in pkgs]
    todo += [n for n, (ess, _, _) in pkgs.items() if ess]
    seen = set()
    while todo:
        n = todo.pop()
        if n in seen:
            continue
        seen.add(n)
        for clause in pkgs[n][2]:
            # The first alternative that is installed (as apt would pick
            # it on a fresh machine), itself or through what provides it.
            for alt in clause:
                got = [alt] if alt in pkgs else providers.get(alt, [])
                if got:
                    todo.extend(got)
                    break
    return seen | set(named)


def named_by(deps_sh, sets, cache={}):
    key = (deps_sh, sets)
    if key not in cache:
        out = subprocess.run(["sh", deps_sh, "--list"] + list(sets),
                             capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit("check-deps: %s --list %s failed: %s"
                     % (deps_sh, " ".join(sets), out.stderr.strip()))
        cache[key] = set(out.stdout.split())
    return cache[key]


def candidates(path):
    """The names dpkg may know path by (usrmerge: /bin is /usr/bin)."""
    out = []
    for p in (path, os.path.realpath(path)):
        for c in (p, p[4:] if p.startswith("/usr/") else "/usr" + p):
            if c not in out:
                out.append(c)
    return out


def owners(paths):
    """{path: the Debian package that owns it, or None}, in one dpkg -S."""
    cands = sorted({c for p in paths for c in candidates(p)})
    r = subprocess.run(["dpkg", "-S"] + cands, capture_output=True,
                       text=True) if cands else None
    known = {}
    for line in (r.stdout.splitlines() if r else []):
        if line.startswith("diversion "):
            continue
        pkgs, _, f = line.partition(": ")
        known.setdefault(f, pkgs.split(",")[0].strip().split(":")[0])
    return {p: next((known[c] for c in candidates(p) if c in known), None)
            for p in paths}


# ---- Python ---------------------------------------------------------------

def local_modules():
    names = set()
    for f in glob.glob(os.path.join(TOP, "tests", "**", "*.py"),
                       recursive=True):
        names.add(os.path.splitext(os.path.basename(f))[0])
        names.add(os.path.basename(os.path.dirname(f)))
    return names


def python_imports(source, lineno=1):
    """(module, line) for each absolute import in source."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(a.name.split(".")[0], node.lineno + lineno - 1)
                    for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            out.append((node.module.split(".")[0], node.lineno + lineno - 1))
    return out


def str_const(node, consts):
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        return str_const(node.left, consts)  # "cmd %s" % x
    if isinstance(node, ast.Name) and node.id in consts:
        return consts[node.id]
    return None


def python_commands(tree):
    """(command, line) for each program the module runs."""
    consts, funcs, assigns = {}, {}, {}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            funcs[node.name] = node
        elif isinstance(node, ast.Assign):
            for t in node.targets:
                if isinstance(t, ast.Name):
                    assigns.setdefault(t.id, []).append(node.value)
                    if (isinstance(node.value, ast.Constant)
                            and isinstance(node.value.value, str)):
                        consts[t.id] = node.value.value
    # CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for name, values in assigns.items():
        for v in values:
            if (isinstance(v, ast.Call) and isinstance(v.func, ast.Attribute)
                    and v.func.attr == "get" and v.args[1:]
                    and str_const(v.args[1], {})):
                consts.setdefault(name, v.args[1].value)

    def words(expr, depth=0):
        if depth > 6 or expr is None:
            return []
        if isinstance(expr, (ast.List, ast.Tuple)) and expr.elts:
            first = str_const(expr.elts[0], consts)
            if first is None:
                return words(expr.elts[0], depth + 1)
            out = [(first, expr.lineno)]
            rest = [str_const(e, consts) for e in expr.elts[1:]]
            if os.path.basename(first) in ("sh", "bash") and "-c" in rest:
                code = rest[rest.index("-c") + 1:][:1]
                if code and code[0]:
                    out += [(w, expr.lineno) for w, _ in shell_scan(code[0])[0]]
            return out
        if isinstance(expr, ast.BinOp):
            return words(expr.left, depth + 1)
        if isinstance(expr, ast.Name):
            if expr.id in consts:
                return [(consts[expr.id], expr.lineno)]
            out = []
            for v in assigns.get(expr.id, []):
                out += words(v, depth + 1)
            return out
        if isinstance(expr, ast.Call):
            out = []
            f = expr.func
            if isinstance(f, ast.Name) and f.id in funcs:
                for n in ast.walk(funcs[f.id]):
                    if isinstance(n, ast.Return):
                        out += words(n.value, depth + 1)
                if expr.args:
                    out += words(expr.args[0], depth + 1)
            elif isinstance(f, ast.Name) and f.id == "list" and expr.args:
                out += words(expr.args[0], depth + 1)
            return out
        if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
            return [(w, expr.lineno) for w, _ in shell_scan(expr.value)[0]]
        return []

    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        f = node.func
        runs = (isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name)
                and (f.value.id == "subprocess"
                     or (f.value.id == "os" and f.attr.startswith(
                         ("exec", "spawn", "posix_spawn")))))
        if runs:
            found += words(node.args[0])
    # Programs named by their absolute path anywhere in the module.
    for node in ast.walk(tree):
        v = str_const(node, {})
        if v and re.fullmatch(r"/(usr/)?s?bin/[\w.+-]+", v):
            found.append((v, node.lineno))
    return found


# ---- shell ----------------------------------------------------------------

def shell_scan(text, line0=1):
    """A rough POSIX sh reader: ([(command word, line)], [(module, line)])
    for the command words of text and the Python modules its python3 -c,
    -m and here-documents use. Words with a variable in them are kept only
    as $var/NAME (NAME is then the command) or when var was given a
    literal value."""
    cmds, mods = [], []
    lits, funcs = {}, set()
    i, n, line = 0, len(text), line0
    # Simple commands: lists of (word, line, substitutions).
    cur, heredocs = [], []
    simple = []

    def flush():
        if cur:
            simple.append(list(cur))
            cur.clear()

    while i < n:
        c = text[i]
        if c == "\n":
            flush()
            simple.append([("\n", line, [])])
            line += 1
            i += 1
            for delim, strip, owner_cmd in heredocs:
                body = []
                while i < n:
                    j = text.find("\n", i)
                    j = n if j < 0 else j
                    ln = text[i:j]
                    i = j + 1
                    line += 1
                    if (ln.lstrip("\t") if strip else ln) == delim:
                        break
                    body.append(ln)
                if owner_cmd in PYTHONS:
                    mods += python_imports("\n".join(body), line - len(body) - 1)
            heredocs = []
            continue
        if c in " \t":
            i += 1
            continue
        if c == "\\" and text[i + 1:i + 2] == "\n":
            i += 2
            line += 1
            continue
        if c == "#":
            while i < n and text[i] != "\n":
                i += 1
            continue
        ops = ["&&", "||", ";;", "<<-", "<<", ">>", ">&", "<&", "|", "&",
               ";", "(", ")", "<", ">"]
        op = next((o for o in ops if text.startswith(o, i)), None)
        if op:
            if op in ("<<", "<<-"):
                i += len(op)
                while i < n and text[i] in " \t":
                    i += 1
                m = re.match(r"""['"]?([\w.-]+)['"]?""", text[i:])
                delim = m.group(1) if m else ""
                i += m.end() if m else 0
                word0 = resolve_var(cur[0][0], lits) if cur else ""
                heredocs.append((delim, op == "<<-", word0))
                continue
            if op in ("<", ">", ">>", ">&", "<&"):
                cur.append((op, line, []))
            else:
                flush()
                simple.append([(op, line, [])])
            i += len(op)
            continue
        # A word: quotes, $(...), `...`, ${...}.
        w, subs = [], []
        while i < n and text[i] not in " \t\n;&|()<>":
            c = text[i]
            if c == "\\":
                w.append(text[i + 1:i + 2])
                i += 2
            elif c == "'":
                j = text.find("'", i + 1)
                j = n if j < 0 else j
                w.append(text[i + 1:j])
                line += text.count("\n", i, j)
                i = j + 1
            elif c == '"':
                j = i + 1
                buf = []
                while j < n and text[j] != '"':
                    if text[j] == "\\":
                        buf.append(text[j + 1:j + 2])
                        j += 2
                    elif text.startswith("$(", j) and not text.startswith(
                            "$((", j):
                        k = match_paren(text, j + 1)
                        subs.append((text[j + 2:k], line))
                        buf.append("$(...)")
                        j = k + 1
                    else:
                        buf.append(text[j])
                        j += 1
                w.append("".join(buf))
                line += text.count("\n", i, j)
                i = j + 1
            elif text.startswith("$((", i):
                k = match_paren(text, i + 1)
                w.append("$((...))")
                i = k + 1
            elif text.startswith("$(", i):
                k = match_paren(text, i + 1)
                subs.append((text[i + 2:k], line))
                w.append("$(...)")
                line += text.count("\n", i, k)
                i = k + 1
            elif c == "`":
                j = text.find("`", i + 1)
                j = n if j < 0 else j
                subs.append((text[i + 1:j], line))
                w.append("$(...)")
                i = j + 1
            elif text.startswith("${", i):
                j = text.find("}", i)
                j = n if j < 0 else j
                w.append(text[i:j + 1])
                i = j + 1
            else:
                w.append(c)
                i += 1
        cur.append(("".join(w), line, subs))
    flush()

    # Walk the simple commands.
    case_pat, in_for = False, False
    prev_word = None
    for k, toks in enumerate(simple):
        for _, l, subs in toks:
            for sub, sl in subs:
                c2, m2 = shell_scan(sub, sl)
                cmds += c2
                mods += m2
        words = [t for t in toks]
        if len(words) == 1 and words[0][0] in ("\n", ";", "&&", "||", "|",
                                               "&", "(", ")", ";;"):
            op = words[0][0]
            if op == ";;":
                case_pat = True
            elif op == ")" and case_pat:
                case_pat = False
            elif op == "(" and prev_word is not None and not case_pat:
                funcs.add(prev_word)
            prev_word = None
            continue
        prev_word = None
        j = 0
        # Leading keywords, assignments, redirections.
        while j < len(words):
            w = words[j][0]
            if case_pat:
                if w == "esac":
                    case_pat = False
                    j += 1
                    continue
                break
            if in_for:
                if w == "do":
                    in_for = False
                j += 1
                continue
            if w in ("for", "select"):
                in_for = True
                j += 1
                continue
            if w == "case":
                case_pat = True
                j = len(words)
                break
            if w in SH_KEYWORDS:
                j += 1
                continue
            m = re.fullmatch(r"([A-Za-z_]\w*)=(.*)", w, re.S)
            if m:
                if "$" not in m.group(2) and "`" not in m.group(2):
                    lits[m.group(1)] = m.group(2)
                j += 1
                continue
            if w in ("<", ">", ">>", ">&", "<&"):
                j += 2
                continue
            break
        if case_pat or in_for or j >= len(words):
            continue
        rest = [w for w, _, _ in words[j:]]
        lno = words[j][1]
        while rest:
            w = resolve_var(rest[0], lits)
            if w and len(w.split()) > 1:  # asuser="setpriv --reuid=..."
                rest = w.split() + rest[1:]
                continue
            if w == "setpriv":
                cmds.append((w, lno))
                rest = rest[1:]
                while rest and rest[0].startswith("-"):
                    rest = rest[1:]
                continue
            if rest[0] in SH_WRAPPERS:
                rest = rest[1:]
                while rest and (rest[0].startswith("-")
                                or re.fullmatch(r"\w+=.*", rest[0])):
                    rest = rest[1:]
                continue
            if w == "runuser" and "--" in rest:
                cmds.append((w, lno))
                rest = rest[rest.index("--") + 1:]
                continue
            break
        if not rest:
            continue
        w = resolve_var(rest[0], lits)
        prev_word = rest[0] if len(rest) == 1 else None
        # (command -v NAME only asks whether NAME is there.)
        if w is None or w in SH_BUILTINS or w in SH_KEYWORDS:
            continue
        cmds.append((w, lno))
        if w in PYTHONS or os.path.basename(w) == "python3":
            for a, b in zip(rest, rest[1:]):
                if a == "-c":
                    mods += python_imports(b, lno)
                elif a == "-m":
                    mods.append((b.split(".")[0], lno))
        elif os.path.basename(w) in ("sh", "bash") and "-c" in rest:
            code = rest[rest.index("-c") + 1:][:1]
            if code:
                c2, m2 = shell_scan(code[0], lno)
                cmds += c2
                mods += m2
    cmds = [(w, l) for w, l in cmds if w not in funcs]
    return cmds, mods


def match_paren(text, i):
    """Index of the ) that closes the ( at i."""
    depth = 0
    while i < len(text):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
            if depth == 0:
                return i
        elif text[i] == "'":
            j = text.find("'", i + 1)
            i = len(text) if j < 0 else j
        i += 1
    return len(text)


def resolve_var(word, lits):
    """The command a word names, or None when it cannot be known."""
    if "$" not in word:
        return word
    m = re.fullmatch(r"\$\{?(\w+)\}?", word)
    if m:
        return lits.get(m.group(1))
    m = re.fullmatch(r".*/([\w.+-]+)", word)
    if m and "$(" not in word.rsplit("/", 1)[1]:
        return m.group(1)
    return None


def shell_functions(paths):
    names = set()
    for p in paths:
        for m in re.finditer(r"^\s*([\w-]+)\s*\(\)", open(p).read(), re.M):
            names.add(m.group(1))
    return names


# ---- JavaScript -----------------------------------------------------------

def js_scan(path):
    text = open(path).read()
    pkg_json = os.path.join(os.path.dirname(path), "package.json")
    deps = set()
    if os.path.exists(pkg_json):
        deps = set(json.load(open(pkg_json)).get("dependencies", {}))
    missing, cmds = [], []
    for m in re.finditer(r"""(?:\bfrom\s+|\bimport\s*\(?\s*)["']([^"']+)["']""",
                         text):
        spec = m.group(1)
        line = text.count("\n", 0, m.start()) + 1
        if spec.startswith((".", "/", "node:")):
            continue
        name = "/".join(spec.split("/")[:2 if spec.startswith("@") else 1])
        if name not in deps:
            missing.append((name, line, pkg_json))
    for m in re.finditer(r"""["'](/(?:usr/)?s?bin/[\w.+-]+)["']""", text):
        cmds.append((m.group(1), text.count("\n", 0, m.start()) + 1))
    for m in re.finditer(r"""\b(?:spawn|spawnSync|execFile|execFileSync)\(\s*["']([\w./+-]+)["']""",
                         text):
        cmds.append((m.group(1), text.count("\n", 0, m.start()) + 1))
    return missing, cmds


# ---- the check ------------------------------------------------------------

def find_command(word):
    if "/" in word:
        return word if os.path.isabs(word) else None
    for d in PATH_DIRS:
        p = os.path.join(d, word)
        if os.path.isfile(p) and os.access(p, os.X_OK):
            return p
    return ""


def module_file(name):
    import importlib.util
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    if spec.origin and spec.origin not in ("built-in", "frozen"):
        return spec.origin
    locs = list(spec.submodule_search_locations or [])
    return locs[0] if locs else None


def main():
    args = sys.argv[1:]
    verbose = "-v" in args
    args = [a for a in args if a != "-v"]
    deps_sh = os.path.abspath(args[0] if args
                              else os.path.join(TOP, "scripts", "deps.sh"))
    files = sorted(set(
        glob.glob(os.path.join(TOP, "tests", "**", "*.py"), recursive=True)
        + glob.glob(os.path.join(TOP, "tests", "**", "*.sh"), recursive=True)
        + glob.glob(os.path.join(TOP, "tests", "js", "*.mjs"))
        + glob.glob(os.path.join(TOP, "scripts", "*.sh"))
        + glob.glob(os.path.join(TOP, "scripts", "*.py"))
        + glob.glob(os.path.join(TOP, "docker", "*.sh"))))
    files = [f for f in files if "node_modules" not in f
             and rel(f) not in SKIP]
    sh_funcs = shell_functions(f for f in files if f.endswith(".sh"))
    local = local_modules()
    stdlib = set(sys.stdlib_module_names)
    pkgs = installed_packages()
    closures = {}
    problems = []

    found = []  # (sets, what, kind, where, path or None)

    def need(sets, what, kind, where, pkg=None, path=None):
        if verbose:
            print("%s: %s %s -> %s" % (where, kind, what, pkg))
        if sets not in closures:
            closures[sets] = closure(named_by(deps_sh, sets), pkgs)
        if pkg is None and ("python3-" + what.lower().replace("_", "-")
                            in closures[sets] or what in closures[sets]):
            return  # named, in a set this machine has not installed
        if pkg is None:
            problems.append("%s: %s %s is not installed on this machine: no "
                            "package named by `deps.sh %s` provides it"
                            % (where, kind, what, " ".join(sets)))
        elif pkg not in closures[sets]:
            problems.append("%s: %s %s (%s, package %s) is not from a "
                            "package named by `deps.sh %s`: add %s to "
                            "%s" % (where, kind, what, path, pkg,
                                    " ".join(sets), pkg,
                                    rel(deps_sh) if deps_sh.startswith(TOP)
                                    else deps_sh))

    for f in files:
        sets = sets_for(f)
        if sets is None:
            continue
        r = rel(f)
        mods, cmds, jsmiss = [], [], []
        if f.endswith(".py"):
            text = open(f).read()
            mods = python_imports(text)
            cmds = python_commands(ast.parse(text))
        elif f.endswith(".sh"):
            cmds, mods = shell_scan(open(f).read())
        elif f.endswith(".mjs"):
            jsmiss, cmds = js_scan(f)
        cmds += [(c, 0) for c in IMPLICIT.get(r, [])]
        for name, line in mods:
            if name in stdlib or name in local or name == "__future__":
                continue
            where = "%s:%d" % (r, line)
            found.append((sets, name, "Python module", where,
                          module_file(name)))
        for word, line in cmds:
            if (word in sh_funcs or word in SH_BUILTINS
                    or word in NOT_IN_MAKE_TEST):
                continue
            where = "%s:%d" % (r, line) if line else r
            path = find_command(word)
            if path is None:
                continue  # a file of the project's (build/, tests/)
            found.append((sets, word, "command", where,
                          path if path and os.path.exists(path) else None))
        for name, line, pj in jsmiss:
            problems.append("%s:%d: npm package %s is not a dependency in %s"
                            % (r, line, name, rel(pj)))

    own = owners({f[4] for f in found if f[4]})
    for sets, what, kind, where, path in found:
        if path is None:
            need(sets, what, kind, where)
        else:
            need(sets, what, kind, where, own[path] or
                 "none (not from a Debian package: %s)" % path, path)

    for p in sorted(set(problems)):
        print("check-deps: " + p)
    if problems:
        print("check-deps: %d missing (deps.sh: %s)" % (
            len(set(problems)), deps_sh))
        return 1
    print("check-deps: every module and command the tests use comes from "
          "a package deps.sh names")
    return 0


if __name__ == "__main__":
    sys.exit(main())
