"""Imaging from and back to a PACS over DICOMweb (QIDO-RS, WADO-RS, STOW-RS). No streamlit here."""
