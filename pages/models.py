"""Models: every registered model with its card, validation plots, intended use and limitations."""
import streamlit as st

from medapp.registry import list_cards
from medapp.render.metrics import (
    INTERVALS_CAPTION,
    anchor_line,
    calibration_figure,
    metric_name,
    roc_figure,
    summary_table,
    validation_intervals,
)
from medapp.render.subgroups import SUBGROUPS_CAPTION, no_subgroups_reason, subgroup_protocol, subgroup_table
from medapp.render.titles import wrap_titles
from medapp.ui import demo_notice
from medapp.ui.auth import require_role

require_role("clinician")
st.title("Models")
demo_notice()  # the one style of the notice, as on every analysis page
cards = list_cards()
st.caption(f"{len(cards)} registered models. Figures are from validation data or cross-validation, as each card says.")

for card in cards:
    with st.expander(f"**{card.name}** · `{card.id}` v{card.version} · {card.modality}", expanded=len(cards) == 1):
        st.markdown(f"**Task.** {card.task}  \n**Labels.** {', '.join(card.display(label) for label in card.labels)}  \n**Framework.** {card.framework}")
        if card.input.get("resolution_note"):
            st.markdown(f"**Input.** {card.input['resolution_note']}")
        st.markdown(f"**Data.** {card.data.get('citation', '')}  \n**Licence.** {card.data.get('licence', 'not stated')}")
        summary = card.metrics.get("summary", {})
        if summary:
            st.markdown(f"**Validation.** {card.metrics.get('protocol', '')}")
            st.dataframe(summary_table(card), hide_index=False)
            if validation_intervals(card):
                st.caption(INTERVALS_CAPTION)
        external = card.metrics.get("external")
        if external:
            st.markdown(f"**External site.** {external.get('site', '')}: AUROC {external.get('auroc', float('nan')):.3f} "
                        f"on {external.get('n')} patients. {external.get('note', '')}")
        by_group = subgroup_table(card)
        if by_group is not None:  # one figure for all patients hid how it does for women or the old
            st.markdown(f"**By subgroup.** {subgroup_protocol(card)}")
            st.dataframe(by_group, hide_index=False)
            notes = card.metrics["subgroups"].get("notes", [])
            st.caption(("\n".join(f"- {n}" for n in notes) + "\n\n" if notes else "") + SUBGROUPS_CAPTION)
        elif no_subgroups_reason(card):
            st.markdown(f"**By subgroup.** {no_subgroups_reason(card)}")
        baseline = card.metrics.get("baseline")
        if baseline and all(k.startswith("target_") for k in baseline):  # symptom-disease: a goal, not a paper
            st.markdown("**Goal set for this demonstration** (not a published result). "
                        + ", ".join(f"{metric_name(k)}: {v}" for k, v in baseline.items()))
        elif baseline:  # one line per item (they ran together in one sentence with colons inside)
            st.markdown("**Published anchor.**\n" + "\n".join(f"- {anchor_line(k, v)}" for k, v in baseline.items()))
        alternatives = dict(card.metrics.get("alternatives_tried", {}))
        if alternatives:
            st.markdown(f"**Alternatives measured** ({alternatives.pop('protocol', '')}).\n"
                        + "\n".join(f"- {metric_name(k)}: {v}" for k, v in alternatives.items()))
        # keyed so ui/common.READABLE_STYLE puts the calibration chart under the ROC where both cannot be wide
        # enough: at 1024 px each was squeezed to about 90 px of plot under its legend (a review); titles wrap
        left, right = st.container(key=f"analysis_columns_models_{card.id}").columns(2)
        roc, cal = roc_figure(card), calibration_figure(card)
        if roc is not None:
            left.plotly_chart(wrap_titles(roc, 44, 44), width="stretch", key=f"roc_{card.id}")
        if cal is not None:
            right.plotly_chart(wrap_titles(cal, 44, 44), width="stretch", key=f"cal_{card.id}")
        st.markdown(f"**Explanation method.** {card.explanation.get('method', '')}. {card.explanation.get('why', '')}")
        st.markdown(f"**Intended use.** {card.intended_use}")
        st.markdown("**Limitations.**\n" + "\n".join(f"- {item}" for item in card.limitations))
