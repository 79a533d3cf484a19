"""Meeting mode's "This screen" choice: move on its own, lead (others follow), or follow a presenter.

In a review meeting every screen moved on its own: a reviewer at a workstation had to find the case the projector
showed, and fell behind when the presenter pressed Next (a clinician's review). A presenter who leads writes the
case they show to the store (medapp/cases/meeting.py); a following screen shows that case, counted as the
presenter counts it, and moves within FOLLOW_EVERY_S of the presenter (the page's follow timer).
"""
from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from ..cases.meeting import Lead
from ..cases.store import CaseStore
from .review import verdict_needs_form

SCREEN_KEY = "meeting_screen"
DRAWN = "meeting_drawn"  # (case id, number, count, its analyses' ids): the case this screen drew last
OWN, LEAD = "own", "lead"
_FOLLOW = "follow:"


@dataclass(frozen=True)
class Screen:
    mode: str  # OWN, LEAD or "follow"
    lead: Lead | None = None  # whom this screen follows, as they were when the page was drawn

    @property
    def following(self) -> bool:
        return self.lead is not None


def _label(value: str) -> str:
    if value == OWN:
        return "Moves on its own"
    if value == LEAD:
        return "Leads: others can follow"
    return f"Follows {value.removeprefix(_FOLLOW)}"


def _changed(store: CaseStore, user: dict) -> None:
    # leaving the lead ends it at once: a following screen then says so instead of waiting on a case left behind
    if st.session_state.get(f"{SCREEN_KEY}_was") == LEAD and st.session_state.get(SCREEN_KEY) != LEAD:
        store.stop_leading(user)


def screen_choice(store: CaseStore, user: dict, where) -> Screen:
    """Draw the choice in container `where`; the screen's mode for this run."""
    leads = {lead.presenter: lead for lead in store.meeting_leads() if lead.presenter != user["username"]}
    chosen = st.session_state.get(SCREEN_KEY, OWN)
    if chosen.startswith(_FOLLOW) and chosen.removeprefix(_FOLLOW) not in leads:
        # the presenter stopped (or their lead lapsed): this screen is the user's again, said where they look
        st.toast(f"{chosen.removeprefix(_FOLLOW)} stopped leading the meeting: this screen now moves on its own.",
                 icon=":material/cast:")
        st.session_state[SCREEN_KEY] = chosen = OWN
    options = [OWN, LEAD, *(_FOLLOW + name for name in leads)]
    where.selectbox("This screen", options, key=SCREEN_KEY, format_func=_label, on_change=_changed,
                    args=(store, user),
                    help="Lead: the screens that follow you show the case you show, and move when you move. "
                         "Follow: this screen shows the presenter's case until you choose otherwise.")
    st.session_state[f"{SCREEN_KEY}_was"] = chosen
    if chosen.startswith(_FOLLOW):
        return Screen("follow", leads[chosen.removeprefix(_FOLLOW)])
    return Screen(chosen)


def followed_case(screen: Screen) -> tuple[int, int, int, str | None]:
    """The case a following screen shows, "Case N of M" as it counts it, and what to say above it: the presenter's
    case, unless a verdict the user chose or typed on the case shown is not recorded yet. Then that case stays until
    it is recorded or cleared (the screen would otherwise move away from unfinished work: kept, but out of sight)."""
    lead, drawn = screen.lead, st.session_state.get(DRAWN)
    if drawn and drawn[0] != lead.case_id and any(verdict_needs_form({"id": i}, f"m{i}") for i in drawn[3]):
        return drawn[0], drawn[1], drawn[2], (
            f"{lead.presenter} has moved on to case {lead.position} of {lead.count}. This screen stays here until "
            "your verdict below is recorded or cleared, then follows.")
    return lead.case_id, lead.position, lead.count, None
