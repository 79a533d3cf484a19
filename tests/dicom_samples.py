"""DICOM files the tests make from the shared samples."""
from __future__ import annotations

import io

import pydicom

from medapp.registry import data_root


def chest_of(patient_id: str, instance: str) -> bytes:
    """The shared CR chest radiograph (ACR-NEMA style, no preamble) as patient `patient_id`; images that differ only
    in their patient de-identify to the same bytes (one stored input), so each gets its own instance number."""
    ds = pydicom.dcmread(data_root() / "dicom" / "CR-MONO1-10-chest.dcm", force=True)
    ds.PatientID, ds.InstanceNumber = patient_id, instance
    buf = io.BytesIO()
    ds.save_as(buf)
    return buf.getvalue()
