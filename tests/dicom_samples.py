"""DICOM files the tests make from the shared samples."""
from __future__ import annotations

import io

import pydicom

from medapp.registry import data_root


def chest_of(patient_id: str, instance: str, burned_in: str | None = None) -> bytes:
    """The shared CR chest radiograph (ACR-NEMA style, no preamble) as patient `patient_id`; images that differ only
    in their patient de-identify to the same bytes (one stored input), so each gets its own instance number."""
    ds = pydicom.dcmread(data_root() / "dicom" / "CR-MONO1-10-chest.dcm", force=True)
    ds.PatientID, ds.InstanceNumber = patient_id, instance
    if burned_in is not None:  # Burned In Annotation (0028,0301)
        ds.BurnedInAnnotation = burned_in
    buf = io.BytesIO()
    ds.save_as(buf)
    return buf.getvalue()
