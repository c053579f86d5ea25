"""Every task list query is index-driven at 100,000 tasks for one user: the
page is read in index order, with no full scan and no sort step. Checked
on the SQL the module actually prepares (`todoctl statements`), without
ANALYZE, as a fresh database would be. On PostgreSQL, where the module's
sessions plan each prepared statement once, generically
(plan_cache_mode), the generic plans are checked the same way."""

import os
import random
import re
import sqlite3
import subprocess
import time
import uuid

import pytest

from env import DB, TOP

TODOCTL = os.path.join(TOP, "build", "todoctl")
sqlite_only = pytest.mark.skipif(DB != "sqlite3", reason="SQLite plans")


@pytest.fixture(scope="module")
@sqlite_only
def big(tmp_path_factory):
    db = str(tmp_path_factory.mktemp("plans") / "big.db")
    subprocess.check_call([TODOCTL, "-q", "-d", "sqlite3", "-p", db,
                           "migrate", "up"], stdout=subprocess.DEVNULL)
    con = sqlite3.connect(db)
    owner = str(uuid.uuid4())
    rows = []
    for u, n in ((owner, 100000), (str(uuid.uuid4()), 1000),
                 (str(uuid.uuid4()), 1000)):
        for i in range(n):
            title = "task %d" % i
            rows.append((str(uuid.uuid4()), u, title, None,
                         random.choice(["pending", "in_progress", "completed"]),
                         "medium", random.randint(0, 2),
                         None if i % 3 == 0 else
                         "2026-12-%02dT00:00:00.000000Z" % (i % 28 + 1),
                         title, title + "\n", 1,
                         "2026-11-24T00:00:00.%06dZ" % i,
                         "2026-11-24T00:00:00.%06dZ" % i))
    con.executemany("INSERT INTO tasks VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    rows)
    # The owner's live session: each list statement checks it.
    sid = str(uuid.uuid4())
    con.execute("INSERT INTO users (id, email, username, password_hash,"
                " created_at, updated_at) VALUES (?, 'o@example.com', 'o',"
                " 'x', '2026-11-24T00:00:00Z', '2026-11-24T00:00:00Z')",
                (owner,))
    con.execute("INSERT INTO sessions (id, user_id, created_at, expires_at)"
                " VALUES (?, ?, '2026-11-24T00:00:00Z',"
                " '2036-11-24T00:00:00Z')", (sid, owner))
    con.commit()
    yield con, owner, sid
    con.close()


def statements(driver="sqlite3"):
    out = subprocess.check_output([TODOCTL, "-d", driver, "statements"],
                                  text=True)
    return [line.split("\t", 1) for line in out.splitlines()]


@sqlite_only
def test_todo_360_01_every_list_query_is_index_driven(big):
    con, owner, sid = big
    checked = 0
    for label, sql in statements():
        if not (label.startswith("todo_task_list_")
                or label.startswith("todo_task_count")):
            continue
        # Each argument by what it is compared with: the session id, a
        # user id (the owner's), LIMIT and OFFSET; filters unset.
        params = []
        for before in re.split(r"%[sd]", sql)[:-1]:
            params.append(sid if before.endswith("s.id = ")
                          else owner if before.endswith("user_id = ")
                          else None)
        q = re.sub(r"%[sd]", "?", sql)
        if label.startswith("todo_task_list_"):
            params[-2:] = [10, 0]
        plan = " | ".join(r[3] for r in
                          con.execute("EXPLAIN QUERY PLAN " + q, params))
        assert ("USING INDEX" in plan or "USING COVERING INDEX" in plan
                or (label == "todo_task_count_all"
                    and "SEARCH task_counts USING PRIMARY KEY" in plan)), \
            (label, plan)
        assert "(user_id=?)" in plan, (label, plan)
        assert "SCAN tasks" not in plan, (label, plan)
        assert "TEMP B-TREE" not in plan, (label, plan)
        if label.startswith("todo_task_list_"):
            t0 = time.perf_counter()
            page = con.execute(q, params).fetchall()
            assert len(page) == 10, label
            # The total ends each row: the owner's 100,000 tasks, or those
            # the (unset) filters keep.
            assert page[0][-1] == 100000, (label, page[0])
            took = time.perf_counter() - t0
            if not label.endswith("_filtered"):
                # A page, not the table (sorting 100,000 rows takes far
                # longer; 50 ms flaked on a loaded machine). With filters,
                # the total counts the rows they keep: the list's cost.
                assert took < 0.25, (label, took)
        checked += 1
    assert checked == 22  # ten list orders, with and without filters; two counts


@pytest.mark.skipif(DB != "pgsql", reason="PostgreSQL plans")
def test_todo_360_02_generic_plans_are_index_driven(env):
    """The plan each list statement gets once per session (a generic one:
    parameters unknown) reads the owner's rows through an index, in
    order: no sequential scan of tasks, no sort."""
    user, tokens, _ = env.new_session()
    owner = user["id"]
    env.sql({"pgsql":
             "INSERT INTO tasks (id, user_id, title, description, status,"
             " priority, priority_rank, due_date, title_fold, search, version,"
             " created_at, updated_at) SELECT gen_random_uuid(), ?::uuid,"
             " 'task ' || i, NULL, 'pending', 'medium', 1, NULL, 'task ' || i,"
             " 'task ' || i, 1, now() - i * interval '1 s', now()"
             " FROM generate_series(1, 20000) i"}, owner)
    env.sql({"pgsql": "ANALYZE tasks"})
    checked = 0
    for label, sql in statements("pgsql"):
        if not label.startswith("todo_task_list_"):
            continue
        n = len(re.findall(r"%[sd]", sql))
        types = ",".join("int4" if m == "%d" else "varchar"
                         for m in re.findall(r"%[sd]", sql))
        i = [0]

        def number(m):
            i[0] += 1
            return "$%d" % i[0]
        args = ",".join(["NULL"] * n)
        plan = env.pg.psql(
            env.dbname,
            "SET plan_cache_mode = force_generic_plan;\n"
            "PREPARE q(%s) AS %s;\nEXPLAIN EXECUTE q(%s);\n"
            % (types, re.sub(r"%[sd]", number, sql), args))
        # The page's scan is "on tasks"; a filtered list's total counts
        # the rows its filters keep ("on tasks tasks_1"): all of the
        # owner's rows are read for it whatever the plan.
        assert re.search(r"Index (Only )?Scan( Backward)? using \S+ on tasks"
                         r"\s+\(", plan), (label, plan)
        assert not re.search(r"Seq Scan on tasks\s+\(", plan), (label, plan)
        assert "Sort" not in plan, (label, plan)
        checked += 1
    assert checked == 20  # ten list orders, with and without filters
