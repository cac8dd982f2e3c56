"""The browser tests' policy without a Chromium: fail under CI, skip with a reason elsewhere."""

from __future__ import annotations

import pytest

from tests.lab.conftest import browser_problem, chromium_path, require_browser


def test_without_chromium_ci_fails_and_a_developer_skips_with_the_reason():
    with pytest.raises(pytest.fail.Exception, match="browser tests under CI: no Chromium found"):
        require_browser(None, ci=True)
    with pytest.raises(pytest.skip.Exception, match=r"apt-get install -y chromium"):
        require_browser(None, ci=False)


def test_a_found_chromium_is_used_as_it_is(tmp_path, monkeypatch):
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    monkeypatch.setenv("LAB_CHROMIUM", str(fake))
    assert chromium_path() == str(fake)
    if browser_problem(str(fake)) is None:  # playwright installed: nothing stands in the way
        assert require_browser(str(fake), ci=True) == str(fake)
