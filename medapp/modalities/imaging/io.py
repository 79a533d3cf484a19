"""Image uploads to image inputs: PNG, JPEG, TIFF, BMP, DICOM (with or without preamble) and ZIPs of them.

The type is detected from the content, never the file name. Pictures are checked for their pixel
count before decoding (a 50000x50000 PNG is refused from its header, not after filling memory).
"""
from __future__ import annotations

import io
import logging
import zipfile
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, UnidentifiedImageError

from ...security import uploads
from ...types import InputError, ModelCard
from ..base import array_key
from . import dicom

log = logging.getLogger(__name__)
MAX_BYTES = uploads.upload_limit("imaging")
MAX_PICTURE_PIXELS = 40_000_000  # 40 megapixels
MAX_ZIP_MEMBERS = 500
# A picture is shown and explained at most this many pixels on its long side (a 6300 x 6300 PNG of 38 KB took the
# process to 3.4 GB as float64, a ZIP of eight to 10 GB: a security review); the models see 224 x 224.
MAX_SHOWN_SIDE = 4096
MAX_UPLOAD_PIXELS = 100_000_000  # all the images of one upload (a ZIP) together, as decoded
Image.MAX_IMAGE_PIXELS = MAX_PICTURE_PIXELS  # Pillow's own decompression-bomb guard, as a second line


@dataclass
class ImageInput:
    """One image as displayed: grey 0..1 (or RGB 0..1), plus what it came from."""

    name: str
    image: np.ndarray  # (rows, cols) or (rows, cols, 3), float 0..1, 0 = black
    source: str  # "dicom" or the picture format
    meta: dict[str, str] = field(default_factory=dict)
    modality: str | None = None  # DICOM Modality, when known
    frame: int = 0
    n_frames: int = 1
    window: tuple[float, float] | None = None
    burned_in_annotation: bool = False
    raw: bytes = b""  # the uploaded bytes (de-identified before storing)
    age_years: float | None = None  # the patient's age at the study, from the DICOM header, when it says

    @property
    def is_colour(self) -> bool:
        return self.image.ndim == 3

    @property
    def grey(self) -> np.ndarray:
        return self.image if self.image.ndim == 2 else self.image @ np.array([0.299, 0.587, 0.114])

    @property
    def key(self) -> str:
        """The analysis cache's key: the pixels, and what the fit checks and warnings read beside them
        (ImagingModel.fit_check, warnings_for). Pixels alone gave an image declaring no burned-in text the cached
        warning of the same pixels from a file that declared it (a test under load)."""
        context = (self.is_colour, self.modality, self.meta.get("Body part", ""),
                   self.meta.get("Photometric interpretation", ""), self.age_years, self.burned_in_annotation,
                   self.frame, self.n_frames)  # the explanation names its frame
        return array_key(self.grey, extra=repr(context), dtype=np.float32)


def detect(data: bytes) -> str:
    """'dicom', 'png', 'jpeg', 'tiff', 'bmp', 'zip', or 'unknown', from the content (the upload gate's sniffing)."""
    kind = uploads.sniff(data)
    return kind if kind in uploads.PROFILES["imaging"].accepts else "unknown"


