"""What a case report says, shared by the HTML and PDF writers."""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import NamedTuple

from ..registry import UnknownModel
from ..render.numbers import band_text, headline_percent, precise_percent
from ..render.stored import card_of
from ..types import NOT_ASSESSED, ModelCard, Prediction

DISCLAIMER = (
    "This report was produced by medapp, a demonstration workbench. " + ModelCard.DEMO_NOTICE + " Model outputs and "
    "their explanations describe how a model trained on a small public dataset responds to the input; they are not "
    "findings and do not replace the judgement of the clinicians responsible for the patient."
)


# A lung recording is kept with the heart model's output, but no model assessed it: the heart model's intended use
# printed under it read as if that model applied (a review)
NO_LUNG_MODEL = ("No model assessed this recording: there is no lung-sound model in this app, and the heart-sound "
                 "model does not apply to lung sounds. It is kept for the meeting with its annotated cycles.")


def analysis_heading(analysis: dict, number: tuple[int, int] | None = None) -> str:
    """"Analysis 2 of 3 · Heart disease (UCI Cleveland) · heart-disease v1.2.0": its place in the case (`number`),
    then the model as the analysis pages name it and its id and version. The record's own number (#5) headed it and
    was read as a count (a clinician's review); pages and reports give it after, as "record #5"."""
    from ..render.stored import is_lung_recording

    try:
        named = f"{card_of(analysis).name} · "
    except UnknownModel:  # a model no longer registered keeps its id
        named = ""
    if is_lung_recording(analysis["prediction"]):  # kept with the heart model's output, which is not a finding
        named = "Lung recording (not classified) · "
    place = f"Analysis {number[0]} of {number[1]} · " if number else ""
    return f"{place}{named}{analysis['model_id']} v{analysis['model_version']}"


def card_change_note(analysis: dict) -> str | None:
    """Said beside a saved analysis whose model's card is not the one it was made with: the analysis is worded from
    its own card (kept by the store), and the reader should know a newer one exists; or, for analyses saved before
    cards were kept, that the words around it are today's card's."""
    from ..registry import get_card

    try:
        now = get_card(analysis["model_id"])
    except UnknownModel:
        return None
    kept, saved = analysis.get("card"), analysis["model_version"]
    if kept is None:
        return (f"Saved with v{saved}; the card of then was not kept, so the names, bands and intended use shown "
                f"here are today's v{now.version}." if now.version != saved else None)
    if kept.text() == now.text():  # the kept text is the one its SHA-256 names: compared, not hashed at each draw
        return None
    if now.version != kept.version:
        return (f"This model is v{now.version} now; this analysis is shown as it was made, with the card of "
                f"v{kept.version}.")
    return (f"This model's card (v{now.version}) has changed since this analysis was saved; it is shown as it was "
            "made, with the card of then.")


def intended_use_line(analysis: dict) -> tuple[str, str]:
    """(heading, text) of the report's intended-use line for a stored analysis."""
    from ..render.stored import is_lung_recording

    if is_lung_recording(analysis["prediction"]):
        return "Model", NO_LUNG_MODEL
    try:
        return "Intended use of this model", card_of(analysis).intended_use
    except UnknownModel:
        return "Intended use of this model", "(model no longer registered on this server)"


def cycle_lines(analysis: dict) -> tuple[str, list[str]] | None:
    """A recording saved with annotated respiratory cycles: their summary and one line per cycle, as the audio
    page listed them (the saved analysis kept only the shading), or None."""
    from ..render.stored import cycle_rows, cycles_text, stored_recording

    recording = stored_recording(analysis["prediction"])
    summary = cycles_text(recording) if recording is not None else None
    if summary is None:
        return None
    return summary, [f"Cycle {r['cycle']}: {r['start (s)']:.2f}-{r['end (s)']:.2f} s, {r['finding']}"
                     for r in cycle_rows(recording)]


def generated_line(by: str) -> str:
    """When, by whom and by which code a report was drawn: its wording around each analysis (close calls, notes on
    the card) is today's code's, named beside each analysis's own (a quality auditor's re-check)."""
    from ..build import build_id

    return f"Generated {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by {by} with medapp {build_id()}."


# What a page calls an input its model does not fit, where it is not "not assessed" (the genomics page says "Not
# classified"; Cases, Meeting mode and the reports said "not assessed" of the same profile)
NOT_ASSESSED_WORDING = {"genomics": "not classified"}


def not_assessed(analysis: dict) -> str:
    return NOT_ASSESSED_WORDING.get(analysis.get("modality", ""), NOT_ASSESSED)


