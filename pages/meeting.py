"""Meeting mode: one case at a time on a projector, large type, patient identifiers hidden."""
import streamlit as st

from medapp.cases.references import reference_problem
from medapp.cases.store import StoreError
from medapp.ui.auth import get_store, require_role
from medapp.ui.common import demo_notice
from medapp.ui.meeting import PROJECTOR_STYLE, meeting_position, step_meeting
from medapp.ui.meeting_lead import (
    DRAWN,
    LEAD,
    follow_now,
    followed_case,
    followed_now,
    keep_leading,
    lead_written,
    moved_to_top,
    own_lead_now,
    presenters_now,
    resume_own_lead,
    screen_choice,
)
from medapp.ui.presses import stop_page
from medapp.ui.review import (
    FOLLOW_EVERY_S,
    REOPEN_ELSEWHERE,
    apply_while_typing,
    case_filters,
    case_from_other_page,
    case_shown,
    erasure_notes,
    follow_case,
    follow_list,
    keep_shown_case,
    verdict_form,
    verdict_needs_form,
)
from medapp.ui.stored_analysis import analysis_view

user = require_role("clinician")
store = get_store()
st.html(PROJECTOR_STYLE)  # large type for a projector
# The toggle on the left: at the top right a "Saved ..." toast from the page before covered it (a presenter's review)
# "Which cases" on a row of its own: beside "This screen" its filters were cut to a letter a line at 1280 px (a review)
# Most of the row to the two controls: at 1024 px, 2:2.2 of 7 cut the toggle to "My verdict ..." and the choice to
# "Moves on its owr" in the projector's large type (a review)
forms_col, screen_col, _ = st.columns([1, 1.2, 0.4], vertical_alignment="center")
# Off for the projector: the presenter's own verdict forms (and drafts) sat between the analyses the room reads; the
# verdicts recorded stay listed under each analysis, and a form holding unfinished work stays (verdict_needs_form).
show_forms = forms_col.toggle("My verdict forms", value=True, key="meeting_forms",
                              help="Turn off to show only the analyses and the verdicts recorded (for a projector). "
                                   "A verdict you chose or typed and have not recorded keeps its form.")
if not show_forms:  # Streamlit's toggle, off, is a pale grey pill the back of the room cannot read
    forms_col.caption(":material/visibility_off: Verdict forms hidden")
screen = screen_choice(store, user, screen_col)
with st.expander("Which cases", expanded=False):
    filters = case_filters("meeting", two_rows=True)
# In the order they were opened: a verdict recorded during the meeting must not reorder the cases.
cases = sorted(store.list_cases(**filters), key=lambda c: c["id"])
listed = [c["id"] for c in cases]  # what "Case 2 of 4" counts: followed below
arrived = case_from_other_page("meeting", listed)  # the case open on Cases when the user came here
if arrived is not None and not screen.following:
    st.session_state["meeting_case"] = arrived
# The case on the projector stays when someone changes it out of the filtered list (closes it during the
# discussion); Next or Previous moves on from it, and it then leaves the list.
moving_on = bool(st.session_state.get("meeting_step"))
# (not while following: the presenter's case is not this screen's to keep, and its filters are not the presenter's)
cases, left = keep_shown_case(cases, filters, None if moving_on or screen.following else st.session_state.get(
    "meeting_case"), key="meeting", order=lambda c: c["id"])
if not cases and not screen.following:
    st.info("No case matches these filters. Analyses are saved to cases from the analysis pages (Save to case); "
            "a case appears here when one is saved.")
    # the case shown before these filters is gone from the screen: not brought back as "kept" beside the first
    # case that joins the list (a browser test saw it so)
    st.session_state.pop("meeting_case", None)
    follow_list(lambda: [c["id"] for c in store.list_cases(**filters)])
    stop_page()


if screen.following:  # the presenter's case, counted as their screen counts it; Next and Previous are theirs
    st.session_state.pop("meeting_step", None)
    drawn_before = st.session_state.get(DRAWN)
    case_id, number, count, held = followed_case(screen)
    left = None
    if drawn_before and drawn_before[0] != case_id and held is None:  # the presenter moved this screen on
        if not followed_now(screen.lead):  # (not said when the reviewer pressed Follow now themselves)
            st.toast(f"{screen.lead.presenter} moved on: case {number} of {count}.", icon=":material/cast:")
        moved_to_top(case_id)
else:
    # the lead as another of this presenter's screens (or an earlier tab) left it, shown as that screen counted it and
    # not written back: a reopened tab started at case 1 and pulled every follower there, a projector tab wrote its own
    # case back over the laptop's Next, and one whose filters hid the laptop's case pulled it back (a review meeting's
    # test and its re-check)
    elsewhere = resume_own_lead(store, user) if screen.mode == LEAD and not moving_on else None
    if elsewhere is not None:
        case_id, number, count, held = elsewhere.case_id, elsewhere.position, elsewhere.count, None
    else:
        index = meeting_position([c["id"] for c in cases])
        case_id, number, count, held = cases[index]["id"], index + 1, len(cases), None
        if screen.mode == LEAD:
            store.lead_meeting(user, case_id, number, count)
            lead_written(case_id, number)
