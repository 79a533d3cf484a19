"""What the pages say when the case database or its file folder cannot be reached (a stopped or restarting
PostgreSQL, a SQLite file locked past its busy timeout, a full or read-only disk).

Every run reads the store first (the sign-in check), so without this each page became Streamlit's crash box, and a
verdict pressed meanwhile was dropped (a resilience review). Now the page says what is wrong in words, the server
log has one line for IT, and a Save or verdict pressed meanwhile stays pending: it is stored on the first run that
reaches the store again, and confirmed as any other.
"""
from __future__ import annotations

import logging

import streamlit as st

from ..db.engine import DATABASE_DOWN
from ..db.engine import first_line as reason

log = logging.getLogger(__name__)

__all__ = ["DATABASE_DOWN", "SAVE_KEPT", "VERDICT_KEPT", "STATUS_NOT_SET", "database_down_page", "reason"]

SAVE_KEPT = ("The case database cannot be reached or is busy just now, so this is not saved yet. The save is kept and "
             "stored, with a confirmation, at your first click once the database is back.")
VERDICT_KEPT = ("The case database cannot be reached or is busy just now, so your verdict is not recorded yet. It stays "
                "in this form and is recorded, with a confirmation, at your first click once the database is back.")
STATUS_NOT_SET = ("The case database cannot be reached or is busy just now: the status was not changed. Choose it again "
                  "shortly.")


def database_down_page(error: BaseException) -> None:
    """The page in place of what could not be drawn: the reason in words and a way to try again."""
    log.error("case database unavailable in the app: %s", reason(error))
    st.error("**The case database cannot be reached or is busy just now**, so medapp cannot check your sign-in, show "
             "cases or store anything. A Save or a verdict pressed just now is kept and stored, with a confirmation, "
             "at your first click once the database is back; anything else (a status change, an estimate, a report) "
             "must be done again then. IT has the details in the server log. Try again in a moment.",
             icon=":material/cloud_off:")
    st.button("Try again", key="medapp_database_retry", icon=":material/refresh:")
