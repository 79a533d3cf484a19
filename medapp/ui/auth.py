"""Login gate, first-run screen, optional single sign-on, session timeout and role checks for pages.

The signed-in user lives in st.session_state["medapp_user"] as {"username": ..., "role": ...}.
Every page calls `require_role(...)` first, so a page opened directly is still protected.
"""
from __future__ import annotations

import json
import os
import time

import streamlit as st

from ..cases.store import CaseStore
from ..config import database_url, var_dir
from ..security import sessions
from ..security.accounts import (
    LOCKOUT_FAILURES,
    LOCKOUT_WINDOW,
    AccountError,
    authenticate,
    count_users,
    create_user,
    get_user,
    locked_until,
)
from ..security.roles import ROLES, allowed
from .outage import DATABASE_DOWN
from .runtime import SESSION_LOCK

SESSION_KEY = "medapp_user"
LAST_SEEN = "medapp_last_seen"
TOKEN = "medapp_token"  # this browser session's token (see medapp.security.sessions)
COOKIE_ACTION = "medapp_cookie_action"  # "set" or "clear": done by a script on the next drawn page
UNASKED_RUN = "medapp_unasked_run"  # set for a run the page started itself (a case changed elsewhere)
WORK_OWNER = "medapp_work_owner"  # whose work (notes, uploads, results, forms) this browser session's pages hold
# Kept by forget_work: the cookie's clearing, still to be done by the next drawn page, and the lock every run of the
# session shares (ui/runtime.py: a new one would let the next run overlap the one that is ending)
_NOT_WORK = frozenset({COOKIE_ACTION, SESSION_LOCK})


def forget_work() -> None:
    """Drop everything this browser session holds but the sign-in's own keys: every page's kept values, uploads,
    results and forms. A workstation is shared: after one clinician signed out, the next to sign in in the same
    tab found the first one's patient note in Clinical notes, their upload and their results (a review)."""
    for key in list(st.session_state.keys()):
        if key not in _NOT_WORK:
            del st.session_state[key]
    # and what the address names: the next user landed on the last one's case (?case=1), audited as viewing it
    st.query_params.clear()
ROLE_PERMISSION = {"clinician": "analyse", "reviewer": "review", "admin": "admin"}


def session_timeout_s() -> int:
    return int(float(os.environ.get("MEDAPP_SESSION_TIMEOUT_MIN", "30")) * 60)


@st.cache_resource(show_spinner=False)
def _store(url: str, var: str) -> CaseStore:
    return CaseStore(url)


def get_store() -> CaseStore:
    """One store (engine and connection pool) per server process and database."""
    return _store(database_url(), str(var_dir()))


def current_user() -> dict | None:
    return st.session_state.get(SESSION_KEY)


def sign_out(reason: str = "logout") -> None:
    """End the signed-in session. Its work goes with it, unless the session only timed out: then it is kept, out of
    sight behind the sign-in screen, for the same user signing in again, and dropped if anyone else does."""
    user = st.session_state.pop(SESSION_KEY, None)
    # a Save noted by its button but not yet stored belongs to the session that ended: never stored after it
    # (medapp/ui/cases.py keeps these notes; the key is read here so auth does not import the case pages' code)
    st.session_state.get("medapp_save_book", {}).get("pending", {}).clear()
    st.session_state.pop(LAST_SEEN, None)
    token = st.session_state.pop(TOKEN, None) or _cookie_token()
    if user is not None:
        get_store().audit(user["username"], reason, f"user:{user['username']}")
        sessions.revoke(get_store(), token, user["username"], reason)
        get_store().stop_leading(user)  # screens following them in Meeting mode are told, not left on a case
    if reason != "logout.timeout":
        forget_work()
    st.session_state[COOKIE_ACTION] = "clear"


def _cookie_token() -> str | None:
    try:
        token = st.context.cookies.get(sessions.COOKIE)
    except Exception:  # noqa: BLE001 - no browser context (bare script, some test harnesses)
        return None
    return token if isinstance(token, str) and token else None


