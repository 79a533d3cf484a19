"""DICOM files the tests make from the shared samples."""
from __future__ import annotations

import io

import numpy as np
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


def three_frames(**header) -> bytes:
    """The shared CR chest film as three frames: as taken, mirrored, and as taken again."""
    ds = pydicom.dcmread(data_root() / "dicom" / "CR-MONO1-10-chest.dcm", force=True)
    ds.file_meta = pydicom.dataset.FileMetaDataset()  # an ACR-NEMA file: no meta, implicit little endian
    ds.file_meta.TransferSyntaxUID = pydicom.uid.ImplicitVRLittleEndian
    pixels = ds.pixel_array
    frames = np.stack([pixels, pixels[:, ::-1], pixels]).astype(pixels.dtype)
    ds.NumberOfFrames, ds.PixelData = 3, frames.tobytes()
    for keyword, value in header.items():
        if value is None:
            delattr(ds, keyword)
        else:
            setattr(ds, keyword, value)
    buf = io.BytesIO()
    ds.save_as(buf)
    return buf.getvalue()