def class_probabilities_text(analysis: dict) -> str:
    """A stored analysis's classes with their probabilities ("pneumonia 91.2%, normal 8.8%"), at most five; for an
    input the model does not fit, "not assessed" and why instead."""
    from ..render.stored import display_label

    pred = analysis["prediction"]
    if not pred.fits:  # e.g. a lung sound saved from the heart-sound page
        return f"{not_assessed(analysis)}: " + (pred.fit.message or "the input does not fit the model")
    return ", ".join(f"{display_label(analysis, label)} {listed_percent(pred, p)}"
                     for label, p in sorted(pred.as_dict().items(), key=lambda kv: -kv[1])[:5])


def listed_percent(pred, p: float) -> str:
    """A class probability in a stored analysis's list: a records model's calibrated probability is never exactly 0
    or 1 (log-odds +53.6 rounds to 1.0 in floats), so it reads ">99.9%" as on its page, not "100.0%"."""
    return precise_percent(never_certain(p) if pred.risk_band is not None else p)


class Headline(NamedTuple):
    what: str  # "Probability of diabetes", "Probability of death by 180 days"
    value: str  # "16%", "20% (95% band 15%-30%)"
    band: str  # the risk band, or the risk group of a time-to-event model
    band_kind: str  # "Risk band" (absolute, from the card) or "Risk group" (relative to the training patients)


def risk_headline(model: str | dict, pred) -> Headline | None:
    """How an analysis page heads a records or time-to-event result, for Cases, Meeting mode and the reports:
    the probability (records: never rounded across a band boundary) and its band or group; None for others."""
    from ..render.survival import horizon_text, risk_group_text

    curve = pred.survival
    if curve is not None:  # time to event: the event by the main horizon, as the survival panel heads it
        main = list(curve.horizons).index(curve.main_horizon)
        p, lo, hi = (1 - curve.at_horizons[main], 1 - curve.at_horizons_upper[main],
                     1 - curve.at_horizons_lower[main])
        return Headline(f"Probability of {curve.event} by {horizon_text(curve.main_horizon)}",
                        f"{headline_percent(p)} (95% band {band_text(lo, hi)})",
                        risk_group_text(curve.risk_group) if curve.risk_group else "",
                        "Risk group")
    try:
        card = card_of(model)
    except UnknownModel:
        return None
    meaning, bands = card.input.get("positive_meaning"), card.risk_bands
    positive = card.positive_label  # bands belong to yes/no models, which name it
    if pred.risk_band is None or not meaning or not bands or positive not in pred.labels:
        return None
    return Headline(f"Probability of {meaning}", band_percent_of(bands)(pred.probability_of(positive)),
                    pred.risk_band, "Risk band")


def page_percent(model: str | dict, expl) -> Callable[[float], str] | None:
    """How a records page writes the probability at its waterfall's end (`band_percent`, never "0%" or "100%"),
    for a stored analysis (or a model id: `card_of`); None (the waterfall's own wording) for a model without risk bands."""
    try:
        bands = card_of(model).risk_bands
    except UnknownModel:
        bands = []
    if expl.output_space != "log-odds" or not bands:
        return None
    return band_percent_of(bands)


def band_percent_of(bands) -> Callable[[float], str]:
    """`band_percent` for the card's `bands`, for a calibrated logistic probability: never exactly 0 or 1, so one
    that reads so was rounded by the floats (log-odds +53.6 is 1.0) and is shown as ">99.9%", not "100%"."""
    return lambda p: band_percent(never_certain(p), bands)


def never_certain(p: float) -> float:
    """A calibrated logistic probability that the floats rounded to 0 or 1, moved back inside (0, 1)."""
    return min(max(p, 1e-12), 1 - 1e-12)


def band_percent(p: float, bands) -> str:
    """A records probability as people read it: never "0%" or "100%" unless it is exactly that ("<0.1%", "0.3%",
    ">99.9%", as `headline_percent`), and never rounded across one of the card's risk bands (`percent_text`)."""
    from ..modalities.records.model import percent_text

    if 0 < p < 1:
        near = headline_percent(p)
        if near.startswith(("<", ">")):
            return near
        return percent_text(p, bands, 1 if p < 0.005 or p >= 0.995 else 0)
    return percent_text(p, bands)


