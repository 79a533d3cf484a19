"""The one gate every upload passes before it is decoded, and a cache so it is decoded once.

`check(data, name, modality)` refuses, with one clinician-readable wording per failure, a file that
is empty, larger than the modality's limit (the model card's `input.max_upload_mb` where given,
else the default below), or of a kind the modality does not read. The kind comes from the content
(magic bytes), never from the file name: a PNG renamed .dcm is a PNG.

`decoded(data, what, decode)` returns what `decode()` made of these bytes the last time the same
thing was asked (LRU keyed by the bytes' sha256 and `what`), so a Streamlit rerun does not parse the
same upload again. Cached objects are shared between sessions: callers must not modify them.
"""
from __future__ import annotations

import codecs
import hashlib
import io
import threading
import unicodedata
import zipfile
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

from ..types import InputError, ModelCard

MB = 2**20

# What each kind is called in a message ("... looks like a PDF document, not an image").
KINDS = {
    "dicom": "a DICOM file", "png": "a PNG image", "jpeg": "a JPEG image", "tiff": "a TIFF image",
    "bmp": "a BMP image", "gif": "a GIF image", "zip": "a ZIP archive", "docx": "a Word document",
    "xlsx": "an Excel workbook", "ole": "an old Office 97-2003 file (.xls or .doc)", "pdf": "a PDF document",
    "wav": "a WAV recording", "flac": "a FLAC recording", "ogg": "an OGG recording", "mp3": "an MP3 recording",
    "webm": "a WebM/Matroska video or audio file", "avi": "an AVI video", "text": "a text file",
    "unknown": "a binary file of no known type",
}


@dataclass(frozen=True)
class Profile:
    """What one modality's uploads may be."""

    accepts: frozenset[str]
    expected: str  # "an image": what the user should have sent
    hint: str  # what to do instead
    max_mb: float  # default size limit when the card gives none
    noun: str  # "an image upload", in the size message
    size_hint: str = ""


_AUDIO = frozenset({"wav", "flac", "ogg", "mp3"})
_TABLES = frozenset({"text", "xlsx"})
_TABLE_HINT = "Upload a CSV, TSV or Excel (.xlsx) file; save old .xls workbooks as .xlsx."
PROFILES = {
    "imaging": Profile(frozenset({"dicom", "png", "jpeg", "tiff", "bmp", "zip"}), "an image",
                       "Upload a PNG, JPEG, TIFF, BMP or DICOM image, or a ZIP of them.", 200, "an image upload"),
    "audio": Profile(_AUDIO, "an audio recording", "Upload a WAV, FLAC, OGG or MP3 file.", 64, "a recording",
                     "Trim the recording to the part of interest."),
    "speech": Profile(_AUDIO, "an audio recording", "Upload a WAV, FLAC, OGG or MP3 file.", 64, "a dictation",
                      "Dictate in shorter parts."),
    "notes": Profile(frozenset({"text", "pdf", "docx"}), "a note",
                     "Paste the text, or upload a text, PDF or Word (.docx) file.", 5, "a note"),
    "records": Profile(_TABLES, "a table of patients", _TABLE_HINT, 50, "a cohort file"),
    "survival": Profile(_TABLES, "a table of patients", _TABLE_HINT, 50, "a cohort file"),
    "genomics": Profile(_TABLES, "an expression table", _TABLE_HINT, 50, "an expression file"),
}


# -- what is it? ------------------------------------------------------------------------------------
def _is_mpeg_audio_frame(head: bytes) -> bool:
    if len(head) < 4 or head[0] != 0xFF or (head[1] & 0xE0) != 0xE0:
        return False
    version, layer = (head[1] >> 3) & 3, (head[1] >> 1) & 3
    bitrate, rate = head[2] >> 4, (head[2] >> 2) & 3
    return version != 1 and layer != 0 and bitrate not in (0, 15) and rate != 3


def _is_bmp(data: bytes) -> bool:
    # "BM" alone would take a CSV whose first column is BMI for a bitmap: check the DIB header size too
    return data[:2] == b"BM" and len(data) >= 18 and int.from_bytes(data[14:18], "little") in (12, 40, 52, 56, 64,
                                                                                               108, 124)


