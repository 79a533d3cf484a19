"""Results back to the PACS: a Secondary Capture with the explanation burned in, and a Comprehensive SR.

Both go into the study of the analysed image, each in a new series, marked derived, with the
model's name and version and "not for diagnostic use" in the Series Description and medapp's build in
Software Versions; the Secondary Capture also carries these words in its pixels, beside the colour bar of
the overlay, with a short caution when the result has warnings (all of them in its ImageComments and the SR).
"""
from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import highdicom as hd
import numpy as np
import pydicom
from PIL import Image, ImageDraw, ImageFont
from pydicom.dataset import Dataset
from pydicom.sr.codedict import codes
from pydicom.uid import PYDICOM_ROOT_UID, generate_uid

from ..analysis import Analysis
from ..build import build_id
from ..config import uid_root
from ..modalities.imaging.io import ImageInput
from ..render.image import displayed_map
from ..render.numbers import precise_percent, scale_text
from ..reports.content import warnings_in_words
from ..types import NOT_ASSESSED, InputError, ModelCard
from .client import PacsClient

log = logging.getLogger(__name__)

DISCLAIMER = "NOT FOR DIAGNOSTIC USE"
MANUFACTURER = "medapp"
MAX_SIDE, MIN_SIDE = 1024, 512  # the Secondary Capture's image side (longest)
SC_SERIES_NUMBER, SR_SERIES_NUMBER = 9901, 9902
RED, BLUE = np.array([192, 57, 43], float), np.array([36, 113, 163], float)
MEDAPP_SCHEME = "99MEDAPP"  # private coding scheme for concepts DICOM has no code for
CAUTION_COLOUR = (255, 140, 0)  # the burned-in caution: apart from the disclaimer's yellow and the finding's white
MAX_CAUTION_LINES = 2  # burned in; every warning is in ImageComments and the SR


def software_versions() -> str:
    """Software Versions (0018,1020) of both objects: the code that made the result, as a saved analysis records it.
    One value: a second ("medapp", "0.2.0+...") would read as a second component of the software."""
    return f"{MANUFACTURER} {build_id()}"[:64]  # LO


def cautions(pred, card: ModelCard) -> list[str]:
    """The result's warnings as the CLI and the API give them (untested ages included), less those the finding
    already gives: an image not assessed is sent with its reasons as the finding."""
    said = () if pred.fits or pred.fit is None else pred.fit.reasons
    return [w for w in warnings_in_words(card, pred) if not any(r and w.startswith(r) for r in said)]


def caution_lines(warnings: list[str]) -> list[str]:
    """What the picture says of the warnings, in a line each: up to the first bracket or full stop ("The image is
    unlike the training images"), at most MAX_CAUTION_LINES, the last naming how many more the report holds. A
    Secondary Capture read "Finding: normal 66.8%" with no word of them (a labelling audit)."""
    short = [w.split(" (")[0].split(". ")[0].rstrip(".") for w in warnings]
    if len(short) > MAX_CAUTION_LINES:
        more = len(short) - MAX_CAUTION_LINES + 1
        short = short[:MAX_CAUTION_LINES - 1] + [f"{more} more warnings: read them in the AI report"]
    return [f"CAUTION: {line}" for line in short]


@dataclass(frozen=True)
class SentResult:
    study_uid: str
    source_sop_uid: str
    sc_series_uid: str
    sc_sop_uid: str
    sr_series_uid: str
    sr_sop_uid: str


def is_medapp_result(series: dict[str, Any]) -> bool:
    """A series medapp sent back: its series number and the disclaimer that ends its description."""
    return series.get("number") in (SC_SERIES_NUMBER, SR_SERIES_NUMBER) and \
        (series.get("description") or "").endswith(" - not for diagnostic use")


def series_description(card: ModelCard, what: str) -> str:
    """At most 64 characters (LO): model id, version, what it is, and the disclaimer, which is never cut."""
    tail = f" v{card.version} {what} - not for diagnostic use"
    return card.id[: 64 - len(tail)] + tail


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for name in ("DejaVuSans-Bold.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"):
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    return ImageFont.load_default(size)


