"""The Admin page's Erase tab: a case, its title, an analysis or one reviewer's verdict that holds an identifier the checks
missed, removed for good (medapp/cases/erasure.py), after the administrator types the case reference again."""
from __future__ import annotations

import streamlit as st

from ..cases.erasure import erase_analysis, erase_case, erase_title, erase_verdict
from ..cases.store import CaseStore, StoreError
from ..security.roles import PermissionDenied
from .audit_view import time_text
from .common import literal
from .presses import flash, pressed
from .state import set_now

_FLASH = "erase_flash"


def _choices(detail: dict, drafts: dict[int, list[str]] | None = None) -> dict[str, tuple]:
    """What can be erased in this case, in words, to (kind, analysis id, reviewer). `drafts`: who has an unrecorded
    verdict draft on each analysis (it holds what they typed, unchecked: a privacy review)."""
    n = len(detail["analyses"])
    out = {f"The whole case {detail['reference']} ({n} analys{'is' if n == 1 else 'es'} and their verdicts)":
           ("case", None, None)}
    if detail["title"]:
        out[f"Only the case's title ('{detail['title']}')"] = ("title", None, None)
    for a in detail["analyses"]:
        out[f"Analysis #{a['id']}: {a['model_id']}, '{a['label']}', saved by {a['author']} on "
            f"{time_text(a['created_at'])}"] = ("analysis", a["id"], None)
        for v in a["verdicts"]:
            out[f"{v['reviewer']}'s verdict on analysis #{a['id']} ('{v['verdict']}'"
                + (f", final diagnosis '{v['final_diagnosis'][:40]}'" if v["final_diagnosis"] else "")
                + (", with a comment" if v["comment"] else "") + ")"] = ("verdict", a["id"], v["reviewer"])
        recorded = {v["reviewer"] for v in a["verdicts"]}
        for reviewer in (drafts or {}).get(a["id"], []):
            if reviewer not in recorded:  # a recorded verdict's erasure takes its draft with it
                out[f"{reviewer}'s unrecorded verdict draft on analysis #{a['id']}"] = ("verdict", a["id"], reviewer)
    return out


def erase_panel(store: CaseStore, user: dict) -> None:
    st.caption("For an identifier that got past the checks (a relative's name in a note, a surname in a comment) or "
               "an analysis saved to the wrong patient's case. Erasing deletes it and its stored input for good; the "
               "audit trail keeps who erased what, when and why, and blanks the text its earlier rows quoted. A "
               "result already sent to a PACS is not withdrawn.")
    if _FLASH in st.session_state:
        said = st.session_state.pop(_FLASH)
        st.success(said, icon=":material/check_circle:")
        st.toast(said, icon=":material/check_circle:")
    round_ = st.session_state.get("erase_round", 0)  # a new form after each erasure: nothing carried to the next
    reference = st.text_input("Case reference", key=f"erase_reference_{round_}",
                              help="As shown on the Cases page; capitals do not matter.")
    if not reference.strip():
        return
    case_id = store.case_named(reference)
    if case_id is None:
        st.info(f"There is no case with the reference '{literal(reference.strip())}'.")
        return
    try:
        detail = store.case_detail(case_id, user, log_view=False)
    except StoreError as exc:  # erased by someone else a moment ago
        st.info(str(exc))
        return
    choices = _choices(detail, store.draft_reviewers(a["id"] for a in detail["analyses"]))
    with st.form(f"erase_form_{round_}"):
        # nothing chosen to begin with: the whole case, first in the list, was one careless press away
        what = st.radio("What to erase", list(choices), index=None, key=f"erase_what_{round_}")
        reason = st.text_input("Reason (kept in the audit trail: say what kind of identifier it was, never the "
                               "identifier itself)", key=f"erase_reason_{round_}")
        typed = st.text_input(f"Type the case reference ({detail['reference']}) to confirm",
                              key=f"erase_confirm_{round_}")
        if not pressed("Erase for good", key="erase_go", form=True, type="primary"):
            return
    if what is None:
        st.error("Choose what to erase; nothing was erased.")
        return
    if typed.strip().lower() != detail["reference"].lower():
        st.error(f"Type the case reference {detail['reference']} in the last box to confirm; nothing was erased.")
        return
    kind, analysis_id, reviewer = choices[what]
    try:
        if kind == "case":
            done = erase_case(store, case_id, user, reason)
        elif kind == "title":
            done = erase_title(store, case_id, user, reason)
        elif kind == "analysis":
            done = erase_analysis(store, analysis_id, user, reason)
        else:
            done = erase_verdict(store, analysis_id, reviewer, user, reason)
    except (StoreError, PermissionDenied) as exc:
        st.error(str(exc))
        return
    set_now("erase_round", round_ + 1)
    flash(_FLASH, done.sentence())
    st.rerun()