def _looks_like_raw_dicom(data: bytes) -> bool:
    """A preamble-less DICOM starts with a group 0x0008 (or 0x0002) element in little endian."""
    group = int.from_bytes(data[:2], "little")
    element = int.from_bytes(data[2:4], "little")
    return len(data) >= 8 and group in (0x0002, 0x0008) and element < 0x1000


def _zip_kind(data: bytes) -> str:
    """docx and xlsx are ZIPs too: told apart by the parts they hold (the central directory only is read)."""
    try:
        names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return "zip"  # damaged: the modality's reader says so
    if "word/document.xml" in names:
        return "docx"
    if any(n.startswith("xl/") for n in names):
        return "xlsx"
    return "zip"


def _controls(text: str) -> int:
    return sum(1 for c in text if unicodedata.category(c) == "Cc" and c not in "\n\r\t\f")


def _is_utf16_with_bom(data: bytes) -> bool:
    if not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    head = data[2:4098]
    text = head[: len(head) // 2 * 2].decode("utf-16-le" if data[0] == 0xFF else "utf-16-be", errors="replace")
    return _controls(text) <= 0.05 * len(text)


def is_text(data: bytes) -> bool:
    """Text in UTF-8, UTF-16 (with or without a byte-order mark) or a single-byte code page, from the start."""
    if data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return True  # the reader decodes it and says so when the rest is damaged
    head = data[:4096]
    if not head:
        return False
    if b"\x00" in head:
        # UTF-16 without a byte-order mark has a NUL in every other byte of ASCII text
        even, odd = head[0::2].count(0), head[1::2].count(0)
        return max(even, odd) > 0.3 * len(head) / 2 and min(even, odd) == 0
    try:
        text = codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        text = head.decode("cp1252", errors="replace")  # Western single-byte text; only control bytes matter here
    return _controls(text) <= 0.05 * len(text)


_MAGIC = [  # (prefix, kind), checked in order after the DICOM preamble
    (b"\x89PNG\r\n\x1a\n", "png"), (b"\xff\xd8\xff", "jpeg"), (b"II*\x00", "tiff"), (b"MM\x00*", "tiff"),
    (b"GIF87a", "gif"), (b"GIF89a", "gif"), (b"%PDF-", "pdf"), (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole"),
    (b"fLaC", "flac"), (b"OggS", "ogg"), (b"ID3", "mp3"), (b"\x1aE\xdf\xa3", "webm"),
]


def sniff(data: bytes) -> str:
    """The kind of a file from its content: a key of KINDS."""
    if len(data) >= 132 and data[128:132] == b"DICM":
        return "dicom"
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return _zip_kind(data)
    if data[:4] in (b"RIFF", b"RIFX", b"RF64") and data[8:12] == b"WAVE":
        return "wav"
    if data[:4] == b"RIFF" and data[8:12] == b"AVI ":
        return "avi"
    if _is_bmp(data):
        return "bmp"
    if _is_utf16_with_bom(data):  # before MP3: FF FE is also an MPEG frame sync
        return "text"
    if _is_mpeg_audio_frame(data[:4]):
        return "mp3"
    if _looks_like_raw_dicom(data):
        return "dicom"
    if is_text(data):
        return "text"
    return "unknown"


# -- the gate ---------------------------------------------------------------------------------------
def profile(modality: str) -> Profile:
    try:
        return PROFILES[modality]
    except KeyError:
        raise ValueError(f"no upload profile for modality {modality!r}") from None


def upload_limit(modality: str, card: ModelCard | None = None) -> int:
    """Bytes an upload for this modality may have: the card's input.max_upload_mb, else the default."""
    mb = (card.input or {}).get("max_upload_mb") if card is not None else None
    return int(float(mb if mb else profile(modality).max_mb) * MB)


def _mb(n: int) -> str:
    return f"{n / MB:.1f}" if n < 10 * MB else f"{n / MB:.0f}"


def empty_error(name: str, modality: str | None = None) -> InputError:
    """An empty upload. "Nothing was uploaded or recorded" stood on the image, note and table pages too, where
    nothing is recorded (a clinicians' review): a recording is said to be empty only for sounds and dictation."""
    if modality in ("audio", "speech"):
        return InputError(f"{name} is empty (0 bytes): nothing was recorded or uploaded. Record or upload it again.",
                          field="empty")
    return InputError(f"{name} is empty (0 bytes): the file has nothing in it. Upload the file again.", field="empty")


def size_error(name: str, size: int, modality: str, limit: int | None = None) -> InputError:
    p = profile(modality)
    limit = upload_limit(modality) if limit is None else limit
    shown, allowed = _mb(size), _mb(limit)
    if shown == allowed:  # "1.0 MB; the limit is 1.0 MB" reads as a mistake
        shown = f"over {allowed}"
    return InputError(f"{name} is {shown} MB; the limit for {p.noun} is {allowed} MB. {p.size_hint}".strip(),
                      field="size")


def kind_error(name: str, kind: str, modality: str) -> InputError:
    p = profile(modality)
    return InputError(f"{name} looks like {KINDS[kind]}, not {p.expected}. {p.hint}", field="kind")


def check(data: bytes, name: str, modality: str, *, card: ModelCard | None = None,
          max_bytes: int | None = None) -> str:
    """The kind of an acceptable upload; InputError when it is empty, too large or of the wrong kind.
    Nothing here decodes: a refused file never reaches a decoder."""
    if len(data) == 0:
        raise empty_error(name, modality)
    limit = max_bytes if max_bytes is not None else upload_limit(modality, card)
    if len(data) > limit:
        raise size_error(name, len(data), modality, limit)
    kind = sniff(data)
    if kind not in profile(modality).accepts:
        raise kind_error(name, kind, modality)
    return kind


# -- decode once per content ------------------------------------------------------------------------
T = TypeVar("T")


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class DecodeCache:
    """A thread-safe LRU of decoded uploads. Concurrent requests for the same key decode once: the
    first decodes, the others wait for it. An InputError is remembered like a result (a damaged file
    stays damaged), any other exception is not."""

    def __init__(self, maxsize: int = 16, max_bytes: int = 512 * 2**20):
        self.maxsize = maxsize
        # and at most this many bytes of arrays: 16 large images as float64 held 8 GB after their users had gone
        # (a security review); the newest entry is always kept
        self.max_bytes = max_bytes
        self._items: OrderedDict[tuple, tuple[bool, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self._key_locks: dict[tuple, threading.Lock] = {}

    def get(self, data: bytes, what: Hashable, decode: Callable[[], T], *, digest: str | None = None) -> T:
        key = (digest or content_hash(data), what)
        with self._lock:
            hit = self._hit(key)
            if hit is None:
                key_lock = self._key_locks.setdefault(key, threading.Lock())
        if hit is not None:
            return self._unwrap(hit)
        with key_lock:
            with self._lock:
                hit = self._hit(key)
            if hit is None:
                try:
                    hit = (True, decode())
                except InputError as exc:
                    hit = (False, exc)
                except BaseException:
                    with self._lock:
                        self._key_locks.pop(key, None)
                    raise
                with self._lock:  # stored and unlocked together: a later caller finds the item
                    self._items[key] = hit
                    self._key_locks.pop(key, None)
                    held = sum(_array_bytes(v) for v in self._items.values())
                    while len(self._items) > self.maxsize or (len(self._items) > 1 and held > self.max_bytes):
                        held -= _array_bytes(self._items.popitem(last=False)[1])
        return self._unwrap(hit)

    def _hit(self, key: tuple) -> tuple[bool, Any] | None:
        hit = self._items.get(key)
        if hit is not None:
            self._items.move_to_end(key)
        return hit

    @staticmethod
    def _unwrap(hit: tuple[bool, Any]) -> Any:
        ok, value = hit
        if not ok:  # a fresh exception per caller: threads must not share one traceback
            raise InputError(value.message, field=value.field, row=value.row)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


def _array_bytes(value: Any, depth: int = 0) -> int:
    """Bytes of the numpy arrays a decoded value holds (in lists, tuples and dataclass-like attributes)."""
    if depth > 3 or value is None:
        return 0
    if hasattr(value, "nbytes") and hasattr(value, "dtype"):
        return int(value.nbytes)
    if isinstance(value, (list, tuple)):
        return sum(_array_bytes(v, depth + 1) for v in value)
    if hasattr(value, "__dict__"):
        return sum(_array_bytes(v, depth + 1) for v in vars(value).values() if not isinstance(v, (bytes, str)))
    return 0


_cache = DecodeCache()


def decoded(data: bytes, what: Hashable, decode: Callable[[], T], *, digest: str | None = None) -> T:
    """decode() of these bytes, from the shared cache when the same `what` was asked of them before."""
    return _cache.get(data, what, decode, digest=digest)
