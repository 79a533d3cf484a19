"""Meeting mode's "This screen" choice: move on its own, lead (others follow), or follow a presenter.

In a review meeting every screen moved on its own: a reviewer at a workstation had to find the case the projector
showed, and fell behind when the presenter pressed Next (a clinician's review). A presenter who leads writes the
case they show to the store (medapp/cases/meeting.py); a following screen shows that case, counted as the
presenter counts it, and moves within FOLLOW_EVERY_S of the presenter (the page's follow timer).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import streamlit as st

from ..cases.meeting import Lead
from ..cases.store import CaseStore
from .outage import DATABASE_DOWN
from .review import FOLLOW_EVERY_S, verdict_needs_form
from .state import whole_callback

SCREEN_KEY = "meeting_screen"
DRAWN = "meeting_drawn"  # (case id, number, count, its analyses' ids): the case this screen drew last
ENDED = "meeting_lead_ended"  # what to say above the case once the presenter followed has stopped, until the user acts
HELD = "meeting_lead_held"  # the lead position a held screen has said it is behind
OWN, LEAD = "own", "lead"
_FOLLOW = "follow:"


@dataclass(frozen=True)
class Screen:
    mode: str  # OWN, LEAD or "follow"
    lead: Lead | None = None  # whom this screen follows, as they were when the page was drawn
    ended: str | None = None  # "chair stopped leading the meeting at 10:42 UTC ...", until the user moves or chooses
    presenters: list[str] = field(default_factory=list)  # who else leads, as read for this run (what `presenters_now` reads again)

    @property
    def following(self) -> bool:
        return self.lead is not None


def _label(value: str) -> str:
    if value == OWN:
        return "Moves on its own"
    if value == LEAD:
        return "Leads: others can follow"
    return f"Follows {value.removeprefix(_FOLLOW)}"


@whole_callback
def _changed(store: CaseStore, user: dict) -> None:
    # leaving the lead ends it at once: a following screen then says so instead of waiting on a case left behind
    if st.session_state.get(f"{SCREEN_KEY}_was") == LEAD and st.session_state.get(SCREEN_KEY) != LEAD:
        store.stop_leading(user)
        st.session_state.pop(LEAD_WRITTEN, None)
    st.session_state.pop(ENDED, None)


def _restored(store: CaseStore, user: dict, leads: dict[str, Lead]) -> str:
    """The choice for a session that has none (a reload, or Meeting mode opened afresh): leading again when this user's
    lead is live, following the presenter the address names (?follow=chair) when they still lead; a reload had put a
    following desk back on its own without a word (a review)."""
    if store.meeting_lead(user["username"]) is not None:
        return LEAD
    named = st.query_params.get("follow")
    return _FOLLOW + named if named in leads else OWN


def screen_choice(store: CaseStore, user: dict, where) -> Screen:
    """Draw the choice in container `where`; the screen's mode for this run."""
    leads = {lead.presenter: lead for lead in store.meeting_leads() if lead.presenter != user["username"]}
    if SCREEN_KEY not in st.session_state:
        st.session_state[SCREEN_KEY] = _restored(store, user, leads)
    chosen = st.session_state[SCREEN_KEY]
    if chosen == LEAD and LEAD_WRITTEN in st.session_state and store.meeting_lead(user["username"]) is None:
        # the presenter stopped leading on another of their screens: this one stops too (it started a new lead a
        # moment later, after the followers had been told the lead had ended: a re-check)
        st.session_state.pop(LEAD_WRITTEN, None)
        st.session_state[ENDED] = (f"You stopped leading on another screen (noticed at {datetime.now(UTC):%H:%M} "
                                   "UTC): this screen now moves on its own.")
        st.session_state[SCREEN_KEY] = chosen = OWN
    if chosen.startswith(_FOLLOW) and chosen.removeprefix(_FOLLOW) not in leads:
        # the presenter stopped (or their lead lapsed): this screen is the user's again, said where they look and
        # above the case until they act (a toast alone was missed by someone watching the projector: a review)
        name = chosen.removeprefix(_FOLLOW)
        st.session_state[ENDED] = (f"{name} stopped leading the meeting (noticed at {datetime.now(UTC):%H:%M} UTC): "
                                   "this screen now moves on its own, from the case it showed.")
        st.toast(st.session_state[ENDED], icon=":material/cast:")
        st.session_state[SCREEN_KEY] = chosen = OWN
    options = [OWN, LEAD, *(_FOLLOW + name for name in leads)]
    where.selectbox("This screen", options, key=SCREEN_KEY, format_func=_label, on_change=_changed,
                    args=(store, user),
                    help="Lead: the screens that follow you show the case you show, and move when you move. "
                         "Follow: this screen shows the presenter's case until you choose otherwise. A presenter who "
                         "starts leading appears here within seconds.")
    st.session_state[f"{SCREEN_KEY}_was"] = chosen
    # kept in the address, so a reload keeps following
    if chosen.startswith(_FOLLOW):
        if st.query_params.get("follow") != chosen.removeprefix(_FOLLOW):
            st.query_params["follow"] = chosen.removeprefix(_FOLLOW)
    elif "follow" in st.query_params:
        del st.query_params["follow"]
    presenters = sorted(leads)
    if chosen.startswith(_FOLLOW):
        return Screen("follow", leads[chosen.removeprefix(_FOLLOW)], presenters=presenters)
    return Screen(chosen, ended=st.session_state.get(ENDED), presenters=presenters)