def _diverging(v: np.ndarray, opacity: float) -> tuple[np.ndarray, np.ndarray]:
    """Colour and alpha for values in -1..1: blue away, red toward, transparent near zero (as on screen)."""
    colour = np.where(v[..., None] >= 0, RED, BLUE)
    alpha = opacity * np.clip(np.abs(v), 0, 1) ** 0.7
    return colour, alpha


def overlay_pixels(x: ImageInput, analysis: Analysis, card: ModelCard, shown_map: tuple[np.ndarray, float],
                   opacity: float = 0.6) -> np.ndarray:
    """RGB uint8: the image with the heatmap, a colour bar with its scale, the finding and the disclaimer.
    `shown_map`: the page's map and colour limit (`displayed_map`)."""
    expl, pred = analysis.explanation, analysis.prediction
    grey = np.asarray(x.grey, dtype=np.float64)
    step = int(np.ceil(max(grey.shape) / MAX_SIDE))
    grey = np.clip(grey[::step, ::step], 0, 1)
    if max(grey.shape) < MIN_SIDE:  # small images are enlarged so the burned-in text stays legible
        factor = MIN_SIDE / max(grey.shape)
        size = (round(grey.shape[1] * factor), round(grey.shape[0] * factor))
        grey = np.asarray(Image.fromarray(grey.astype(np.float32), mode="F").resize(size, Image.BILINEAR), float)
    h, w = grey.shape
    # the page's map and colour limit (SHAP per displayed block, 99th percentile), stretched over this canvas:
    # scaled to its own maximum the sent map was washed out beside a different scale from the page's
    blocks, lim = shown_map
    heat = np.asarray(Image.fromarray(blocks.astype(np.float32), mode="F").resize((w, h), Image.NEAREST), float)
    colour, alpha = _diverging(heat / lim, opacity)
    image = grey[..., None] * 255 * (1 - alpha[..., None]) + colour * alpha[..., None]

    unit = max(12, max(h, w) // 40)  # text and bar scale with the image
    said = caution_lines(cautions(pred, card))
    # room for "≥+0.00031" beside the bar (it was cut), and a line for each caution above the image
    bar_w, panel_w, top = unit * 2, unit * 9, unit * 5 + round(unit * 1.2 * len(said))
    canvas = Image.new("RGB", (w + panel_w, h + top), (0, 0, 0))
    canvas.paste(Image.fromarray(np.clip(image, 0, 255).round().astype(np.uint8)), (0, top))
    draw = ImageDraw.Draw(canvas)
    big, small = _font(int(unit * 1.4)), _font(int(unit * 0.85))
    white = (255, 255, 255)

    def line(xy: tuple[int, int], text: str, font: Any, fill: tuple[int, ...], width: int) -> None:
        while text and draw.textlength(text, font=font) > width:  # cut, never spill off the canvas
            text = text[:-2] + "…"
        draw.text(xy, text, fill=fill, font=font)

    full = w + panel_w - unit
    line((unit // 2, unit // 4), DISCLAIMER, big, (255, 210, 0), full)
    line((unit // 2, int(unit * 2.0)), f"{card.name} v{card.version}", small, white, full)
    line((unit // 2, int(unit * 3.3)), f"Finding: {finding(pred)}" + (f" {precise_percent(pred.probability)}" if pred.fits else "")
         + f" · {expl.method}", small, white, full)
    for i, caution in enumerate(said):
        line((unit // 2, int(unit * (4.5 + 1.2 * i))), caution, small, CAUTION_COLOUR, full)
    # colour bar: red (toward the finding) at the top, blue (away) at the bottom
    x0 = w + unit // 2
    bar_top, bar_bottom = top + int(unit * 3.3), top + h - unit * 2
    ramp = np.linspace(1, -1, max(bar_bottom - bar_top, 2))
    bar_colour, bar_alpha = _diverging(ramp, 1.0)
    bar = 255 * (1 - bar_alpha[:, None]) + bar_colour * bar_alpha[:, None]
    canvas.paste(Image.fromarray(np.repeat(bar[:, None, :], bar_w, axis=1).round().astype(np.uint8)), (x0, bar_top))
    label_x, label_w = x0 + bar_w + unit // 4, panel_w - bar_w - unit
    line((x0, top + unit // 4), "SHAP", small, white, panel_w - unit)
    line((x0, top + int(unit * 1.1)), "toward", small, tuple(int(c) for c in RED + 40), panel_w - unit)
    line((x0, top + int(unit * 1.9)), expl.target_display, small, tuple(int(c) for c in RED + 40), panel_w - unit)
    line((label_x, bar_top - unit // 3), f"≥+{scale_text(lim)}", small, white, label_w)  # full colour beyond, as on the page
    line((label_x, (bar_top + bar_bottom) // 2 - unit // 2), "0", small, white, label_w)
    line((label_x, bar_bottom - unit), f"≤-{scale_text(lim)}", small, white, label_w)
    line((x0, bar_bottom + unit // 4), "away", small, tuple(int(c) for c in BLUE + 40), panel_w - unit)
    return np.asarray(canvas)


def _uid() -> str:
    """A new UID under the installation's root (MEDAPP_UID_ROOT), else pydicom's."""
    return generate_uid(prefix=uid_root() or PYDICOM_ROOT_UID)


def _source(data: bytes) -> Dataset:
    return pydicom.dcmread(io.BytesIO(data), force=True)


def _now() -> tuple[str, str]:
    now = datetime.now(UTC)
    return now.strftime("%Y%m%d"), now.strftime("%H%M%S")


def secondary_capture(source: Dataset, x: ImageInput, analysis: Analysis, card: ModelCard) -> hd.sc.SCImage:
    if analysis.explanation is None:
        raise InputError("There is no explanation to send: analyse the image with its explanation first.")
    shown_map = displayed_map(analysis.explanation, x.grey.shape)
    pixels = overlay_pixels(x, analysis, card, shown_map)
    given = tuple(source.get("PatientOrientation", []) or ())
    orientation = given or ("L", "F")  # highdicom needs one for a patient image; emptied below when not given
    sc = hd.sc.SCImage.from_ref_dataset(
        ref_dataset=source, pixel_array=pixels, photometric_interpretation="RGB", bits_allocated=8,
        coordinate_system="PATIENT", patient_orientation=tuple(orientation[:2]),
        series_instance_uid=_uid(), series_number=SC_SERIES_NUMBER, sop_instance_uid=_uid(),
        instance_number=1, manufacturer=MANUFACTURER, software_versions=software_versions(),
        transfer_syntax_uid=pydicom.uid.ExplicitVRLittleEndian)
    if not given:  # Type 2, empty when unknown: "L\\F" claimed what the source never stated (an ultrasound, a review)
        sc.PatientOrientation = ""
    day, time = _now()
    sc.SeriesDescription = series_description(card, "SHAP")
    sc.ImageType = ["DERIVED", "SECONDARY"]
    lim = shown_map[1]
    sc.DerivationDescription = (f"{card.name} v{card.version} ({card.id}); {analysis.explanation.method} overlay "
                                f"toward '{analysis.explanation.target_display}', full colour beyond ±{scale_text(lim)} (as "
                                f"on screen). {DISCLAIMER}. {ModelCard.DEMO_NOTICE}")[:1024]
    pred = analysis.prediction
    # every warning, in full, as the SR gives them (only the untested ages were here: a labelling audit)
    warned = " ".join(f"Caution: {w.rstrip('.')}." for w in cautions(pred, card))
    sc.ImageComments = (f"Finding: {finding(pred)}" + (f" ({precise_percent(pred.probability)})" if pred.fits else "")
                        + (f" in {_frame_words(x)}" if x.n_frames > 1 else "") + "."
                        + (f" {warned}" if warned else "") + f" {DISCLAIMER}.")[:10240]
    for keyword in PATIENT_IDENTITY:  # as the SR carries them: a PACS that keys patients on ID and issuer filed the
        if keyword in source:       # Secondary Capture apart from its source (a PACS administrator's review)
            sc[keyword] = source[keyword]
    sc.BurnedInAnnotation = "YES" if str(source.get("BurnedInAnnotation", "")).upper() == "YES" else "NO"
    sc.SeriesDate, sc.SeriesTime, sc.ContentDate, sc.ContentTime = day, time, day, time
    ref = Dataset()
    ref.ReferencedSOPClassUID, ref.ReferencedSOPInstanceUID = source.SOPClassUID, source.SOPInstanceUID
    if x.n_frames > 1:  # the frame analysed, not the whole instance (frames 1 and 3 were normal, 2 pneumonia)
        ref.ReferencedFrameNumber = x.frame + 1
    sc.SourceImageSequence = [ref]
    return sc


# Patient identification the source carries beyond what highdicom copies (name, ID, birth date, sex)
PATIENT_IDENTITY = ("IssuerOfPatientID", "IssuerOfPatientIDQualifiersSequence", "OtherPatientIDsSequence")
# Type 2 attributes highdicom reads from the source; an archive's image may lack them (an image without a Patient ID
# stopped the page with a traceback at Send): present and empty, as the standard allows
_TYPE_2 = ("PatientID", "PatientName", "PatientBirthDate", "PatientSex", "StudyDate", "StudyTime", "StudyID",
           "AccessionNumber", "ReferringPhysicianName")


def _frame_words(x: ImageInput) -> str:
    return f"frame {x.frame + 1} of {x.n_frames}"


def not_assessed_reason(pred) -> str:
    fit = pred.fit
    return "" if fit is None else (fit.message or " ".join(fit.reasons))


def finding(pred) -> str:
    """What a result sent to the archive calls the finding: the model's label, or "not assessed" and why when the
    image does not fit the model (an MR slice sent to the chest model was written back as "Finding: pneumonia")."""
    if pred.fits:
        return pred.label
    why = not_assessed_reason(pred)
    return NOT_ASSESSED + (f": {why}" if why else "")


def _text(name: hd.sr.CodedConcept | Any, value: str) -> hd.sr.TextContentItem:
    return hd.sr.TextContentItem(name=name, value=value[:1024], relationship_type="CONTAINS")


def structured_report(source: Dataset, sc: Dataset, analysis: Analysis, card: ModelCard) -> hd.sr.ComprehensiveSR:
    pred, expl = analysis.prediction, analysis.explanation
    frames = [int(r.ReferencedFrameNumber) for r in sc.SourceImageSequence if "ReferencedFrameNumber" in r] or None
    items: list[Any] = [
        _text(codes.DCM.Finding, finding(pred)),
        *[hd.sr.NumContentItem(
            name=hd.sr.CodedConcept(f"P-{i}", MEDAPP_SCHEME, f"Probability of {label}"[:64]),
            value=round(float(p), 6), unit=hd.sr.CodedConcept("1", "UCUM", "no units"),
            relationship_type="CONTAINS") for i, (label, p) in enumerate(pred.as_dict().items())],
        _text(codes.DCM.AlgorithmName, f"{card.name} ({card.id})"),
        _text(codes.DCM.AlgorithmVersion, card.version),
        _text(hd.sr.CodedConcept("EXPL-METHOD", MEDAPP_SCHEME, "Explanation method"),
              f"{expl.method}, toward '{expl.target_display}', values in {expl.output_space}" if expl else "none"),
        # the CLI's and the API's warnings (the untested ages among them), one path for all three
        *[_text(codes.DCM.Comment, f"Warning: {w}") for w in warnings_in_words(card, pred)],
        _text(codes.DCM.Comment, f"{DISCLAIMER}. {ModelCard.DEMO_NOTICE}"),
        hd.sr.ImageContentItem(name=codes.DCM.SourceImage, referenced_sop_class_uid=source.SOPClassUID,
                               referenced_sop_instance_uid=source.SOPInstanceUID, relationship_type="CONTAINS",
                               referenced_frame_numbers=frames),
        hd.sr.ImageContentItem(name=hd.sr.CodedConcept("EXPL-IMAGE", MEDAPP_SCHEME, "Explanation overlay"),
                               referenced_sop_class_uid=sc.SOPClassUID,
                               referenced_sop_instance_uid=sc.SOPInstanceUID, relationship_type="CONTAINS"),
    ]
    root = hd.sr.ContainerContentItem(name=codes.LN.DiagnosticImagingReport)
    root.ContentSequence = hd.sr.ContentSequence(items, is_root=False)
    sr = hd.sr.ComprehensiveSR(
        evidence=[source, sc], content=root, series_instance_uid=_uid(), series_number=SR_SERIES_NUMBER,
        sop_instance_uid=_uid(), instance_number=1, manufacturer=MANUFACTURER,
        software_versions=software_versions(), is_complete=True,
        is_final=False, is_verified=False)
    sr.SeriesDescription = series_description(card, "AI report")
    return sr


def build_result_objects(data: bytes, x: ImageInput, analysis: Analysis, card: ModelCard) -> tuple[Dataset, Dataset]:
    """The Secondary Capture and the SR for one analysed instance (its DICOM bytes, input and analysis)."""
    source = _source(data)
    if "StudyInstanceUID" not in source or "SOPInstanceUID" not in source:
        raise InputError("The analysed image has no study or instance UID; its result cannot be filed in the PACS.")
    for keyword in _TYPE_2:
        if keyword not in source:
            setattr(source, keyword, "")
    try:
        sc = secondary_capture(source, x, analysis, card)
        return sc, structured_report(source, sc, analysis, card)
    except (AttributeError, ValueError, TypeError, KeyError) as exc:  # highdicom's checks of the source's header
        log.warning("result objects could not be built from %s: %s: %s", source.get("SOPInstanceUID", "?"),
                    type(exc).__name__, exc)
        raise InputError("The result cannot be written as DICOM for this image: its header lacks or misstates "
                         f"something the Secondary Capture and Structured Report copy from it ({type(exc).__name__}: "
                         f"{str(exc)[:200]}). Nothing was sent.") from None


def earlier_results(client: PacsClient, study_uid: str, source_sop: str, frame: int | None,
                    card: ModelCard) -> list[str]:
    """When this model's results for this image (and frame) were sent to the study before, as "2026-12-07 10:02"
    (newest first): a send that timed out had in fact been stored, and a new session sent the same result again,
    three pairs for two images (a PACS administrator's review). Read from the Secondary Captures' headers."""
    found = []
    for series in client.series(study_uid):
        if not (is_medapp_result(series) and series.get("number") == SC_SERIES_NUMBER
                and (series.get("description") or "").startswith(f"{card.id} v")):
            continue
        for ds in client.series_metadata(study_uid, series["series_uid"]):
            for ref in ds.get("SourceImageSequence", []):
                same_frame = frame is None or int(ref.get("ReferencedFrameNumber", 1) or 1) == frame + 1
                if str(ref.get("ReferencedSOPInstanceUID", "")) == source_sop and same_frame:
                    day, time = str(ds.get("ContentDate", "")), str(ds.get("ContentTime", ""))
                    found.append(f"{day[:4]}-{day[4:6]}-{day[6:8]} {time[:2]}:{time[2:4]}" if len(day) == 8 else "")
    return sorted(found, reverse=True)


def send_result(client: PacsClient, data: bytes, x: ImageInput, analysis: Analysis, card: ModelCard, *,
                username: str, store: Any | None = None) -> SentResult:
    """Build both objects, store them with STOW-RS into the image's study, and audit who sent what where."""
    sc, sr = build_result_objects(data, x, analysis, card)
    study = str(sc.StudyInstanceUID)
    where = {"endpoint": client.endpoint.name, "url": client.endpoint.url}
    what = {"study": study, "source_sop": str(sc.SourceImageSequence[0].ReferencedSOPInstanceUID),
            "secondary_capture": str(sc.SOPInstanceUID), "structured_report": str(sr.SOPInstanceUID),
            "model": card.id, "version": card.version, "finding": finding(analysis.prediction),
            **({"frame": x.frame + 1, "frames": x.n_frames} if x.n_frames > 1 else {})}
    try:
        client.store([sc, sr], study)
    except InputError as exc:
        if store is not None:
            store.audit(username, "pacs.send_failed", f"pacs:{client.endpoint.name}", **where, **what,
                        reason=exc.message)
        raise
    if store is not None:
        store.audit(username, "pacs.send", f"pacs:{client.endpoint.name}", **where, **what)
    return SentResult(study, what["source_sop"], str(sc.SeriesInstanceUID), str(sc.SOPInstanceUID),
                      str(sr.SeriesInstanceUID), str(sr.SOPInstanceUID))
