"""Notes from pasted text or uploads: plain text (UTF-8, UTF-16, Latin-1 detected), PDF and DOCX.

The type comes from the content. A note is limited in size (a clinical note is a few pages; 10 MB
of text is a mistake or an attack), must contain visible text, and is kept as Unicode: emoji and
right-to-left scripts pass through unchanged and are escaped when shown.
"""
from __future__ import annotations

import io
import unicodedata

from charset_normalizer import from_bytes

from ...security import uploads
from ...types import InputError

MAX_UPLOAD_BYTES = uploads.upload_limit("notes")
MAX_CHARS = 50_000  # about 8,000 words


def check_text(text: str, name: str = "The note") -> str:
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\x00", ""))
    if not text.strip():
        raise InputError(f"{name} is empty: there is no text to analyse.")
    if len(text) > MAX_CHARS:
        raise InputError(f"{name} has {len(text):,} characters; the limit is {MAX_CHARS:,} (about 8,000 words). "
                         "Paste the relevant part of the note.")
    return text


# A page of typed text is tens of KB of drawing instructions and a few thousand operations (an eight-page note of
# 46,000 characters: 2,199): a 25 KB PDF whose 50 pages shared one 6 MB stream took ten minutes to read, and pages
# of blank text commands or a drawing called again and again were as slow (a security review and its re-check).
MAX_PAGE_CONTENT_BYTES = 1_000_000
MAX_PDF_CONTENT_BYTES = 5_000_000  # all pages together, a shared stream counted on every page that shows it
MAX_PDF_OPERATIONS = 200_000  # text extraction's operations, those of drawings the pages call included
# A Word document's XML unpacks within these bytes (a 50,000-character note with heavy formatting is a few MB);
# an 825 KB file unpacking to 283 MB took five minutes and 6 GB before the length was checked, and a decoy
# word/document.xml beside the real part (named in _rels/.rels) took 32 s for 28 MB: every part counts.
MAX_DOCX_XML_BYTES = 20_000_000
MAX_DOCX_BYTES = 60_000_000  # every part, pictures included (python-docx reads them all)


class _TooManyOperations(Exception):
    pass


def _too_long(name: str, where: str) -> InputError:
    return InputError(f"{name} has more than {MAX_CHARS:,} characters {where}; the limit is {MAX_CHARS:,} (about "
                      "8,000 words). Paste the relevant part of the note.")


def _pdf_text(data: bytes, name: str) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    operations = 0

    def count(*_):  # every operation text extraction runs, inside called drawings too
        nonlocal operations
        operations += 1
        if operations > MAX_PDF_OPERATIONS:
            raise _TooManyOperations

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise InputError(f"{name} is a password-protected PDF.")
        pages, length, content = [], 0, 0
        for number, page in enumerate(reader.pages[:50], start=1):
            contents = page.get_contents()
            size = len(contents.get_data()) if contents is not None else 0
            content += size
            if size > MAX_PAGE_CONTENT_BYTES or content > MAX_PDF_CONTENT_BYTES:
                raise InputError(f"{name}: page {number} brings its drawing instructions to {content / 1e6:.1f} MB, "
                                 "far more than pages of text; it is not read as a note.")
            pages.append(page.extract_text(visitor_operand_before=count) or "")
            length += len(pages[-1])
            if length > MAX_CHARS:  # stop reading: what follows cannot make it acceptable
                raise _too_long(name, f"in its first {number} page{'s' if number > 1 else ''}")
        return "\n".join(pages)
    except _TooManyOperations:
        raise InputError(f"{name} needs more than {MAX_PDF_OPERATIONS:,} drawing operations to read, far more than "
                         "pages of text; it is not read as a note.") from None
    except InputError:
        raise
    except (PyPdfError, ValueError, KeyError, OSError) as exc:  # LimitReachedError for a bomb: a 500 before
        raise InputError(f"{name} is a damaged PDF ({exc.__class__.__name__}).") from None


def _docx_text(data: bytes, name: str) -> str:
    import zipfile

    import docx

    try:
        parts = {info.filename: info.file_size for info in zipfile.ZipFile(io.BytesIO(data)).infolist()}
    except (zipfile.BadZipFile, ValueError, OSError):
        parts = {}  # python-docx names the damage below
    markup = sum(size for part, size in parts.items() if part.lower().endswith((".xml", ".rels")))
    if markup > MAX_DOCX_XML_BYTES or sum(parts.values()) > MAX_DOCX_BYTES:  # declared sizes bound what is inflated
        raise InputError(f"{name} unpacks to {max(markup, sum(parts.values())) / 1e6:,.0f} MB of document text, "
                         f"markup and pictures, far more than a note of {MAX_CHARS:,} characters; it is not read.")
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 - python-docx raises several types for malformed packages
        raise InputError(f"{name} is a damaged Word document ({exc.__class__.__name__}).") from None
    return "\n".join(p.text for p in document.paragraphs)


def _plain_text(data: bytes, name: str) -> str:
    text = _decoded_text(data, name)
    # control characters other than layout ones: binary, whatever it decoded as (three bytes 00 01 02 are valid
    # UTF-8, and were analysed as a note: an IT review)
    controls = sum(1 for c in text[:4096] if unicodedata.category(c) == "Cc" and c not in "\n\r\t\f")
    if controls > 0.05 * max(1, len(text[:4096])):
        raise InputError(f"{name} is a binary file, not text.")
    return text


def _decoded_text(data: bytes, name: str) -> str:
    try:
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            return data.decode("utf-16")
        if data.startswith(b"\xef\xbb\xbf"):
            return data[3:].decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{name} claims to be Unicode text but is damaged or binary.") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if b"\x00" in data[:4096]:
        # UTF-16 without a byte-order mark has a NUL in every other byte of ASCII text
        even, odd = data[0:4096:2].count(0), data[1:4096:2].count(0)
        if max(even, odd) > 0.3 * min(len(data), 4096) / 2 and min(even, odd) == 0:
            return data.decode("utf-16-le" if odd else "utf-16-be", errors="replace")
        raise InputError(f"{name} is a binary file, not text.")
    try:
        # Not UTF-8: Windows-1252 (a superset of Latin-1's printable range) is by far the most likely for
        # Western notes; charset detection guesses badly on short texts, so it only decides otherwise.
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        best = from_bytes(data[:200_000]).best()
        text = data.decode(best.encoding if best is not None else "latin-1", errors="replace")
    return text


def read_note(data: bytes, name: str) -> str:
    kind = uploads.check(data, name, "notes")
    if kind == "pdf":
        text = _pdf_text(data, name)
    elif kind == "docx":
        text = _docx_text(data, name)
    else:
        text = _plain_text(data, name)
    return check_text(text, name)
