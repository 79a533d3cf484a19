"""A page link clicked while the run of a button press is still setting up opens that page.

Under load (Save, then a page link, 20 rounds beside two busy cores) the browser sometimes stayed on the first
page: the runner that had taken the Save's request, stopped by the link's, still finished its set-up afterwards,
naming its own page to the session's page manager in the middle of the new run's, and the new run drew the old
page. medapp/ui/runtime.py makes the new runner let such a runner end first. Here the press's run waits 2 s in its
set-up and the link's run 3 s at its top, so the old order happens every time."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit_server import small_page

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture()
def two_pages(tmp_path):
    setup_slow, top_slow = tmp_path / "setup", tmp_path / "top"
    with small_page(REPO / "tests/e2e/apps/stale_runner_app.py", tmp_path, STALE_REPO=str(REPO),
                    STALE_SETUP_SLOW=str(setup_slow), STALE_TOP_SLOW=str(top_slow)) as url:
        yield url, setup_slow, top_slow


def test_a_page_link_clicked_during_a_stopped_runs_set_up_opens_that_page(browser, two_pages):
    url, setup_slow, top_slow = two_pages
    page = browser.new_page()
    try:
        page.set_default_timeout(60_000)
        page.goto(url)
        page.get_by_role("heading", name="Page A").wait_for()
        page.wait_for_timeout(1000)  # the first run has finished
        setup_slow.touch()
        page.get_by_role("button", name="Go").click()  # its run takes the request, then waits in its set-up
        page.wait_for_timeout(500)
        top_slow.touch()
        page.get_by_role("link", name="Second").click()  # stops that run; the new one waits at its top
        page.get_by_role("heading", name="Page B").wait_for(timeout=30_000)
        page.wait_for_timeout(4000)  # both slow runs are over: a late redraw of Page A would show now
        assert not setup_slow.exists() and not top_slow.exists()  # both waits happened
        assert page.get_by_role("heading", name="Page B").is_visible()
        assert not page.get_by_role("heading", name="Page A").is_visible()
    finally:
        page.close()