def output_text(analysis: dict) -> str:
    """The model's output line: its label and probabilities, or only "not assessed" and why (a recording the model
    does not fit has a label from the model's classes that must not be read as a finding). A records model's line
    leads with the probability and risk band its page showed."""
    from ..render.stored import display_label

    pred = analysis["prediction"]
    if not pred.fits:
        return class_probabilities_text(analysis)
    # the label once, then every class's probability ("BL (Burkitt lymphoma) (BL (Burkitt lymphoma) 99.7%, ..."
    # said the label twice)
    label = display_label(analysis, analysis["label"])
    if pred.survival is None:  # a time-to-event analysis's two outcomes are its headline, in another precision
        label += f"; probabilities {class_probabilities_text(analysis)}"
    risk = risk_headline(analysis, pred)
    if risk is not None:
        band = f", {risk.band_kind.lower()} {risk.band}" if risk.band else ""
        return f"{risk.what} {risk.value}{band}; model label {label}"
    return label


# The pages that give an input-fit score beside the output, and what each calls it (the audio page gives its
# windows' verdicts in words only, so a stored recording gives none either)
FIT_SCORE_NAMES = {"imaging": "Out-of-distribution score", "genomics": "Distance score"}
FIT_SCORE_DECIMALS = {"genomics": 2}  # as the page writes it (0.05 read "0.1" on Cases and in the reports)


CLOSE_CALL = 0.15  # percentage points between the two most likely classes below which the answer is not clear
CLOSE_CALL_LEAD = "Not a clear answer"


def close_call(pred, label_text=str) -> str | None:
    """"Not a clear answer: neoplasms is 26%. ..." when the most likely class has less than half the probability or
    the next one is within CLOSE_CALL of it; None otherwise. Said on the notes page and, since a saved note lost it
    (its headline then read as a firm classification in the meeting: a review), on Cases, in Meeting mode and in
    the reports."""
    order = sorted(range(len(pred.labels)), key=lambda i: -pred.probabilities[i])
    if len(order) < 2:
        return None
    first, second = (float(pred.probabilities[i]) for i in order[:2])
    if first >= 0.5 and first - second >= CLOSE_CALL:
        return None
    return (f"{CLOSE_CALL_LEAD}: {label_text(pred.labels[order[1]])} is {headline_percent(second)}. The model spreads "
            "its probability over several classes: read each class's, not only the first.")


def survival_close_call(curve) -> str | None:
    """"Not a clear answer: ..." when the 95% band of the probability of the event by the main horizon holds 50%: the
    page and the case said "More likely at 180 days: death by 180 days" for 52% with a band of 26% to 72%, a coin
    flip stated as an outcome (a review); None otherwise."""
    main = list(curve.horizons).index(curve.main_horizon)
    p = 1 - curve.at_horizons[main]
    lo, hi = 1 - curve.at_horizons_upper[main], 1 - curve.at_horizons_lower[main]
    if not lo <= 0.5 <= hi:
        return None
    from ..render.survival import horizon_text

    by = horizon_text(curve.main_horizon)
    return (f"{CLOSE_CALL_LEAD}: the 95% band of the probability of {curve.event} by {by} ({band_text(lo, hi)}) "
            f"reaches across 50%, so either outcome at {by} is within the model's uncertainty; the label says only "
            f"which side of 50% the estimate ({headline_percent(p)}) falls on.")


def untested_ages_note(pred: Prediction) -> str | None:
    """An image analysis without the patient's age: what ages the model was trained on (ImagingModel.untested_ages),
    said beside a finding on the page, on Cases, in Meeting mode and in the reports (a saved adult film read
    "normal 66.8%" there without it: a re-check); None when the image was not assessed or gave an age."""
    note = (pred.details or {}).get("untested_ages")
    return note if pred.fits and isinstance(note, str) else None


def close_call_markdown(said: str) -> str:
    """The close call as the pages write it: its lead in bold."""
    return said.replace(CLOSE_CALL_LEAD, f"**{CLOSE_CALL_LEAD}**", 1)


def stored_close_call(analysis: dict) -> str | None:
    """The close call of a stored notes or time-to-event analysis (as their pages say it), or None."""
    from ..render.stored import display_label

    pred = analysis["prediction"]
    if pred.survival is not None and pred.fits:
        return survival_close_call(pred.survival)
    if analysis.get("modality") != "notes" or not pred.fits:
        return None
    return close_call(pred, lambda label: display_label(analysis, label))


def warnings_in_words(card: ModelCard, pred: Prediction) -> list[str]:
    """A result's warnings for readers of text alone (the CLI, the API, the PACS objects): its own, then what the
    pages say beside the headline: the untested-ages caution and the close call. A survival row whose band crossed
    50% and a note spread over three classes were "Not a clear answer" on the page but had `warnings: []` in the CLI
    and the API (a clinical-safety review); an adult chest film without an age got the paediatric model's finding
    there with no word of the ages it was trained on (a labelling audit). The pages say these two themselves."""
    close = stored_close_call({"prediction": pred, "modality": card.modality, "model_id": card.id, "card": card})
    return [*pred.warnings, *[said for said in (untested_ages_note(pred), close) if said is not None]]


