"""pytest fixtures: one httpd with mod_todo for the whole package."""

import pytest

from env import TodoEnv


@pytest.fixture(scope="package")
def env():
    e = TodoEnv()
    assert e.start() == 0
    yield e
    e.cleanup()


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
