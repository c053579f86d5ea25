"""pytest fixtures: one httpd with mod_todo for the whole package."""

import pytest

from env import PgCluster, TodoEnv


@pytest.fixture(scope="package")
def env():
    e = TodoEnv()
    assert e.start() == 0
    yield e
    e.cleanup()


@pytest.fixture
def make_env():
    """make(conf="", name="own", **kw): a started TodoEnv of the test's own
    (kw as TodoEnv's), with @conf installed first; removed after the
    test."""
    made = []

    def make(conf="", name="own", **kw):
        e = TodoEnv(name=name, **kw)
        made.append(e)
        if conf:
            e.install_conf(conf)
        assert e.start() == 0
        return e

    yield make
    for e in made:
        e.cleanup()


@pytest.fixture
def own_cluster():
    """make(name): a started TodoEnv on a PostgreSQL cluster of its own,
    for tests that stop the cluster; both removed after the test."""
    made = []

    def make(name):
        pg = PgCluster()
        e = TodoEnv(name=name, pg=pg)
        made.append((e, pg))
        assert e.start() == 0
        return e, pg

    yield make
    for e, pg in made:
        e.cleanup()
        pg.remove()


@pytest.fixture(autouse=True)
def _error_log_is_clean(request):
    """After each test, any unexpected warn/error line in the log fails it."""
    if "env" not in request.fixturenames:
        yield
        return
    e = request.getfixturevalue("env")
    e.new_log_lines()  # what came before this test is not its business
    yield
    bad = e.unexpected_log_lines()
    assert not bad, "unexpected error-log lines:\n" + "\n".join(bad)
