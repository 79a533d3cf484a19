"""DICOM pixel pipeline in the standard's order, one small step each (PS3.3 C.7.6.3, C.11).

  stored values --(1) modality LUT: rescale slope/intercept or LUT (C.11.1)--> modality values (e.g. HU)
                --(2) VOI LUT or window centre/width (C.11.2)--> values of interest, 0..1
                --(3) presentation: MONOCHROME1 is inverted (C.7.6.3.1.2)--> display grey, 0 = black
Multi-frame images are split into frames first; compressed transfer syntaxes decode through the
pylibjpeg plugins (JPEG, JPEG-LS, JPEG 2000, RLE).
"""
from __future__ import annotations

import io
import logging
import re
import struct
from dataclasses import dataclass
from datetime import date

import numpy as np
import pydicom
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError
from pydicom.pixels import apply_modality_lut, apply_voi_lut

from ...types import InputError

log = logging.getLogger(__name__)

# Window presets in Hounsfield units (centre, width), for CT only.
CT_PRESETS = {
    "lung": (-600.0, 1500.0),
    "mediastinum": (40.0, 400.0),
    "soft tissue": (50.0, 350.0),
    "bone": (400.0, 1800.0),
    "brain": (40.0, 80.0),
}
MAX_PIXELS = 60_000_000  # rows x columns x frames decoded at once


class NoImage(InputError):
    """A readable DICOM object without pixel data (DICOMDIR, structured report, RT plan, ...)."""


def read(data: bytes, name: str = "file") -> Dataset:
    """Parse a DICOM file, with or without the 128-byte preamble ('DICM' at byte 128)."""
    has_preamble = len(data) >= 132 and data[128:132] == b"DICM"
    try:
        ds = pydicom.dcmread(io.BytesIO(data), force=not has_preamble)
    except (InvalidDicomError, EOFError, ValueError, OSError, KeyError, TypeError, struct.error, IndexError,
            NotImplementedError, AttributeError) as exc:
        raise InputError(f"{name} is damaged or not a DICOM file ({type(exc).__name__}).") from None
    if not any(not tag.is_private for tag in ds.keys()):
        raise InputError(f"{name} is damaged or not a DICOM file (no standard attributes could be read).")
    if not has_preamble:
        # A preamble-less (ACR-NEMA style) file must still look like DICOM: group 0008 or image tags.
        if not any(tag.group in (0x0008, 0x0028) for tag in ds.keys()):
            raise InputError(f"{name} is not a DICOM file.")
        if not hasattr(ds, "file_meta") or "TransferSyntaxUID" not in ds.file_meta:
            ds.file_meta = getattr(ds, "file_meta", pydicom.dataset.FileMetaDataset())
            ds.file_meta.TransferSyntaxUID = pydicom.uid.ImplicitVRLittleEndian
    if "PixelData" not in ds and "FloatPixelData" not in ds and "DoubleFloatPixelData" not in ds:
        modality = ds.get("Modality", "unknown modality")
        raise NoImage(f"{name} is a DICOM file without an image (modality {modality}, SOP class "
                         f"{getattr(ds.get('SOPClassUID'), 'name', ds.get('SOPClassUID', '?'))}).")
    try:
        rows, cols, frames = int(ds.get("Rows", 0)), int(ds.get("Columns", 0)), int(ds.get("NumberOfFrames", 1) or 1)
    except (ValueError, TypeError) as exc:  # e.g. a damaged IS value such as '1A'
        raise InputError(f"{name} is damaged: its image size cannot be read ({exc}).") from None
    if rows * cols * frames > MAX_PIXELS:
        raise InputError(f"{name} holds {frames} frame(s) of {cols}x{rows} pixels: too large to display here.")
    return ds


