"""What the browser tests share: headless Chromium (Debian's package)
driven by node scripts in tests/js/ (playwright-core, from the
package-lock there; tests/js/browser.mjs launches it)."""

import os
import shutil

import pytest

from env import TOP

JS = os.path.join(TOP, "tests", "js")
ARTIFACTS = os.path.join(TOP, "build", "artifacts")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")

NO_BROWSER_TLS = pytest.mark.skipif(
    os.environ.get("TODO_TEST_TLS") == "1",
    reason="the browser runs in the plain-HTTP pass: Chromium does not "
           "trust the harness's self-signed certificate")


def node_script(name):
    """The path of tests/js/<name>; fails the test when node or Chromium
    is missing."""
    if not shutil.which("node") or not os.path.exists(CHROMIUM):
        pytest.fail("node or chromium is missing: run scripts/deps.sh")
    return os.path.join(JS, name)
