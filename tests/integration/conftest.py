"""pytest fixtures: one httpd with mod_todo for the whole package; the
files that run alone."""

import os

import pytest

from env import PgCluster, TodoEnv

# Files scripts/integration.sh runs one at a time, after the others have
# run in parallel: what they assert depends on time or load. (Files that
# install, package or run `make run` stay in the parallel phase: each
# works in a directory, a port range and, for the package, a mount
# namespace of its own, and checks that the real system saw nothing.)
SERIAL = {
    "test_170_limits.py": "slow clients and httpd's timeouts",
    "test_355_group_commit.py": "how writes group under concurrency",
    "test_650_login_timing.py": "compares response times",
    "test_740_stream_capacity.py": "the API's latency beside held streams",
    "test_745_parked_streams.py": "300 streams, the API's latency beside "
    "them, and httpd's thread count",
    "test_815_db_outage_under_load.py": "a load through an outage",
    "test_830_crash_and_restart.py": "a load through a crash and a restart",
    "test_990_soak.py": "a sustained load and its memory",
}


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "serial: run alone, after the parallel phase "
        "(conftest.SERIAL says why)")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if os.path.basename(str(item.fspath)) in SERIAL:
            item.add_marker(pytest.mark.serial)


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