def _cut(text: str, limit: int) -> str:
    """A decoder's message, at most `limit` characters, cut at a word ("...returned fr)" read as a typo)."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " …"


def stored_pixels(ds: Dataset, name: str = "file") -> np.ndarray:
    """Stored values as (frames, rows, cols) or (frames, rows, cols, 3)."""
    try:
        arr = ds.pixel_array
    except Exception as exc:  # noqa: BLE001 - truncated pixel data, unsupported compression: many exception types
        syntax = getattr(getattr(ds, "file_meta", None), "TransferSyntaxUID", None)
        said = f" ({syntax.name})" if syntax is not None and getattr(syntax, "name", "") else ""
        # the decoder's own words go to the log, for IT: on screen "pylibjpeg: libjpeg error code '-1038'" told a
        # clinician nothing (a review)
        # without the file's name, which often names the patient (a data-protection review)
        log.warning("an uploaded DICOM file's pixel data was not decoded (%s): %s", syntax, _cut(str(exc), 300))
        raise InputError(f"{name}: the image data cannot be decoded{said}. The file may be truncated or compressed "
                         "in a way this server cannot read.") from None
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    colour = ds.get("SamplesPerPixel", 1) > 1
    if frames == 1:
        arr = arr[None]
    if colour and arr.ndim != 4 or not colour and arr.ndim != 3:
        raise InputError(f"{name}: unexpected pixel array shape {arr.shape}.")
    return arr


def modality_lut(ds: Dataset, frame: np.ndarray) -> np.ndarray:
    """Step 1 (PS3.3 C.11.1): stored values to modality values (HU for CT) by rescale or LUT."""
    return np.asarray(apply_modality_lut(frame, ds), dtype=np.float64)


def default_window(ds: Dataset, values: np.ndarray) -> tuple[float, float]:
    """The file's first window (C.11.2.1.2), else the central 99% of the values."""
    centre, width = ds.get("WindowCenter"), ds.get("WindowWidth")
    if centre is not None and width is not None:
        try:
            centre = float(centre[0] if isinstance(centre, pydicom.multival.MultiValue) else centre)
            width = float(width[0] if isinstance(width, pydicom.multival.MultiValue) else width)
        except (TypeError, ValueError, IndexError):  # a damaged window value: fall back to the data
            centre = width = None
        if width is not None and width >= 1 and np.isfinite(centre) and np.isfinite(width):
            return centre, width
    lo, hi = np.percentile(values, [0.5, 99.5])
    return float((lo + hi) / 2), float(max(hi - lo, 1.0))


def window(values: np.ndarray, centre: float, width: float) -> np.ndarray:
    """Step 2 (PS3.3 C.11.2.1.2.1, LINEAR): modality values to 0..1 with a window centre/width.

    A width of exactly 1 is a threshold at centre - 0.5 (the formula's (w - 1) would divide by zero).
    """
    if width < 1:
        raise InputError("The window width must be at least 1.")
    if width == 1:
        return (np.asarray(values) > centre - 0.5).astype(np.float64)
    lo = centre - 0.5 - (width - 1) / 2
    return np.clip((values - lo) / (width - 1), 0.0, 1.0)


def voi_lut(ds: Dataset, values: np.ndarray) -> np.ndarray | None:
    """Step 2, when the file carries a VOI LUT sequence (C.11.2.1.1) and no window is asked for."""
    if "VOILUTSequence" not in ds:
        return None
    out = np.asarray(apply_voi_lut(values, ds, index=0), dtype=np.float64)
    lo, hi = out.min(), out.max()
    return (out - lo) / (hi - lo) if hi > lo else np.zeros_like(out)


def presentation(ds: Dataset, grey: np.ndarray) -> np.ndarray:
    """Step 3 (PS3.3 C.7.6.3.1.2): MONOCHROME1 shows low values bright, so invert it for display."""
    return 1.0 - grey if ds.get("PhotometricInterpretation", "MONOCHROME2") == "MONOCHROME1" else grey


@dataclass(frozen=True)
class Displayed:
    image: np.ndarray  # (rows, cols) grey 0..1, 0 = black, or (rows, cols, 3) for colour
    centre: float | None
    width: float | None


