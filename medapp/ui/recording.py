"""A recording's annotated respiratory cycles, said and listed the same way on the audio page, on Cases and in
Meeting mode (render.stored keeps them with a saved recording)."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from ..render.stored import cycle_rows, cycles_text


def cycles_table(recording: dict, *, key: str, large: bool = False) -> None:
    """The cycles' summary, the colour key of the figure above, and one row per cycle; nothing without cycles."""
    summary = cycles_text(recording)
    if summary is None:
        return
    count, _, findings = summary.partition(": ")
    st.markdown(f"**{count}**: {findings} (shaded orange = crackles, purple = wheezes, red = both, grey = neither).")
    rows = cycle_rows(recording)
    if large:  # a static table takes Meeting mode's large type (a data grid keeps 13 px); times as text, since a
        # styled table lost its cycle-number column (a re-check)
        st.table(pd.DataFrame([{**r, "start (s)": f"{r['start (s)']:.2f}", "end (s)": f"{r['end (s)']:.2f}"}
                               for r in rows]).set_index("cycle"))
    else:  # tall enough for six cycles without scrolling inside the table
        st.dataframe(rows, hide_index=True, height=min(36 * (len(rows) + 1) + 3, 400), key=key,
                     column_config={"start (s)": st.column_config.NumberColumn(format="%.2f"),
                                    "end (s)": st.column_config.NumberColumn(format="%.2f")})