def decision_text(analysis: dict) -> str:
    """What the analysis page said beside its output and the Cases page, Meeting mode and the reports left out
    until 2026-12-03: the probability at which the positive label is called, and the score that decides whether
    the input looks like the training data (not repeated where a warning already gives it)."""
    from ..render.stored import display_label

    pred, parts = analysis["prediction"], []
    try:
        positive = card_of(analysis).positive_label
    except UnknownModel:
        positive = None
    if pred.fits and pred.threshold is not None and positive in pred.labels:
        others = "" if len(pred.labels) == 2 else "; otherwise the more probable of the other labels"
        parts.append(f"Called {display_label(analysis, positive)} at a probability of {pred.threshold:.0%} or "
                     f"more{others}.")
    fit, name = pred.fit, FIT_SCORE_NAMES.get(analysis.get("modality", ""))
    if name and fit is not None and fit.score is not None and fit.threshold is not None \
            and not any(name.lower() in w.lower() for w in pred.warnings):
        parts.append(f"{name} {fit.score_text(FIT_SCORE_DECIMALS.get(analysis['modality'], 1))}.")  # as the page
    return " ".join(parts)


def report_warnings(analysis: dict) -> list[str]:
    """The analysis's warnings, less the one its output line already gives (a profile unlike every training class
    was said twice, as the output and as a warning)."""
    pred = analysis["prediction"]
    said = class_probabilities_text(analysis) if not pred.fits else ""
    patient = [other_patient_text(analysis)] if analysis.get("other_patient_id") else []
    return patient + [w for w in pred.warnings if not (said and w in said)]


def other_patient_text(analysis: dict) -> str:
    """Said wherever a reviewer sees an input saved although its patient ID differed from the case's."""
    return (f"Its DICOM Patient ID differs from that of this case's first image; {analysis['author']} saved it as "
            "the same patient under another ID.")


def contributions_heading(analysis: dict) -> str:
    """What the contributions line is: for an input the model does not fit, only a reference, never a finding."""
    expl = analysis["explanation"]
    # signed: a list headed "toward 'earlier death'" and made of negative values read as a contradiction (a review)
    toward = f"contributions (+ toward '{expl.target_display}', - away from it)"
    if expl.kind == "image":  # "upper right of the image: +2.02" beside a colour bar of +-0.0057 read as a misprint
        toward = toward[:-1] + f"; each the sum over a ninth of the image, in {expl.output_space})"
    if not analysis["prediction"].fits:
        return f"Not assessed; for reference only, the largest {toward}"
    return f"Largest {toward}"


def listed_method(expl) -> str:
    """The method of the contributions the reports list: a time-to-event explanation's are the risk score's, so its
    over-time method is left out (the heading named both and listed one: a review)."""
    over_time = isinstance(expl.data, dict) and "over_time" in expl.data
    return expl.method.split("; ")[0] if over_time else expl.method


def contributions_text(analysis: dict, k: int = 5) -> str:
    """The explanation's largest named contributions, e.g. "glucose = 160 mg/dL: +0.84; age = 63 years: +0.31"."""
    expl = analysis["explanation"]
    if expl is None:
        return ""
    pairs = expl.top_contributions(k)
    # as the page writes them: the waterfall's and the top genes' two decimals for records and genes (the report
    # read -0.785 beside the page's -0.79, a gene's +0.503 beside +0.50); three significant digits for the small
    # values of images, sounds and words
    form = "+.2f" if expl.kind in ("tabular", "genomics") else "+.3g"
    # a colon between a name and its contribution: a gene's value and contribution ran together ("V1764 = -2.21
    # -0.141" read as one expression; a review)
    return "; ".join(f"{name}: {value:{form}}" for name, value in pairs)


def submitted_values(analysis: dict) -> list[tuple[str, str]]:
    """Every value a record or a time-to-event analysis was given, as (name, value as the page wrote it): the
    waterfall names only its ten largest contributions ("14 other values"), and a reviewer asked what the others
    were. Empty for the other kinds (a profile's 2,308 genes are its file)."""
    expl = analysis["explanation"]
    display = (expl.data or {}).get("display") if expl is not None and expl.kind == "tabular" else None
    return list(zip(expl.feature_names, display)) if display and expl.feature_names else []


