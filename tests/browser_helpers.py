"""Small helpers for the browser tests (Playwright against the running app)."""
from __future__ import annotations

import re

from playwright.sync_api import Error as PlaywrightError

from medapp.appbench import click_when_still


def choose(page, select_box, option: str | re.Pattern, tries: int = 5) -> None:
    """Opens a select box and picks an option (a whole name, or a pattern). A rerun that redraws the box right
    after the click closes its list: CI once waited 120 s for an option of a list that had closed. Opened again
    until the option shows."""
    item = page.get_by_role("option", name=option, exact=True) if isinstance(option, str) else \
        page.get_by_role("option", name=option)
    for _ in range(tries):
        select_box.click()
        try:
            item.click(timeout=10_000)
            return
        except PlaywrightError:
            page.keyboard.press("Escape")
    raise AssertionError(f"the option {option!r} never showed in the list")


def select_tab(page, name: str, attempts: int = 5) -> None:
    """Click a tab until it is the selected one: on a loaded machine a click that lands while the page is still
    redrawing is lost (seen once in CI: the genomics page's "Save to case" stayed hidden under the other tab)."""
    from playwright.sync_api import expect

    tab = page.get_by_role("tab", name=name)
    for _ in range(attempts):
        click_when_still(page, tab)
        try:
            expect(tab).to_have_attribute("aria-selected", "true", timeout=10_000)
            return
        except AssertionError:
            continue
    expect(tab).to_have_attribute("aria-selected", "true")
