"""Admin: users and roles, the audit trail with filters and CSV export, PACS (DICOMweb) endpoints, the dictation
vocabulary, and erasing what holds an identifier the checks missed."""
from datetime import UTC, datetime, time

import pandas as pd
import streamlit as st

from medapp.db.database import AUDIT_VIEW_LIMIT
from medapp.security.accounts import AccountError, create_user, list_users, update_user
from medapp.security.audit import audit_csv, readable_audit
from medapp.security.roles import ROLES
from medapp.security.tokens import tokens_text
from medapp.ui.audit_view import AUDIT_COLUMNS, action_words, shown_audit, time_text
from medapp.ui.auth import get_store, require_role
from medapp.ui.dictation import vocabulary_admin
from medapp.ui.erasure import erase_panel
from medapp.ui.pacs import admin_endpoints
from medapp.ui.presses import flash, pressed
from medapp.ui.state import set_now

user = require_role("admin")
store = get_store()
st.title("Admin")
# the dictation vocabulary has its own tab: drawn under the tabs, it showed below every one of them
users_tab, audit_tab, tokens_tab, pacs_tab, vocabulary_tab, erase_tab = st.tabs(
    ["Users", "Audit trail", "API tokens", "PACS", "Dictation vocabulary", "Erase"])

with users_tab:
    if "admin_flash" in st.session_state:
        said = st.session_state.pop("admin_flash")
        st.success(said, icon=":material/check_circle:")
        st.toast(said, icon=":material/check_circle:")  # the line above is out of sight from the forms at 1366x768
    users = list_users(store)
    # readable headers and times ("created_at" and "2026-12-03 12:44:38+00:00" before); the frame keeps its keys
    users_shown = pd.DataFrame(users, columns=["username", "role", "active", "created_at"])
    users_shown["created_at"] = [time_text(t) for t in users_shown["created_at"]]
    st.dataframe(users_shown, hide_index=True, width="stretch", key="users_table",
                 column_config={"username": st.column_config.TextColumn("user name"),
                                "role": st.column_config.TextColumn("role"),
                                "active": st.column_config.CheckboxColumn("active"),
                                "created_at": st.column_config.TextColumn("created")})
    left, right = st.columns(2)
    # emptied after an addition only: clear_on_submit also wiped the name and role when the password was refused
    added = st.session_state.get("add_user_round", 0)
    with left.form(f"add_user_{added}"):
        st.markdown("**Add a user**")
        name = st.text_input("User name")
        role = st.selectbox("Role", ROLES)
        password = st.text_input("Initial password (at least 10 characters)", type="password")
        if pressed("Add user", key="add_user_go", form=True):
            try:
                create_user(store, name, password, role, by=user["username"])
            except AccountError as exc:
                st.error(str(exc))
            else:  # shown after the rerun that lists the new user (a message before st.rerun() is never seen)
                set_now("add_user_round", added + 1)  # no yield point: the form empties even if a click comes now
                flash("admin_flash", f"Added {name.strip().lower()} as {role}.")
                st.rerun()
    # A new form after each change: the form kept its values, and the next Apply gave the next user the last one's
    # new password and role without a word (a review). Keyed by a round number, so every widget starts afresh.
    round_ = st.session_state.get("change_user_round", 0)
    with right.form(f"change_user_{round_}"):
        st.markdown("**Change a user**")
        target = st.selectbox("User", [u["username"] for u in users], key=f"chg_user_{round_}")
        new_role = st.selectbox("Role", ["(unchanged)", *ROLES], key=f"chg_role_{round_}")
        active = st.radio("Account", ["(unchanged)", "active", "disabled"], horizontal=True,
                          key=f"chg_active_{round_}")
        new_password = st.text_input("New password (leave empty to keep)", type="password",
                                     key=f"chg_password_{round_}")
        if pressed("Apply", key="change_user_go", form=True):
            changes = [f"role {new_role}" if new_role != "(unchanged)" else "",
                       f"account {active}" if active != "(unchanged)" else "",
                       "password reset" if new_password else ""]
            changes = [c for c in changes if c]
            # one's own role or password: said first, done on a second Apply (an admin who demoted or re-passworded
            # themselves was signed out or lost this page without a word, and the sign-in screen blamed another tab)
            own = target == user["username"] and (new_role not in ("(unchanged)", "admin") or new_password)
            asked = st.session_state.get("change_own_asked") == (target, tuple(changes))
            if not changes:
                st.info(f"Nothing to change for {target}: choose a role, an account state or a new password.")
            elif own and not asked:
                st.session_state["change_own_asked"] = (target, tuple(changes))
                st.warning("This is your own account: " + ("a new role takes this page from you" if new_role not in
                           ("(unchanged)", "admin") else "a new password signs you out here and everywhere")
                           + ". Press Apply again to do it.")
            else:
                try:
                    revoked = update_user(store, user, target, role=None if new_role == "(unchanged)" else new_role,
                                active=None if active == "(unchanged)" else active == "active",
                                password=new_password or None)
                except AccountError as exc:
                    st.error(str(exc))
                else:
                    set_now("change_user_round", round_ + 1)
                    flash("admin_flash", f"Updated {target}: {', '.join(changes)}."
                          + (f" {tokens_text(revoked)} revoked." if revoked else ""))
                    st.session_state.pop("change_own_asked", None)
                    if own and new_password:  # the sign-in screen says why this session ended
                        st.session_state["medapp_own_password"] = True
                    st.rerun()