def zip_members(data: bytes, name: str) -> list[tuple[str, bytes]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise InputError(f"{name} is a damaged ZIP archive.") from None
    infos = [i for i in archive.infolist() if not i.is_dir() and not i.filename.startswith("__MACOSX")]
    if len(infos) > MAX_ZIP_MEMBERS:
        raise InputError(f"{name} holds {len(infos)} files; the limit is {MAX_ZIP_MEMBERS}.")
    if sum(i.file_size for i in infos) > MAX_BYTES:
        raise InputError(f"{name} unpacks to more than {MAX_BYTES // 2**20} MB; send fewer images.")
    return [(f"{name}/{i.filename}", archive.read(i)) for i in sorted(infos, key=lambda i: i.filename)]


def _declared_size(data: bytes, kind: str) -> tuple[int, int] | None:
    """Width and height from a PNG header, read before Pillow is asked to open the file."""
    if kind == "png" and len(data) >= 24 and data[12:16] == b"IHDR":
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    return None


def _bomb(name: str, w: int, h: int) -> InputError:
    return InputError(f"{name} claims {w}x{h} pixels ({w * h / 1e6:.0f} megapixels); the limit is "
                      f"{MAX_PICTURE_PIXELS / 1e6:.0f}. It is refused as a possible decompression bomb.")


def _picture(data: bytes, name: str, kind: str) -> ImageInput:
    declared = _declared_size(data, kind)
    if declared and declared[0] * declared[1] > MAX_PICTURE_PIXELS:
        raise _bomb(name, *declared)
    try:
        img = Image.open(io.BytesIO(data))
        w, h = img.size
        if w * h > MAX_PICTURE_PIXELS:
            raise _bomb(name, w, h)
        img.load()
    except InputError:
        raise
    except Image.DecompressionBombError:
        raise InputError(f"{name} is too large to decode safely: refused as a possible decompression bomb.") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        # the decoder's words go to the log, not to the clinician ("(UnidentifiedImageError)": a review)
        log.info("an uploaded %s image could not be decoded: %s: %s", kind, type(exc).__name__, exc)  # no file name
        raise InputError(f"{name} is a damaged or truncated {kind.upper()} image: it cannot be shown or analysed. "
                         "Export it again from where it came from.") from None
    meta = {"Format": kind.upper(), "Size": f"{w} x {h}", "Mode": img.mode}
    if max(w, h) > MAX_SHOWN_SIDE:  # reduced before it becomes an array; the metadata keeps the file's own size
        img = _reduced(img, MAX_SHOWN_SIDE / max(w, h))
        meta["Shown at"] = f"{img.size[0]} x {img.size[1]}"
    if img.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        arr = np.asarray(img, dtype=np.float32)
        lo, hi = np.percentile(arr, [0.5, 99.5])
        grey = np.clip((arr - lo) / max(hi - lo, 1e-9), 0, 1)
        return ImageInput(name, grey, kind, meta, raw=data)
    if img.mode == "L":  # grey already: one channel, not three
        grey = np.asarray(img, dtype=np.float32)
        grey /= 255.0
        return ImageInput(name, grey, kind, meta, raw=data)
    rgb = np.asarray(img.convert("RGB"), dtype=np.float32)
    rgb /= 255.0
    mean = rgb.mean(axis=2)  # colour or grey, a channel at a time (no three-channel temporaries)
    spread = sum(float(np.abs(rgb[..., c] - mean).mean()) for c in range(3)) / 3
    image = rgb if spread > 0.02 else np.ascontiguousarray(rgb[..., 0])
    return ImageInput(name, image, kind, meta, raw=data)


def _too_many_pixels(name: str) -> InputError:
    return InputError(f"{name} holds images that add up to more than {MAX_UPLOAD_PIXELS / 1e6:.0f} megapixels as "
                      "decoded: send fewer or smaller images at a time.")


def _shown_pixels(data: bytes) -> int:
    """The pixels a picture will have once decoded and reduced (`MAX_SHOWN_SIDE`), from its header alone; 0 for
    DICOM and anything Pillow cannot size without decoding."""
    if detect(data) in ("dicom", "zip", "unknown"):
        return 0
    try:
        w, h = Image.open(io.BytesIO(data)).size  # reads the header only
    except Exception:  # noqa: BLE001 - a damaged picture is reported by decode itself
        return 0
    scale = min(1.0, MAX_SHOWN_SIDE / max(w, h, 1))
    return round(w * scale) * round(h * scale)


def _reduced(img: Image.Image, scale: float) -> Image.Image:
    """`img` scaled by `scale` (< 1), area-averaged, in a mode Pillow resizes."""
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        img = img.convert("I")
    elif img.mode not in ("L", "RGB", "F"):
        img = img.convert("RGB")
    size = (max(1, round(img.size[0] * scale)), max(1, round(img.size[1] * scale)))
    return img.resize(size, Image.Resampling.BOX)


def _dicom(data: bytes, name: str, frame: int = 0, centre: float | None = None, width: float | None = None) -> ImageInput:
    try:
        return _dicom_unchecked(data, name, frame, centre, width)
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001 - pydicom parses lazily: a damaged element can fail in many ways
        raise InputError(f"{name} is a damaged DICOM file ({type(exc).__name__}); it cannot be shown.") from None


def _dicom_unchecked(data: bytes, name: str, frame: int, centre: float | None, width: float | None) -> ImageInput:
    ds = dicom.read(data, name)
    frames = dicom.stored_pixels(ds, name)
    shown = dicom.display_frame(ds, frames, frame, centre, width)
    return ImageInput(name, shown.image, "dicom", dicom.metadata(ds), modality=str(ds.get("Modality", "")) or None,
                      frame=min(frame, len(frames) - 1), n_frames=len(frames),
                      window=(shown.centre, shown.width) if shown.centre is not None else None,
                      burned_in_annotation=str(ds.get("BurnedInAnnotation", "")).upper() == "YES", raw=data,
                      age_years=dicom.patient_age_years(ds))


def decode_at_frame(data: bytes, name: str, frame_number: int | None) -> list[ImageInput]:
    """`decode` at a frame counted from 1 (DICOM's and the Imaging page's count) that the API and the CLI were asked
    for; every image must have it (the decoder would show the last frame instead: another frame, silently)."""
    images = decode(data, name, frame=(frame_number or 1) - 1)
    for x in images if frame_number else ():
        if frame_number > x.n_frames:
            has = f"{x.n_frames} frame" + ("s" if x.n_frames > 1 else "")
            raise InputError(f"{x.name} has {has}; frame number {frame_number} asks for one it does not have (frames "
                             "are counted from 1).")
    return images


def decode(data: bytes, name: str, *, frame: int = 0, centre: float | None = None,
         width: float | None = None, card: ModelCard | None = None) -> list[ImageInput]:
    """Every image in an upload (a ZIP gives several); raises InputError with a clinician's message.
    The size limit is the card's (input.max_upload_mb) when a card is given."""
    kind = uploads.check(data, name, "imaging", card=card)
    if kind == "dicom":
        return [_dicom(data, name, frame, centre, width)]
    if kind == "zip":
        out, pixels = [], 0
        for member_name, member in zip_members(data, name):
            if detect(member) in ("unknown", "zip"):  # archives inside archives are not opened (zip bombs)
                continue
            # counted from each picture's header before it is decoded (counted after, six 4096-px images were
            # decoded before the refusal: a re-check measured 1.3 GB)
            if pixels + _shown_pixels(member) > MAX_UPLOAD_PIXELS:
                raise _too_many_pixels(name)
            try:
                images = decode(member, member_name, frame=frame, centre=centre, width=width)
            except dicom.NoImage:  # DICOMDIR, reports, RT objects: part of a PACS export, nothing to show
                continue
            pixels += sum(x.image.shape[0] * x.image.shape[1] for x in images)
            if pixels > MAX_UPLOAD_PIXELS:
                raise _too_many_pixels(name)
            out.extend(images)
        if not out:
            raise InputError(f"{name} holds no image or DICOM image file (archives inside it are not opened).")
        return out
    return [_picture(data, name, kind)]
