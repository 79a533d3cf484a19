"""Case reports: one self-contained HTML file and a PDF, built from the stored case alone.

Imported on first use: `reports.content` (the words pages, the CLI and the API share) is read without loading the PDF
and HTML builders and their figure libraries (0.6 s at every `predict` when this package imported them)."""
from __future__ import annotations

from typing import Any

__all__ = ["case_html", "case_pdf"]


def __getattr__(name: str) -> Any:
    if name == "case_html":
        from .html import case_html

        return case_html
    if name == "case_pdf":
        from .pdf import case_pdf

        return case_pdf
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