def display_frame(ds: Dataset, frames: np.ndarray, index: int = 0, centre: float | None = None,
                  width: float | None = None) -> Displayed:
    """One frame through the whole pipeline; centre/width override the file's VOI."""
    frame = frames[min(max(index, 0), len(frames) - 1)]
    if frame.ndim == 3:  # colour (RGB or YBR converted by pydicom): no LUTs apply
        return Displayed(frame.astype(np.float64) / max(float(frame.max()), 1.0), None, None)
    values = modality_lut(ds, frame)
    if centre is None or width is None:
        grey = voi_lut(ds, values)
        if grey is not None:
            return Displayed(presentation(ds, grey), None, None)
        centre, width = default_window(ds, values)
    return Displayed(presentation(ds, window(values, centre, width)), centre, width)


def patient_age_years(ds: Dataset) -> float | None:
    """The patient's age at the study in years: PatientAge ("045Y", "018M", "006W", "010D", PS3.5 AS), else from
    PatientBirthDate and StudyDate; None when neither is there or readable."""
    try:
        age = str(ds.get("PatientAge") or "").strip().upper()
        m = re.fullmatch(r"(\d{1,3})([DWMY])", age)
        if m and int(m.group(1)) == 0:  # "000Y": what many devices write for an age not known ("0 days": a re-check)
            m = None
        elif m:
            return int(m.group(1)) / {"D": 365.25, "W": 52.18, "M": 12, "Y": 1}[m.group(2)]
        born, studied = str(ds.get("PatientBirthDate") or ""), str(ds.get("StudyDate") or "")
        if re.fullmatch(r"\d{8}", born) and re.fullmatch(r"\d{8}", studied):
            b, t = (date(int(d[:4]), int(d[4:6]), int(d[6:])) for d in (born, studied))
            return (t - b).days / 365.25 if t >= b else None
    except (ValueError, TypeError):  # a damaged element: no age rather than a crash
        return None
    return None


def age_text(years: float) -> str:
    """'4 years', '8 months', '3 weeks', '10 days'; 90 or more as '90 years or over' (a more exact age is an
    identifier under Safe Harbor)."""
    if years >= 90:
        return "90 years or over"
    if years >= 2:
        return f"{int(years)} years"
    for unit, per_year in (("month", 12), ("week", 52.18), ("day", 365.25)):  # "0 months" for 3 weeks (a re-check)
        n = int(years * per_year)
        if n >= 1 or unit == "day":
            return f"{n} {unit}{'' if n == 1 else 's'}"
    return ""


def metadata(ds: Dataset) -> dict[str, str]:
    """What a clinician checks first, in plain labels, as the uploaded file has it (descriptions included): shown only
    to the clinician who uploaded it, never stored or saved to a case (the stored file is de-identified)."""
    def get(keyword: str) -> str:
        try:
            value = ds.get(keyword)
        except Exception:  # noqa: BLE001 - a damaged element is shown as such, not a crash
            return "(unreadable)"
        return "" if value is None else str(value)

    def mm(values) -> str:
        try:
            return " x ".join(f"{float(s):g}" for s in values)
        except (TypeError, ValueError):
            return str(values)

    age = patient_age_years(ds)
    try:
        spacing = ds.get("PixelSpacing") or ds.get("ImagerPixelSpacing")
    except Exception:  # noqa: BLE001
        spacing = None
    return {k: v for k, v in {
        "Modality": get("Modality"), "Body part": get("BodyPartExamined"),
        "Study date": re.sub(r"^(\d{4})(\d{2})(\d{2})$", r"\1-\2-\3", get("StudyDate")),  # it read "20240501"
        "Patient age": age_text(age) if age is not None else "",
        "Study description": get("StudyDescription"), "Series description": get("SeriesDescription"),
        "Manufacturer": get("Manufacturer"), "Model": get("ManufacturerModelName"),
        "Rows x columns": f"{get('Rows')} x {get('Columns')}", "Frames": get("NumberOfFrames") or "1",
        "Pixel spacing (mm)": mm(spacing) if spacing else "",
        "Bits stored": get("BitsStored"), "Photometric interpretation": get("PhotometricInterpretation"),
        "Rescale": f"slope {get('RescaleSlope') or 1}, intercept {get('RescaleIntercept') or 0}",
        "Transfer syntax": getattr(getattr(ds, "file_meta", None), "TransferSyntaxUID", None) and
        ds.file_meta.TransferSyntaxUID.name or "",
    }.items() if v}