def session_cookie_script() -> None:
    """Set or clear the session cookie in the browser (a cookie, not the URL: links and screenshots stay clean).

    The token is random and revocable; the cookie is same-site only and lasts until the browser is closed (it
    lasted 12 hours: on a shared workstation the next person to open the browser was signed in as the last one, a
    review), while the server ends the session after the idle timeout whatever the cookie says.
    """
    action = st.session_state.pop(COOKIE_ACTION, None)
    if action == "set" and st.session_state.get(TOKEN):
        value = f"{sessions.COOKIE}={st.session_state[TOKEN]}; Path=/; SameSite=Strict"
    elif action == "clear":
        value = f"{sessions.COOKIE}=; Path=/; SameSite=Strict; Max-Age=0"
    else:
        return
    st.html(f"<script>document.cookie = {json.dumps(value)} + (location.protocol === 'https:' ? '; Secure' : '');"
            "</script>", unsafe_allow_javascript=True)


def _sso_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # noqa: BLE001 - no secrets.toml at all (Streamlit's error type varies): SSO is not configured
        return False


def _sign_in(user: dict, token: str | None = None) -> None:
    """Sign this browser session in; a new revocable token lets a reload keep it signed in. Work an earlier user
    left in the session (signed out by the idle timeout) is dropped unless it is theirs."""
    if st.session_state.get(WORK_OWNER, user["username"]) != user["username"]:
        forget_work()
    st.session_state[WORK_OWNER] = user["username"]
    st.session_state[SESSION_KEY] = user
    st.session_state[LAST_SEEN] = time.time()
    st.session_state[TOKEN] = token or sessions.create(get_store(), user["username"])
    if token is None:
        st.session_state[COOKIE_ACTION] = "set"


def _first_run(store: CaseStore) -> None:
    st.title("Welcome to medapp")
    st.info("No account exists yet. Create the first administrator; they can then add clinicians and reviewers.")
    with st.form("first_admin"):
        name = st.text_input("Administrator user name")
        pw = st.text_input("Password (at least 10 characters)", type="password")
        pw2 = st.text_input("Repeat password", type="password")
        if st.form_submit_button("Create administrator", type="primary"):
            if pw != pw2:
                st.error("The two passwords differ.")
            elif count_users(store) > 0:  # someone else finished the first-run screen meanwhile
                st.error("An administrator was created meanwhile; please sign in.")
            else:
                try:
                    create_user(store, name, pw, "admin", by="first-run")
                except AccountError as exc:
                    st.error(str(exc))
                else:
                    _sign_in(authenticate(store, name, pw))
                    st.rerun()


def _login_form(store: CaseStore) -> None:
    st.title("medapp: sign in")
    st.caption("An explainable clinical AI workbench. Demonstration models only: not a medical device.")
    if st.session_state.pop("medapp_timed_out", False):
        minutes = session_timeout_s() // 60
        st.warning(f"You were signed out after {minutes} minute{'' if minutes == 1 else 's'} without activity. Nothing you "
                   "pressed since was stored; your form is kept for when you sign in again.")
    if st.session_state.pop("medapp_disabled", False):
        st.warning("You were signed out: your account was disabled or removed. Ask an administrator.")
    revoked = st.session_state.pop("medapp_revoked", False)
    if revoked and st.session_state.pop("medapp_own_password", False):  # set by the Admin page: it was you
        st.info("You changed your own password: sign in with the new one.")
    elif revoked:
        # the session was ended elsewhere: a sign-out in another tab of this browser (they share the session), or
        # an administrator changing the password (it said only that, also after a sign-out in another tab)
        st.warning("You were signed out: this session was ended, by signing out in another tab or window or by an "
                   "administrator changing your password. Nothing you pressed since was stored. Sign in again.")
    with st.form("login"):
        name = st.text_input("User name")
        pw = st.text_input("Password", type="password")
        if st.form_submit_button("Sign in", type="primary"):
            # an empty field (Enter pressed in the name box) is not an attempt: it counted toward the lock
            user = authenticate(store, name, pw) if name.strip() and pw else None
            if not (name.strip() and pw):
                st.error("Enter your user name and your password.")
            elif user is None and (until := locked_until(store, name)) is not None:
                st.error(f"Too many failed sign-ins with this user name: try again after {until:%H:%M} UTC, or ask an "
                         "administrator to reset the password.")
            elif user is None:
                st.error("User name or password is wrong, or the account is disabled. After "
                         f"{LOCKOUT_FAILURES} failed attempts a user name is locked for "
                         f"{int(LOCKOUT_WINDOW.total_seconds() // 60)} minutes.")
            else:
                _sign_in(user)
                st.rerun()
    if _sso_configured():
        if getattr(st.user, "is_logged_in", False):
            email = str(st.user.get("email") or "")
            account = get_user(store, email) if email else None
            if account and account["active"]:
                store.audit(account["username"], "login", f"user:{account['username']}", method="sso")
                _sign_in({"username": account["username"], "role": account["role"]})
                st.rerun()
            st.error("Your single sign-on identity has no active medapp account; ask an administrator.")
        st.button("Sign in with single sign-on", on_click=st.login)


