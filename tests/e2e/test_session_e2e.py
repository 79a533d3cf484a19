"""A page address opened directly, a reload and a trip between pages, in a real browser.

Before: a reload signed the user out and showed "Page not found" for a page that exists (also over
the sign-in form when a page address was opened directly); leaving a page wiped its note text; the next user to
sign in in the same tab after a sign-out found the last one's note.
"""
from __future__ import annotations

from urllib.parse import urlparse

from playwright.sync_api import expect

from medapp.appbench import IDLE
from medapp.cases.blobs import BlobStore
from medapp.cases.store import CaseStore

E2E_USER, E2E_PASSWORD = "e2e-admin", "e2e-password-123"  # created by tests/conftest.py
NOTE = "Patient has a red itchy rash on both arms and mild fever for three days."


def test_direct_address_reload_and_moving_between_pages(page, app_url, app_var_dir):
    page.goto(f"{app_url}/cases")  # a page address, before signing in
    page.get_by_label("User name").fill(E2E_USER)
    expect(page.get_by_text("Page not found")).to_have_count(0)
    page.get_by_label("Password", exact=True).fill(E2E_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Cases", exact=True).wait_for()  # signed in, on the page asked for
    page.wait_for_function(IDLE)
    expect(page.get_by_text("Page not found")).to_have_count(0)
    assert urlparse(page.url).path.endswith("/cases")
    page.screenshot(path="/tmp/session_signed_in_on_cases.png")

    # the cookie is set by a script on the drawn page: a user reloads seconds later, not before it ran
    from medapp.security.sessions import COOKIE

    for _ in range(60):
        if any(c["name"] == COOKIE for c in page.context.cookies()):
            break
        page.wait_for_timeout(500)
    page.reload()  # a new browser session: the session cookie brings the user back, on the same page
    page.get_by_text(f"Signed in as {E2E_USER}").wait_for()
    # said, as after a server restart, where a press on the old page was lost unsaid (a resilience review)
    # within 30 s, not Playwright's 5: in a full run the toast came after the page it was said on (the Cases page
    # with a case of other tests open) more than 5 s after the sidebar (once, 2026-12-07)
    expect(page.get_by_text("Signed in again with this browser's session. If this page was open before")).to_be_visible(
        timeout=30_000)
    page.get_by_role("heading", name="Cases", exact=True).wait_for()
    page.wait_for_function(IDLE)
    expect(page.get_by_text("Page not found")).to_have_count(0)
    page.screenshot(path="/tmp/session_after_reload.png")

    # the case open on Cases is in the address and a reload opens it again (it opened the most recently updated
    # case, another patient's, under the verdict forms)
    store = CaseStore(f"sqlite:///{app_var_dir / 'medapp.db'}", BlobStore(app_var_dir / "blobs"))
    admin = {"username": E2E_USER, "role": "admin"}
    older = store.create_case("RELOAD-OLDER", admin)
    store.create_case("RELOAD-NEWER", admin)
    page.goto(f"{app_url}/cases?case={older}")
    page.get_by_role("heading", name="Case RELOAD-OLDER").wait_for()
    page.wait_for_function(IDLE)
    page.reload()
    page.get_by_role("heading", name="Case RELOAD-OLDER").wait_for()
    assert f"case={older}" in page.url

    page.get_by_role("link", name="Clinical notes").click()
    note = page.get_by_role("textbox", name="Clinical note")
    note.fill(NOTE)
    note.press("Control+Enter")  # commits the text (a rerun)
    page.wait_for_function(IDLE)  # and that run has ended
    page.get_by_role("link", name="Models").click()
    page.get_by_role("heading", name="Models", exact=True).wait_for()
    page.get_by_role("link", name="Clinical notes").click()
    expect(page.get_by_role("textbox", name="Clinical note")).to_have_value(NOTE, timeout=60_000)
    page.wait_for_function(IDLE)
    expect(page.get_by_text("The note is empty")).to_have_count(0)
    page.screenshot(path="/tmp/session_note_kept.png")

    page.get_by_role("button", name="Sign out").click()
    page.get_by_label("User name").wait_for()
    # The next clinician at this shared workstation signs in in the same tab: none of the last one's work is there
    # (they found the patient note in Clinical notes: a review)
    from medapp.security.accounts import create_user

    create_user(store, "e2e-next", "e2e-next-password-1", "clinician")
    page.get_by_label("User name").fill("e2e-next")
    page.get_by_label("Password", exact=True).fill("e2e-next-password-1")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Signed in as e2e-next").wait_for()
    page.get_by_role("link", name="Clinical notes").click()
    page.get_by_role("textbox", name="Clinical note").wait_for()
    page.wait_for_function(IDLE)
    expect(page.get_by_role("textbox", name="Clinical note")).to_have_value("")
    page.get_by_role("button", name="Sign out").click()
    page.get_by_label("User name").wait_for()
    page.reload()  # the token was revoked: a reload after signing out stays signed out
    page.get_by_label("User name").wait_for()
    expect(page.get_by_text(f"Signed in as {E2E_USER}")).to_have_count(0)

    actions = {e["action"] for e in store.audit_events(username=E2E_USER)}
    assert {"login", "session.resume", "logout", "session.revoke"} <= actions