st.session_state["meeting_case"] = case_id  # where this screen stays when it stops following
case_shown(case_id, "meeting")
# 2 of 9.2: at 1024 px "◀ Previous" broke onto two lines in 1.6 of 9.2 (the projector type; a review)
prev_col, title_col, next_col = st.columns([2, 5.2, 2], vertical_alignment="center")
prev_col.button("◀ Previous", disabled=screen.following or number == 1, width="stretch", on_click=step_meeting,
                args=(-1,), key="meeting_prev")
next_col.button("Next ▶", disabled=screen.following or number >= count, width="stretch", on_click=step_meeting, args=(1,),
                key="meeting_next")
# The case shown is kept in the address (?case=<id>, the store's number, not the reference), so a reload stays on it.
if st.query_params.get("case") != str(case_id):
    st.query_params["case"] = str(case_id)


def _lead_now() -> list:
    lead = store.meeting_lead(screen.lead.presenter)
    return [] if lead is None else [lead.case_id, lead.position, lead.count]


lead_seen = [screen.lead.case_id, screen.lead.position, screen.lead.count] if screen.following else None


try:
    detail = store.case_detail(case_id, user, log_view=st.session_state.get("meeting_viewed") != case_id)
except StoreError as exc:  # erased by an administrator since the list above was read: said, then the next case
    st.info(str(exc))
    if screen.following:  # drawn again when the presenter moves on from it (or stops)
        follow_list(lambda: [] if _lead_now() == lead_seen else ["moved"])
    else:
        follow_list(lambda: [c["id"] for c in store.list_cases(**filters)])
    stop_page()
st.session_state["meeting_viewed"] = case_id
# Input file names are hidden. The reference is shown so the chair can confirm which case is on screen: new
# references are refused when they look identifying, and an older one that does is still hidden here.
reference = detail["reference"] if reference_problem(detail["reference"]) is None else "reference hidden"
# Status and flag as badges under the heading: in the heading they wrapped it onto two lines at 1366 px
title_col.markdown(f"## Case {number} of {count} · {reference}\n"
                   f":blue-badge[{detail['status']}]"
                   + (" :red-badge[disagreement flagged]" if detail["disagreement"] else "")
                   + (f" :violet-badge[:material/cast: following {screen.lead.presenter}]" if screen.following
                      else " :violet-badge[:material/cast: leading]" if screen.mode == LEAD else ""))
demo_notice()  # as the reports and analysis pages say it (Cases and Meeting mode did not: a cardiology review)
notice = st.empty()  # drawn in every run: a line inserted above the page's forms makes the browser draw them anew
if held:
    with notice.container():
        st.info(held, icon=":material/cast:")
        st.button("Follow now", key="meeting_follow_now", on_click=follow_now, args=(screen.lead,),
                  help="Show the presenter's case; what you chose or typed here is kept as your draft.")
elif screen.ended:
    notice.info(screen.ended, icon=":material/cast:")
elif left is not None and left["id"] == case_id:
    notice.info(f"This case no longer matches the filters (its status is now '{detail['status']}'). It stays on "
                "screen until you move on; Next goes to the case after it.", icon=":material/filter_alt_off:")
if user["role"] in ("reviewer", "admin") and (elsewhere := store.drafts_elsewhere(user, case_id)):
    # a reload of a screen held on unfinished work showed the presenter's case without a word of the draft
    where = "; ".join(f"{ref if reference_problem(ref) is None else 'a case'} (record #{a})" for _, ref, a in elsewhere)
    st.caption(f":material/edit_note: Your unrecorded verdict drafts on other cases: {where}. Each comes back in its "
               "form when its case is shown (on a closed case, once it is reopened).")
for n, a in enumerate(detail["analyses"], 1):
    with st.container(border=True):
        analysis_view(a, key=f"m{a['id']}", hide_identifiers=True, large=True, number=(n, len(detail["analyses"])))
        if show_forms or verdict_needs_form(a, f"m{a['id']}", user):
            verdict_form(a, user, key=f"m{a['id']}", case_status=detail["status"], reopen_where=REOPEN_ELSEWHERE,
                         closed_how=detail["closed_how"])
st.session_state[DRAWN] = (case_id, number, count, [a["id"] for a in detail["analyses"]])
erasure_notes(detail)
apply_while_typing()  # a comment being typed reaches the server as a draft, and holds a following screen
if screen.mode == LEAD and not screen.following:
    # the lead's heartbeat at the foot of the page: drawn above the heading, its fragment's container appeared
    # between runs and moved every form below it (the heading was seen twice, one over the other: a review)
    keep_leading(store, user)
# the projector shows each verdict as a reviewer records it, without a click, and counts what the filters hold now
if screen.following:  # and moves when the presenter moves, or stops
    # every 2 s, not 4: a desk 4 s behind the projector was visibly behind the room (a review); one small read
    follow_case(detail, listed=lead_seen, list_now=_lead_now, every=FOLLOW_EVERY_S / 2)
else:
    # and a presenter who starts or stops leading elsewhere, so "Follows NAME" is offered without a reload; a leading
    # screen also moves when another screen of the same presenter moves the lead (the laptop's Next, the projector)
    own = (case_id, number) if screen.mode == LEAD else None  # the lead as this run wrote or took it up
    follow_case(detail, listed=(sorted(listed), screen.presenters, own),
                list_now=lambda: (sorted(c["id"] for c in store.list_cases(**filters)), presenters_now(store, user),
                                  own_lead_now(store, user) if screen.mode == LEAD else None))
