"""Test-wide settings: no test reads or writes the user's own chansim store.

``chansim serve`` and the pages store decisions in ``$CHANSIM_STORE``, else in
``$XDG_DATA_HOME/chansim/chansim.db`` (``~/.local/share``). A test that starts a server or
builds an app without naming a store would otherwise use (and migrate) the real file of
whoever runs the suite. Each test process gets a data folder of its own instead; tests of
the default location set these variables themselves with ``monkeypatch``.
"""

from __future__ import annotations

import os
import shutil
import tempfile

_DATA_HOME = tempfile.mkdtemp(prefix="chansim-test-data-")
os.environ["XDG_DATA_HOME"] = _DATA_HOME
os.environ.pop("CHANSIM_STORE", None)


def pytest_unconfigure(config: object) -> None:
    shutil.rmtree(_DATA_HOME, ignore_errors=True)
