"""Case reports: one self-contained HTML file and a PDF, built from the stored case alone."""
from .html import case_html
from .pdf import case_pdf

__all__ = ["case_html", "case_pdf"]