def session_guard() -> tuple:
    """Taken while a page draws a control that writes (Save to case, Record verdict, Case status) and passed to
    its callback: the store, this session's token and its last activity. Those callbacks run before the page,
    and so before the sign-in check: a verdict pressed after the idle timeout was stored, and the user was then
    told they had been signed out."""
    return get_store(), st.session_state.get(TOKEN), st.session_state.get(LAST_SEEN)


def session_ended(guard: tuple) -> bool:
    """Whether the session ended between drawing the control and its click: idle past the timeout, or revoked
    (signed out in another tab of this browser, password changed, account disabled). No Streamlit call in here:
    Streamlit abandons a callback at a session-state read once the user's next click waits, and a check that
    read the session lost a Save clicked together with a page link. Read only: the page's sign-in check signs
    the session out and says why."""
    store, token, _ = guard
    return idle_too_long(guard) or not sessions.is_live(store, token)


def idle_too_long(guard: tuple) -> bool:
    """Whether the page was drawn longer ago than the idle timeout (no Streamlit call: see `session_ended`)."""
    last_seen = guard[2]
    return last_seen is not None and time.time() - last_seen > session_timeout_s()


RESUMED = ("Signed in again with this browser's session. If this page was open before (a reload, or a lost "
           "connection to the server), work not yet saved on it (an estimate, an upload, a press made just then) is "
           "not kept: check it before saving. Saved cases are kept.")


def signed_in_user() -> dict | None:
    """The signed-in user, or None (after signing out a session idle for longer than the timeout).

    The account is read again on every run, so disabling a user or changing a role takes effect at
    that user's next click, not only at their next sign-in.
    """
    # A run the page started by itself (a followed case changed elsewhere: ui/review.follow_case) is not the
    # user's activity: a projector left open while others review still signs out after the idle timeout.
    unasked = st.session_state.pop(UNASKED_RUN, False)
    user = current_user()
    if user is None:
        # A reload starts a new Streamlit session: the browser's session cookie brings the user back.
        resumed = sessions.resume(get_store(), _cookie_token(), session_timeout_s())
        if resumed is None:
            return None
        _sign_in(resumed, token=_cookie_token())
        user = resumed
        # A restarted server comes back as a new session too: the old page stayed on screen, and a Save pressed on it
        # started this session, which holds none of that page's results, and was lost unsaid (a resilience review).
        st.toast(RESUMED, icon=":material/sync_problem:", duration="long")
    last = st.session_state.get(LAST_SEEN, time.time())
    if time.time() - last > session_timeout_s():
        sign_out("logout.timeout")
        st.session_state["medapp_timed_out"] = True
        return None
    account = get_user(get_store(), user["username"])
    if account is None or not account["active"]:
        sign_out("logout.disabled")
        st.session_state["medapp_disabled"] = True
        return None
    if account["role"] != user.get("role"):
        user = {**user, "role": account["role"]}
        st.session_state[SESSION_KEY] = user
    if not sessions.touch(get_store(), st.session_state.get(TOKEN)):  # revoked: password changed, account disabled
        sign_out("logout.revoked")
        st.session_state["medapp_revoked"] = True
        return None
    if not unasked:
        st.session_state[LAST_SEEN] = time.time()
    st.session_state[WORK_OWNER] = user["username"]  # also for a session signed in some other way (a test)
    return user


