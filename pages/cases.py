"""Cases: filter the case list, open a case, review its analyses, record verdicts, export reports."""
import pandas as pd
import streamlit as st

from medapp.cases.store import StoreError
from medapp.ui.auth import get_store, require_role
from medapp.ui.common import demo_notice, literal
from medapp.ui.presses import stop_page
from medapp.ui.review import (
    apply_while_typing,
    case_filters,
    case_from_other_page,
    case_shown,
    erasure_notes,
    export_buttons,
    follow_case,
    follow_list,
    keep_shown_case,
    status_control,
    verdict_form,
)
from medapp.ui.stored_analysis import analysis_view

user = require_role("clinician")
store = get_store()
st.title("Cases")
filters = case_filters()
from_address = None
if "case_open" not in st.session_state:
    # A reload is a new session: the case in the address (?case=<id>) opens again, as in Meeting mode. It opened the
    # most recently updated case instead, often another patient's, under the verdict forms.
    named = st.query_params.get("case")
    if named and named.isdigit():
        st.session_state["case_open"] = from_address = int(named)
cases = store.list_cases(**filters)
# the list's own order: most recently updated first
cases, left = keep_shown_case(cases, filters, st.session_state.get("case_open"), key="cases",
                              order=lambda c: (-c["updated_at"].timestamp(), -c["id"]))
notice = st.empty()  # drawn in every run: a line inserted above the page's forms makes the browser draw them anew
if left is not None:
    notice.info(f"Case {left['reference']} no longer matches the filters (its status is now '{left['status']}'). "
                "It stays open here until you choose another case.", icon=":material/filter_alt_off:")
if not cases:
    st.info("No case matches. Analyses are saved to cases from the analysis pages (Save to case); a case appears "
            "here when one is saved.")
    st.session_state.pop("case_open", None)  # gone from the screen: not brought back beside the next case to join
    follow_list(lambda: [c["id"] for c in store.list_cases(**filters)])
    stop_page()

table = pd.DataFrame([{**c, "modalities": ", ".join(c["modalities"]), "models": ", ".join(c["models"]),
                       "updated": pd.Timestamp(c["updated_at"]).strftime("%Y-%m-%d %H:%M")} for c in cases])
# What a reviewer decides on first, then the long lists: at 1280 px the models column ran off the right edge and
# disagreement and updated needed a sideways scroll (a review)
st.dataframe(table[["reference", "title", "status", "disagreement", "analyses", "updated", "created_by", "modalities",
                    "models"]], hide_index=True, width="stretch", key="case_table",
             # sized for its header: fitted to its ticks, it read "disagreemen" at 1400 px
             column_config={"disagreement": st.column_config.CheckboxColumn("disagreement", width=110),
                            # a long title took two thirds of the table at 1024 px and pushed status and
                            # disagreement out of sight; cut here, it is whole in "Open case" and the case's header
                            "title": st.column_config.TextColumn("title", width="medium"),
                            "created_by": st.column_config.TextColumn("created by"),
                            # stored and shown in UTC: a reviewer elsewhere read the time as their own (a review)
                            "updated": st.column_config.TextColumn("updated (UTC)")})
# Chosen by id: a case's status, size and place in the list change while it is being reviewed. Labelled by what
# never changes (the browser sends the label back; one holding the status or count stopped matching after a
# change, and the pick came back as that text: ui/cases.save_to_case says more).
labels = {c["id"]: c["reference"] + (f" ({c['title']})" if c.get("title") else "") for c in cases}
stale_link = from_address is not None and from_address not in labels
arrived = None if from_address is not None else case_from_other_page("cases", list(labels))
if arrived is not None:  # the case on the projector when the user came here from Meeting mode
    st.session_state["case_open"] = arrived
if st.session_state.get("case_open") not in labels:
    st.session_state.pop("case_open", None)
if stale_link:  # a stale or mistyped link opened the most recent case, another patient's, without a word
    st.session_state["case_open"] = None
    notice.warning(f"There is no case #{from_address}, which the address named (it was deleted, or the link is "
                   "wrong): choose a case.", icon=":material/link_off:")
choice = st.selectbox("Open case", list(labels), format_func=labels.get, key="case_open",
                      placeholder="Choose a case")
if choice is None:
    st.query_params.pop("case", None)
    stop_page()
try:
    detail = store.case_detail(choice, user, log_view=st.session_state.get("case_viewed") != choice)
except StoreError as exc:
    st.error(str(exc))
    stop_page()
st.session_state["case_viewed"] = detail["id"]
case_shown(detail["id"], "cases")
if st.query_params.get("case") != str(detail["id"]):
    st.query_params["case"] = str(detail["id"])

st.header(f"Case {detail['reference']}")
st.caption(" · ".join(part for part in (literal(detail["title"]) if detail["title"] else "",
                                        f"created by {literal(detail['created_by'])} on {detail['created_at']:%Y-%m-%d}",
                                        "disagreement flagged" if detail["disagreement"] else "") if part))
demo_notice()  # as the reports and analysis pages say it (a cardiology review)
c1, c2 = st.columns([2, 1])
with c1:
    status_control(detail, user, key=str(detail["id"]))
with c2:
    export_buttons(detail, user, key=str(detail["id"]))
for n, a in enumerate(detail["analyses"], 1):
    with st.container(border=True):
        analysis_view(a, key=f"a{a['id']}", number=(n, len(detail["analyses"])))
        verdict_form(a, user, key=f"a{a['id']}", case_status=detail["status"], closed_how=detail["closed_how"])
erasure_notes(detail)
apply_while_typing()  # a comment being typed reaches the server as a draft (medapp/ui/review.py)
follow_case(detail)  # others' verdicts and status changes appear without a click