def values_heading(analysis: dict) -> str:
    """ "All 11 values given", or "8 values: 7 given, 1 not measured": "All 8 values given" stood over a list whose
    node count read "not measured (median 3 nodes used)" (a tumour-board review)."""
    n = len(submitted_values(analysis))
    given = (analysis["explanation"].data or {}).get("values") if analysis["explanation"] is not None else None
    missing = sum(v is None for v in given) if given is not None and len(given) == n else 0
    return f"All {n} values given" if not missing else f"{n} values: {n - missing} given, {missing} not measured"


def submitted_values_text(analysis: dict) -> str:
    """ "All 11 values given: Age 60 years; Sex male; ..."; empty when `submitted_values` is."""
    pairs = submitted_values(analysis)
    return f"{values_heading(analysis)}: " + "; ".join(f"{n} {v}" for n, v in pairs) + "." if pairs else ""


def header_line(detail: dict, by: str) -> str:
    # the disagreement flag and who closed the case, as the meeting's screen shows them (the reports had neither: a
    # review meeting's test)
    status = f"status: {detail['status']}" + (f" ({detail['closed_how']})" if detail.get("closed_how") else "")
    parts = [detail["title"], status, "disagreement flagged" if detail.get("disagreement") else "",
             f"created by {detail['created_by']} on {detail['created_at']:%Y-%m-%d}", generated_line(by)]
    return " · ".join(p for p in parts if p)


def verdict_when(verdict: dict) -> str:
    """ "2026-12-07 15:02 UTC", and the version when the reviewer changed it ("..., version 3")."""
    at = verdict.get("updated_at")
    when = f"{at:%Y-%m-%d %H:%M} UTC" if at is not None else ""
    return when + (f", version {verdict['version']}" if verdict.get("version", 1) > 1 else "")


def survival_text(analysis: dict) -> str:
    """A time-to-event analysis in words: risk score and the event probability by each horizon, with its band."""
    curve = analysis["prediction"].survival
    if curve is None:
        return ""
    from ..render.survival import horizon_text, risk_group_text

    # the page's and the headline's percent (":.0%" printed a band to "100%" beside the headline's "99.8%")
    by = "; ".join(f"by {horizon_text(h)} {headline_percent(1 - s)} (95% band {band_text(1 - hi, 1 - lo)})"
                   for h, s, lo, hi in
                   zip(curve.horizons, curve.at_horizons, curve.at_horizons_lower, curve.at_horizons_upper))
    group = f"; risk group: {risk_group_text(curve.risk_group)}" if curve.risk_group else ""
    return f"Probability of {curve.event}: {by}. Risk score {curve.risk_score:+.2f} (log relative hazard{group})."


def unexplained_note(analysis: dict, input_bytes: bytes | None) -> str | None:
    """The stored (de-identified) text of a note saved without an explanation: not assessed, it has no highlighted
    words to show it with, and Cases, Meeting mode and both reports showed no text at all (a browser review)."""
    if analysis.get("modality") != "notes" or analysis.get("explanation") is not None or not input_bytes:
        return None
    return input_bytes.decode("utf-8", errors="replace")


UNEXPLAINED_NOTE_HEADING = "De-identified note (not assessed by the model, so not explained)"


_INPUT_KINDS = {"imaging": "image", "audio": "recording", "notes": "note", "records": "patient's values",
                "survival": "patient's values", "genomics": "expression profile", "speech": "dictation"}
_FILE_TYPES = {".dcm": "DICOM", ".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".tif": "TIFF", ".tiff": "TIFF",
               ".bmp": "BMP", ".wav": "WAV", ".flac": "FLAC", ".ogg": "OGG", ".mp3": "MP3", ".webm": "WebM",
               ".txt": "text", ".pdf": "PDF", ".docx": "DOCX", ".csv": "CSV", ".tsv": "TSV", ".xlsx": "Excel"}


def input_label(stored_name: str) -> str:
    """A stored input's name in words, "image (DICOM), ref 595e5e78e0": Cases, Meeting mode and reports showed
    "genomics-595e5e78e0.csv", which meant nothing to a clinician (a review). The reference tells two inputs of a
    case apart, as the name did."""
    m = re.fullmatch(r"([a-z]+)-([0-9a-f]{10})(\.[a-z0-9]{1,5})?", stored_name)
    if m is None or m.group(1) not in _INPUT_KINDS:
        return stored_name
    kind, ref, suffix = _INPUT_KINDS[m.group(1)], m.group(2), m.group(3) or ""
    file_type = _FILE_TYPES.get(suffix)
    return f"{kind}{f' ({file_type})' if file_type else ''}, ref {ref}"
