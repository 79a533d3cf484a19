"""A write button's press survives the user's next click (medapp/ui/presses.py), in a real browser.

The run an Add user press started is stopped by the next click before it reaches the form: the next run carries
it out once, with the name typed (the form clears itself on submit, so this also checks which values it used).
When the next click takes the form away, the press is not done later and a toast says so. With a plain
form_submit_button the first press was lost without a word."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit_server import small_page

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture()
def press_page(tmp_path):
    slow, done = tmp_path / "slow", tmp_path / "done.txt"
    with small_page(REPO / "tests/e2e/apps/presses_app.py", tmp_path, PRESSES_REPO=str(REPO),
                    PRESSES_SLOW=str(slow), PRESSES_LOG=str(done)) as url:
        yield url, slow, done


def _open(browser, url):
    page = browser.new_page()
    page.set_default_timeout(60_000)
    page.goto(url)
    page.get_by_role("button", name="Add user").wait_for()
    page.wait_for_timeout(1000)  # the first run has finished
    return page


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def test_a_press_overtaken_by_the_next_click_is_carried_out_once_with_its_values(browser, press_page):
    url, slow, done = press_page
    page = _open(browser, url)
    try:
        page.get_by_label("User name").fill("cleo")
        slow.touch()
        page.get_by_role("button", name="Add user").click()  # its run waits 2 s before the form
        page.wait_for_timeout(500)
        page.get_by_role("button", name="Something else").click()  # stops that run
        page.get_by_text("Added cleo.").wait_for(timeout=30_000)
        page.wait_for_timeout(3000)  # the stopped run has woken and ended: a second add would show now
        assert not slow.exists()  # the wait happened
        assert _lines(done) == ["added cleo"]
    finally:
        page.close()


def test_a_press_whose_button_the_next_click_took_away_is_said_not_done(browser, press_page):
    url, slow, done = press_page
    page = _open(browser, url)
    try:
        page.get_by_label("User name").fill("dara")
        slow.touch()
        page.get_by_role("button", name="Add user").click()
        page.wait_for_timeout(500)
        page.get_by_text("Hide the form").click()  # the next run draws no form
        page.get_by_text("Not done: Add user (Admin).").wait_for(timeout=30_000)
        page.wait_for_timeout(3000)
        assert not slow.exists()
        assert _lines(done) == []
    finally:
        page.close()