WATCH_EVERY_S = 30  # how often an open page checks, without a click, that its session has not ended


def session_ended_unseen() -> bool:
    """Whether this browser session's sign-in has ended without a click to notice it: idle past the timeout, or
    revoked (signed out in another tab of the browser, the password changed, the account disabled)."""
    last = st.session_state.get(LAST_SEEN)
    if last is not None and time.time() - last > session_timeout_s():
        return True
    return not sessions.is_live(get_store(), st.session_state.get(TOKEN))


def session_watch() -> None:
    """A browser timer on every page: when the session has ended, the page is drawn again, which signs it out and
    shows the sign-in screen. The timeout and a sign-out in another tab took effect only at the next click, so an
    unattended workstation showed the patient's note and case indefinitely (a review)."""
    @st.fragment(run_every=WATCH_EVERY_S)
    def still_signed_in() -> None:
        try:
            ended = session_ended_unseen()
        except DATABASE_DOWN:  # the page says the outage at its next run; nothing to decide here
            return
        if ended:
            rerun_unasked()

    still_signed_in()


def rerun_unasked() -> None:
    """Run the whole page again for a reason of its own, not a click: the idle timeout keeps counting."""
    st.session_state[UNASKED_RUN] = True
    st.rerun()


def sign_in_screen() -> None:
    """The first-run screen when no account exists yet, otherwise the sign-in form."""
    store = get_store()
    session_cookie_script()
    if count_users(store) == 0:
        _first_run(store)
    else:
        _login_form(store)


def login_gate(page_paths: tuple[str, ...] = ()) -> dict | None:
    """The signed-in user; otherwise draw the sign-in screen as the only page and return None.

    Calling st.navigation even here keeps Streamlit from listing the files of pages/ in the
    sidebar before anyone has signed in. Every page's address (`page_paths`) shows the sign-in
    screen too, hidden from the menu, so a page opened directly or reloaded never says
    "Page not found"; after signing in, the same address opens that page.
    """
    user = signed_in_user()
    if user is None:
        pages = [st.Page(sign_in_screen, title="Sign in", icon=":material/login:", default=True)]
        pages += [st.Page(sign_in_screen, title="Sign in", url_path=path, visibility="hidden")
                  for path in page_paths if path]
        st.navigation(pages, position="hidden").run()
    return user


def sidebar_account(user: dict) -> None:
    with st.sidebar:
        session_cookie_script()
        st.caption(f"Signed in as **{user['username']}** ({user['role']})")
        session_watch()
        if st.button("Sign out", key="sign_out"):
            sign_out()
            if _sso_configured() and getattr(st.user, "is_logged_in", False):
                st.logout()
            st.rerun()


def _through_app_entry() -> None:
    """Make sure app.py (sign-in, navigation) runs, also when a fresh server's first request is a page address.

    Until some session has called st.navigation, Streamlit treats the pages/ folder as an old-style
    multipage app and runs the requested page file on its own, without app.py: a page opened directly
    or reloaded after a restart then showed "Please sign in first" or "Page not found". Switching that
    mode off and rerunning sends the request through app.py.
    """
    try:
        from streamlit.runtime.pages_manager import PagesManager
    except ImportError:
        return
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def require_role(role: str = "clinician") -> dict:
    """The signed-in user, or stop the page with a message when nobody is signed in or the role is too low."""
    _through_app_entry()
    user = current_user()
    if user is None:
        st.warning("Please sign in first.")
        st.stop()
    if role not in ROLES or not allowed(user["role"], ROLE_PERMISSION[role]):
        st.error(f"This page needs the {role} role; you are signed in as {user['role']}.")
        st.stop()
    return user
