"""Meeting mode's own pieces (pages/meeting.py stays the page's order of drawing): the projector's type and the
case a screen moves to."""
from __future__ import annotations

import bisect

import streamlit as st

from .meeting_lead import ENDED
from .state import whole_callback

# Large type for a projector; static CSS only.
PROJECTOR_STYLE = (
    "<style>.stMainBlockContainer{max-width:100%;padding-left:2rem;padding-right:2rem}"
    ".stMainBlockContainer p,.stMainBlockContainer li{font-size:1.35rem}"
    ".stMainBlockContainer [data-testid='stMetricValue'] p,[data-testid='stMetricValue']"
    "{font-size:3rem;line-height:1.2}"
    ".stMainBlockContainer button p{font-size:1.2rem}"  # and they wrap (ui/common.READABLE_STYLE)
    # badges (status, disagreement, risk band) carry an inline 0.875rem: too small for the back of the room
    ".stMainBlockContainer .stMarkdownBadge{font-size:1.2rem !important}"
    # what a reviewer types (final diagnosis, comment) as large as the labels above it
    ".stMainBlockContainer input,.stMainBlockContainer textarea{font-size:1.35rem}"
    ".stMainBlockContainer td,.stMainBlockContainer th{font-size:1.35rem}</style>")


@whole_callback
def step_meeting(delta: int) -> None:
    """Next (1) or Previous (-1), as a button's callback."""
    # A callback runs before the page is drawn: the step is applied by meeting_position, to the list as it is now.
    st.session_state["meeting_step"] = st.session_state.get("meeting_step", 0) + delta
    st.session_state.pop(ENDED, None)  # the user has acted on "... stopped leading"


def meeting_position(ids: list[int]) -> int:
    """Where the meeting is in today's list. Kept as the case shown, not as a number in the list: when another
    reviewer closed an earlier case under a "status: open" filter, "case 3 of 5" became another case and Next
    skipped one. A case that left the list is followed by the one after it (the case on screen is kept in the list
    until the user moves on: above)."""
    shown = st.session_state.get("meeting_case")
    if shown is None:  # a new session (the page was opened or reloaded): the case in the address, else the first
        named = st.query_params.get("case")
        shown = int(named) if named and named.isdigit() and int(named) in ids else ids[0]  # else deleted, typed
    step = st.session_state.pop("meeting_step", 0)
    if shown in ids:
        position = ids.index(shown) + step
    else:
        after = bisect.bisect_right(ids, shown)  # the first case opened after the one that left the list
        position = after + step - 1 if step > 0 else after + step
    return max(0, min(position, len(ids) - 1))