def presenters_now(store: CaseStore, user: dict) -> list[str]:
    """Who else leads now: a screen's follow timer draws the page again when this changes, so "Follows NAME" is
    offered without a reload (a desk opened before the presenter started had to reload: a review)."""
    return sorted(lead.presenter for lead in store.meeting_leads() if lead.presenter != user["username"])


def lead_kept_on_other_pages(store: CaseStore, user: dict, page_title: str) -> None:
    """A presenter looking something up on Cases kept their followers waiting, and after three minutes lost the lead:
    every page of theirs says they still lead (Meeting mode itself does, in `keep_leading`). They lead until they stop,
    sign out or close the app."""
    if page_title != "Meeting mode" and store.meeting_lead(user["username"]) is not None:
        keep_leading(store, user)


def keep_leading(store: CaseStore, user: dict) -> None:
    """The presenter's page says it still leads every FOLLOW_EVERY_S (a closed tab's lead then lapses in minutes)."""
    @st.fragment(run_every=FOLLOW_EVERY_S)
    def heartbeat() -> None:
        try:
            store.keep_leading(user)
        except DATABASE_DOWN:  # the page's own follow timer says the database is out of reach
            pass

    heartbeat()


RELEASED = "meeting_lead_released"  # the lead position a held screen was told to follow all the same (Follow now)


@whole_callback
def follow_now(lead: Lead) -> None:
    """A held screen follows the presenter: a reviewer with a choice not recorded had no way on but to record it or
    reload (a radio's choice cannot be undone); the choice stays in the store as their draft."""
    st.session_state[RELEASED] = (lead.case_id, lead.position)


def followed_now(lead: Lead) -> bool:
    """Whether this screen was told to follow the presenter to where they are now (Follow now)."""
    return st.session_state.get(RELEASED) == (lead.case_id, lead.position)


def moved_to_top(case_id: int) -> None:
    """The page shown from its top after the presenter moved it: a reviewer scrolled to the last analysis stayed at
    that height on the next case, at a verdict form that looked the same, with the heading out of sight (a review)."""
    st.html(f"<script>/* case {case_id} */ for (const el of [document.querySelector('[data-testid=\"stMain\"]'), "
            "document.querySelector('[data-testid=\"stAppViewContainer\"]'), document.scrollingElement]) "
            "{ if (el) el.scrollTo({top: 0}); }</script>", unsafe_allow_javascript=True)


LEAD_WRITTEN = "meeting_lead_written"  # (case id, position) this session last wrote as its presenter's lead


def resume_own_lead(store: CaseStore, user: dict) -> Lead | None:
    """The lead where the store has it when this session did not write it there, to be shown as it is: a new tab or
    a reload of a presenter who leads (a reopened tab began at case 1 and took every follower with it), or another
    screen of the same presenter that moved it (a laptop's Next, undone by the projector tab's next run, also when
    the projector's filters hid the laptop's case). None: this screen's own position stands."""
    lead = store.meeting_lead(user["username"])
    if lead is None or (lead.case_id, lead.position) == st.session_state.get(LEAD_WRITTEN):
        return None
    lead_written(lead.case_id, lead.position)  # taken up: this screen's Next moves on from it
    return lead


def lead_written(case_id: int, position: int) -> None:
    st.session_state[LEAD_WRITTEN] = (case_id, position)


def own_lead_now(store: CaseStore, user: dict) -> tuple[int, int] | None:
    """Where this user's lead is now (a leading screen's timer draws the page again when another of their screens
    moves it)."""
    lead = store.meeting_lead(user["username"])
    return None if lead is None else (lead.case_id, lead.position)


def followed_case(screen: Screen) -> tuple[int, int, int, str | None]:
    """The case a following screen shows, "Case N of M" as it counts it, and what to say above it: the presenter's
    case, unless a verdict the user chose or typed on the case shown is not recorded yet. Then that case stays until
    it is recorded (the screen would otherwise move away from unfinished work: kept, but out of sight)."""
    lead, drawn = screen.lead, st.session_state.get(DRAWN)
    released = st.session_state.get(RELEASED) == (lead.case_id, lead.position)
    if drawn and drawn[0] != lead.case_id and not released and any(
            verdict_needs_form({"id": i}, f"m{i}") for i in drawn[3]):
        said = (f"{lead.presenter} has moved on to case {lead.position} of {lead.count}. This screen stays on this "
                "case until you record what you chose or typed here, or press Follow now (it is kept as your "
                "draft, and comes back with this case).")
        if st.session_state.get(HELD) != (lead.case_id, lead.position):  # once per move, where the reviewer looks:
            st.session_state[HELD] = (lead.case_id, lead.position)  # the notice above is out of sight at the form
            st.toast(said, icon=":material/cast:")
        return drawn[0], drawn[1], drawn[2], said
    st.session_state.pop(HELD, None)
    return lead.case_id, lead.position, lead.count, None
