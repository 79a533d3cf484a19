"""Widgets of the review workflow: a stored analysis redrawn, verdict form, case filters, exports."""
from __future__ import annotations

from datetime import UTC, datetime, time

import streamlit as st

from .. import render
from ..cases.store import STATUSES, VERDICTS, PermissionDenied, StoreError
from ..registry import list_cards
from ..reports import case_html, case_pdf
from ..reports.figures import explanation_png
from ..security.roles import allowed
from ..types import Explanation
from .auth import get_store


def explanation_figure(expl: Explanation, key: str, *, large: bool = False) -> None:
    """Redraw a stored explanation with its kind's renderer; the static figure for a kind without one."""
    try:
        figure = render.figure(expl)
    except render.NoRenderer:
        st.image(explanation_png(expl), caption=expl.method)
        return
    if isinstance(figure, str):
        st.html(figure)  # renderers return escaped HTML for text
    else:
        if large:  # meeting mode: legible from the back of the room
            figure.update_layout(font_size=16)
            figure.update_xaxes(tickfont_size=14)
            figure.update_yaxes(tickfont_size=14)
        st.plotly_chart(figure, width="stretch", key=f"fig_{key}")


def analysis_view(a: dict, *, key: str, hide_identifiers: bool = False, large: bool = False) -> None:
    pred = a["prediction"]
    head = f"#{a['id']} · {a['model_id']} v{a['model_version']} · {a['modality']}"
    st.subheader(head)
    meta = f"by {a['author']} on {a['created_at']:%Y-%m-%d %H:%M}"
    if not hide_identifiers:
        meta = f"input {a['input_name']} · " + meta
    st.caption(meta)
    left, right = st.columns([1, 2])
    with left:
        st.metric("Model output", a["label"], help="The label the model predicted.")
        top = sorted(pred.as_dict().items(), key=lambda kv: -kv[1])[:5]
        st.markdown("\n".join(f"- {label}: **{p:.1%}**" for label, p in top))
        for w in pred.warnings:
            st.warning(w, icon=":material/warning:")
        for v in a["verdicts"]:
            icon = {"agree": ":material/check_circle:", "disagree": ":material/cancel:"}.get(v["verdict"], ":material/help:")
            st.markdown(f"{icon} **{v['reviewer']}**: {v['verdict']}"
                        + (f" · final diagnosis: {v['final_diagnosis']}" if v["final_diagnosis"] else "")
                        + (f"  \n_{v['comment']}_" if v["comment"] else ""))
    with right:
        if pred.survival is not None:  # time-to-event analyses keep their survival curve
            from ..render.survival import curve_figure

            st.plotly_chart(curve_figure(pred.survival), width="stretch", key=f"curve_{key}")
        if a["explanation"] is not None:
            explanation_figure(a["explanation"], key, large=large)
        else:
            st.caption("Saved without an explanation.")


def verdict_form(a: dict, user: dict, *, key: str, case_status: str = "open") -> None:
    if not allowed(user["role"], "review"):
        st.caption("Verdicts are recorded by reviewers.")
        return
    if case_status == "closed":
        st.caption("This case is closed: reopen it (status above) to change a verdict.")
        return
    mine = next((v for v in a["verdicts"] if v["reviewer"] == user["username"]), None)
    with st.form(f"verdict_{key}"):
        c1, c2 = st.columns([1, 2])
        verdict = c1.radio("Your verdict", VERDICTS, horizontal=True, key=f"v_{key}",
                           index=VERDICTS.index(mine["verdict"]) if mine else None)
        diagnosis = c2.text_input("Final diagnosis", value=mine["final_diagnosis"] if mine else "", key=f"d_{key}")
        comment = st.text_area("Comment", value=mine["comment"] if mine else "", key=f"c_{key}", height=80)
        if st.form_submit_button("Record verdict"):
            if verdict is None:
                st.error("Choose agree, disagree or uncertain.")
                return
            try:
                get_store().set_verdict(a["id"], user, verdict, diagnosis, comment)
            except (StoreError, PermissionDenied) as exc:
                st.error(str(exc))
            else:
                st.toast("Verdict recorded")
                st.rerun()


def status_control(detail: dict, user: dict, *, key: str) -> None:
    if not allowed(user["role"], "review"):
        st.markdown(f"Status: **{detail['status']}**")
        return
    widget = f"status_{key}"

    def changed() -> None:  # only a click changes the status, never a widget that shows an older state
        new = st.session_state.get(widget)
        if new:
            get_store().set_status(detail["id"], user, new)

    # The widget always shows the stored status, which another reviewer may have changed meanwhile.
    # (The callback above runs before the page is drawn, so `detail` already holds a status just set.)
    st.session_state[widget] = detail["status"]
    st.segmented_control("Case status", STATUSES, key=widget, on_change=changed)


def export_buttons(detail: dict, user: dict, *, key: str) -> None:
    store = get_store()
    # A report prepared before a verdict or status change is stale: it is offered only while the
    # case is as it was when the report was made.
    version = (detail["status"], str(detail["updated_at"]),
               tuple((a["id"], tuple((v["reviewer"], str(v["updated_at"])) for v in a["verdicts"]))
                     for a in detail["analyses"]))
    if st.button("Prepare report (PDF and HTML)", key=f"prep_{key}"):
        st.session_state[f"report_{key}"] = (version, case_pdf(detail, by=user["username"]),
                                             case_html(detail, by=user["username"]))
        store.audit(user["username"], "export", f"case:{detail['id']}", formats=["pdf", "html"])
    prepared = st.session_state.get(f"report_{key}")
    if prepared and prepared[0] != version:
        st.caption("The case changed since the report was prepared; prepare it again.")
        prepared = None
    if prepared:
        _, pdf, html = prepared
        c1, c2 = st.columns(2)
        c1.download_button("Download PDF", pdf, f"case-{detail['reference']}.pdf", "application/pdf", key=f"pdf_{key}")
        c2.download_button("Download HTML", html, f"case-{detail['reference']}.html", "text/html", key=f"html_{key}")


def case_filters(key: str = "cases") -> dict:
    cards = list_cards()
    c1, c2, c3, c4, c5 = st.columns([1, 1.3, 1, 1.6, 1])
    modality = c1.selectbox("Modality", ["any", *sorted({c.modality for c in cards})], key=f"{key}_mod")
    model = c2.selectbox("Model", ["any", *[c.id for c in cards]], key=f"{key}_model")
    status = c3.selectbox("Status", ["any", *STATUSES], key=f"{key}_status")
    dates = c4.date_input("Updated between", value=(), key=f"{key}_dates")
    disagreement = c5.selectbox("Disagreement", ["any", "yes", "no"], key=f"{key}_dis",
                                help="A reviewer disagreed with the model, or reviewers disagree with each other.")
    out: dict = {}
    if modality != "any":
        out["modality"] = modality
    if model != "any":
        out["model_id"] = model
    if status != "any":
        out["status"] = status
    if isinstance(dates, tuple) and len(dates) == 2:
        out["since"] = datetime.combine(dates[0], time.min, tzinfo=UTC)
        out["until"] = datetime.combine(dates[1], time.max, tzinfo=UTC)
    if disagreement != "any":
        out["disagreement"] = disagreement == "yes"
    return out
