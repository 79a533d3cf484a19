"""Which imaging model fits this image? Metadata first (DICOM modality, body part, photometric), then content.

Each model checks the image against its card (model.fit_check): modality, body part, colour, aspect,
contrast, and its own out-of-distribution score (distance of the image's features from its training
images, as a ratio to the 99th percentile of the training images). The model chosen is the one that
fits; when several fit, the one whose training images the image resembles most, if clearly so. Otherwise
the user is asked: no model is chosen, and no finding is headlined. An image without DICOM metadata that is
less like every model's training images than 99% of them is never given a finding automatically.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ...types import score_and_threshold
from .io import ImageInput

# The out-of-distribution score is flagged above the card's threshold (99th percentile of the training
# images); above this multiple of it the image is treated as not fitting the model at all.
NOT_FIT_OOD_RATIO = 1.5

# Several models fit: the closest is chosen only when its out-of-distribution ratio is this much lower.
CLEAR_MARGIN = 0.8


@dataclass(frozen=True)
class Choice:
    model_id: str | None  # None: ask the user
    reason: str
    checks: dict[str, dict[str, Any]] = field(default_factory=dict)  # model id -> fit_check result
    unlike_all: str | None = None  # why no model may headline a finding for this image (unlike_every_model)


def unlike_every_model(x: ImageInput, checks: dict[str, dict[str, Any]], names: dict[str, str]) -> str | None:
    """Why no model is chosen, or headlines a finding, automatically: an image that says nothing of what it is (no
    DICOM modality or body part) and is less like every model's training images than 99% of them. A model alone
    accepts such an image with a caution (below its refusal limit), so a photograph of a building was "pneumonia
    60.2%" once picked (a review: out-of-distribution ratios 1.26 chest, 1.15 breast) and a grey photograph of a
    flower went to the breast model (1.33; the chest model refused it). None when the image resembles some
    model's training images, or no model accepts it (choose says why)."""
    if x.modality or x.meta.get("Body part") or len(checks) < 2 or not any(c["fits"] for c in checks.values()):
        return None
    if not all(c["ood_ratio"] > 1 for c in checks.values()):
        return None
    ratios = ", ".join(f"{names[mid]} {c['ood_ratio']:.2f}" for mid, c in checks.items())
    return ("The image is less like the training images of every imaging model than 99% of those images are "
            f"(out-of-distribution score as a multiple of each model's 99% bar: {ratios}), and it carries no DICOM "
            "modality or body part: it may not be an examination these models read. No finding is given for it.")


def choose(x: ImageInput, models: list) -> Choice:
    checks = {m.card.id: m.fit_check(x) for m in models}
    names = {m.card.id: m.card.name for m in models}
    fitting = sorted((c["ood_ratio"], mid) for mid, c in checks.items() if c["fits"])
    if not fitting:
        # each reason is a sentence: its full stop dropped inside the brackets (it read ".);" and ".).")
        why = "; ".join(f"{names[mid]}: {c['reasons'][0].rstrip('.')}" for mid, c in checks.items() if c["reasons"])
        return Choice(None, f"The image does not fit any imaging model ({why}). Choose a model to see its output; "
                            "it is shown without a headline finding.", checks)
    unlike = unlike_every_model(x, checks, names)
    if unlike is not None:  # asked, and a model picked by hand shows its output as no finding (ui/imaging.py)
        return Choice(None, unlike + " Choose a model below to see its output, not as a finding; if you know what "
                                     "the examination is, choose its model at the top of the page (Model) instead: "
                                     "that model's own checks then decide (a finding with a caution, or none where "
                                     "the image is too unlike its training images).", checks, unlike)
    if len(fitting) == 1 or fitting[0][0] <= CLEAR_MARGIN * fitting[1][0]:
        ratio, mid = fitting[0]
        m = checks[mid]
        meta = []
        if x.modality:
            meta.append(f"DICOM modality {x.modality}")
        body = x.meta.get("Body part")
        if body:
            meta.append(f"body part {body}")
        basis = ", ".join(meta) + ("; " if meta else "")
        shown, below = score_and_threshold(m["ood_score"], m["ood_threshold"])
        score = f"out-of-distribution score {shown}; 99% of its training images score below {below}"
        # between the threshold and the refusal limit the model still fits, with a caution: say so, not "resembles"
        # above the threshold the caution under the result gives the score: not repeated here
        likeness = (f"the image resembles its training images ({score})" if m["ood_score"] <= m["ood_threshold"] else
                    # "within what it accepts" read as all clear beside the caution that followed it
                    "the image is less like its training images than 99% of them; it is analysed, but see the "
                    "caution with the result")
        return Choice(mid, f"{names[mid]}: {basis}{likeness}"
                           + ("" if len(fitting) == 1 else "; closer than to the other models' training images") + ".",
                      checks)
    return Choice(None, "The image fits more than one imaging model equally well; choose the model that matches "
                        "the examination.", checks)