with audit_tab:
    c1, c2, c3 = st.columns(3)
    names, actions = store.audit_vocabulary()
    who = c1.selectbox("User", ["any", *names], key="audit_user",
                       help="Accounts, the command line (cli:...) and names typed at failed sign-ins.")
    action = c2.selectbox("Action", ["any", *actions], key="audit_action",
                          format_func=lambda a: a if a == "any" else f"{action_words(a)} ({a})")
    dates = c3.date_input("Between", value=(), key="audit_dates")
    since = until = None
    if isinstance(dates, tuple) and len(dates) == 2:
        since = datetime.combine(dates[0], time.min, tzinfo=UTC)
        until = datetime.combine(dates[1], time.max, tzinfo=UTC)
    filters = {"username": None if who == "any" else who, "action": None if action == "any" else action,
               "since": since, "until": until}
    events = store.audit_events(**filters)
    frame = readable_audit(pd.DataFrame(events, columns=["id", "at", "username", "action", "target", "detail"]),
                           store)
    shown = f"{len(frame):,} {'event' if len(frame) == 1 else 'events'} (newest first)"
    if len(events) == AUDIT_VIEW_LIMIT and (matching := store.audit_count(**filters)) > len(events):
        # said, not silently cut: the export below holds only these (an IT review); the command line has them all
        shown = (f"The newest {len(events):,} of {matching:,} events that match: choose dates or an action to see "
                 "the others, or export every one with `python -m medapp audit --format csv`")
    st.caption(f"{shown}. The trail is append-only: the database refuses edits, except an erasure's blanking of text it quoted (Erase tab).")
    st.dataframe(shown_audit(frame), hide_index=True, width="stretch", key="audit_table",
                 column_config={k: st.column_config.TextColumn(v) for k, v in AUDIT_COLUMNS.items() if k != "id"}
                 | {"id": st.column_config.NumberColumn("#", width="small"),
                    "detail": st.column_config.TextColumn("detail", width="large")})
    if st.download_button("Export as CSV", audit_csv(frame), "medapp-audit.csv", "text/csv",
                          on_click="rerun", key="audit_csv"):
        store.audit(user["username"], "audit.export", "audit", rows=len(frame),
                    filters={"user": who, "action": action, "dates": [str(d) for d in dates or ()]})

with tokens_tab:
    from medapp.ui.tokens import api_tokens_panel

    api_tokens_panel(store, user)

with pacs_tab:
    admin_endpoints(store, user)

with vocabulary_tab:
    vocabulary_admin(user["username"], store)

with erase_tab:
    erase_panel(store, user)
