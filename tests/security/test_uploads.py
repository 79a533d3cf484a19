"""The upload gate: kinds from content, empty and too-large files refused before decoding, one message
each, and the decode cache (same object for the same bytes, one decode, 20 threads at once)."""
from __future__ import annotations

import dataclasses
import io
import threading
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from pydicom.data import get_testdata_file

from medapp.modalities.audio import io as audio_io
from medapp.modalities.audio.features import FeatureSpec
from medapp.modalities.audio.synth import synthetic_heart_sound, wav_bytes
from medapp.modalities.genomics import io as genomics_io
from medapp.modalities.imaging import io as imaging_io
from medapp.modalities.notes import io as notes_io
from medapp.modalities.records import io as records_io
from medapp.registry import get_card
from medapp.security import uploads
from medapp.security.uploads import MB, DecodeCache, check, sniff
from medapp.service.limits import body_limit
from medapp.types import InputError

CT = Path(get_testdata_file("CT_small.dcm", download=False)).read_bytes()


def picture(fmt: str) -> bytes:
    buf = io.BytesIO()
    Image.fromarray((np.arange(32 * 32).reshape(32, 32) % 255).astype(np.uint8)).save(buf, format=fmt)
    return buf.getvalue()


def zipped(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, body in members.items():
            z.writestr(name, body)
    return buf.getvalue()


def docx_bytes(text: str = "Chest pain since this morning.") -> bytes:
    import docx

    document, buf = docx.Document(), io.BytesIO()
    document.add_paragraph(text)
    document.save(buf)
    return buf.getvalue()


def xlsx_bytes() -> bytes:
    buf = io.BytesIO()
    pd.DataFrame({"age": [60, 45], "chol": [250, 190]}).to_excel(buf, index=False)
    return buf.getvalue()


def pdf_bytes() -> bytes:
    from pypdf import PdfWriter

    writer, buf = PdfWriter(), io.BytesIO()
    writer.add_blank_page(width=200, height=200)
    writer.write(buf)
    return buf.getvalue()


def audio(fmt: str, subtype: str) -> bytes:
    return wav_bytes(synthetic_heart_sound(2.0, rate=8000), 8000, subtype, fmt)


FILES = {  # kind -> a real file of that kind, made here
    "dicom": lambda: CT,
    "png": lambda: picture("PNG"), "jpeg": lambda: picture("JPEG"), "tiff": lambda: picture("TIFF"),
    "bmp": lambda: picture("BMP"), "gif": lambda: picture("GIF"),
    "zip": lambda: zipped({"series/1.dcm": CT}), "docx": docx_bytes, "xlsx": xlsx_bytes, "pdf": pdf_bytes,
    "wav": lambda: audio("WAV", "PCM_16"), "flac": lambda: audio("FLAC", "PCM_16"),
    "ogg": lambda: audio("OGG", "VORBIS"), "mp3": lambda: audio("MP3", "MPEG_LAYER_III"),
    "text": lambda: b"age,sex,chol\n60,1,250\n",
}


@pytest.mark.parametrize("kind", list(FILES))
def test_every_format_is_sniffed_from_its_content(kind):
    assert sniff(FILES[kind]()) == kind


@pytest.mark.parametrize("data, kind", [
    (CT[132:], "dicom"),  # DICOM without the 128-byte preamble and 'DICM'
    (b"ID3\x04\x00\x00\x00\x00\x00\x00" + audio("MP3", "MPEG_LAYER_III"), "mp3"),  # MP3 behind an ID3 tag
    (b"BMI\tage\tglucose\n33.6\t50\t148\n", "text"),  # a TSV starting with "BM" is not a bitmap
    ("Befund: Pneumonie rechts, Größe 3 cm\n".encode("cp1252"), "text"),  # a Western code page, not UTF-8
    ("Fièvre depuis deux jours\n".encode("utf-16"), "text"),
    ("Fièvre depuis deux jours\n".encode("utf-16-le"), "text"),  # UTF-16 without a byte-order mark
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504, "ole"),  # Excel 97-2003 / Word 97-2003
    (b"RIFF\x00\x00\x00\x00AVI LIST", "avi"),
    (bytes(range(256)) * 8, "unknown"),
], ids=["dicom-no-preamble", "mp3-id3", "tsv-starting-bm", "cp1252", "utf16-bom", "utf16le", "ole", "avi", "unknown"])
def test_edge_kinds(data, kind):
    assert sniff(data) == kind


def test_a_png_renamed_dcm_is_a_png_and_a_dicom_without_preamble_is_read():
    assert imaging_io.decode(FILES["png"](), "scan.dcm")[0].source == "png"
    raw = imaging_io.decode(CT[132:], "no-preamble.dcm")[0]
    assert raw.source == "dicom" and raw.image.shape == (128, 128)


def test_an_mp3_named_wav_is_read_as_mp3():
    data = wav_bytes(synthetic_heart_sound(3.0), 8000, "MPEG_LAYER_III", "MP3")
    assert check(data, "heart.wav", "audio") == "mp3"
    x = audio_io.load_bytes(data, "heart.wav", FeatureSpec())
    assert x.format == "MP3" and any("named .wav but contains MP3" in w for w in x.warnings)


READERS = {  # modality -> the modality's own public reader, as callers use it
    "imaging": lambda data, name: imaging_io.decode(data, name),
    "audio": lambda data, name: audio_io.load_bytes(data, name, FeatureSpec()),
    "notes": notes_io.read_note,
    "records": records_io.read_table,
    "genomics": genomics_io.read_raw_table,
}


@pytest.mark.parametrize("modality", list(READERS))
def test_an_empty_file_gets_one_message_everywhere(modality):
    with pytest.raises(InputError) as err:
        READERS[modality](b"", "upload.bin")
    # a recording only where one can be recorded (the image, note and table pages said "or recorded" too)
    said = ("nothing was recorded or uploaded. Record or upload it again." if modality in ("audio", "speech")
            else "the file has nothing in it. Upload the file again.")
    assert err.value.message == f"upload.bin is empty (0 bytes): {said}"


@pytest.mark.parametrize("modality, data, message", [
    ("imaging", pdf_bytes(), "report.bin looks like a PDF document, not an image. Upload a PNG, JPEG, TIFF, BMP or DICOM"),
    ("imaging", docx_bytes(), "report.bin looks like a Word document, not an image."),
    ("audio", picture("PNG"), "report.bin looks like a PNG image, not an audio recording. Upload a WAV, FLAC, OGG or MP3"),
    ("audio", CT, "report.bin looks like a DICOM file, not an audio recording."),
    ("notes", audio("WAV", "PCM_16"), "report.bin looks like a WAV recording, not a note. Paste the text"),
    ("notes", xlsx_bytes(), "report.bin looks like an Excel workbook, not a note."),
    ("notes", zipped({"a.txt": b"x"}), "report.bin looks like a ZIP archive, not a note."),
    ("records", docx_bytes(), "report.bin looks like a Word document, not a table of patients. Upload a CSV, TSV"),
    ("records", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504, "old Office 97-2003 file .* save old .xls"),
    ("genomics", pdf_bytes(), "report.bin looks like a PDF document, not an expression table."),
], ids=["imaging-pdf", "imaging-docx", "audio-png", "audio-dicom", "notes-wav", "notes-xlsx", "notes-zip",
        "records-docx", "records-xls", "genomics-pdf"])  # named ids: a DOCX's bytes hold its creation time, and
# xdist workers that collect in different seconds would otherwise disagree about the test list
def test_the_wrong_kind_is_named_per_modality(modality, data, message):
    with pytest.raises(InputError, match=message):
        READERS[modality](data, "report.bin")


def test_the_size_limit_comes_from_the_card_else_the_default():
    card = get_card("chest-xray-pneumonia")
    assert "max_upload_mb" not in card.input and uploads.upload_limit("imaging", card) == 200 * MB
    small = dataclasses.replace(card, input={**card.input, "max_upload_mb": 0.5})
    assert uploads.upload_limit("imaging", small) == MB // 2
    assert body_limit(small) < body_limit(card)  # the API reads the same limit
    with pytest.raises(InputError, match=r"^scan.png is 0.8 MB; the limit for an image upload is 0.5 MB\.$"):
        check(b"\x89PNG\r\n\x1a\n" + bytes(800_000), "scan.png", "imaging", card=small)
    assert uploads.upload_limit("notes") == 5 * MB
    with pytest.raises(InputError, match="is 9.5 MB; the limit for a note is 5.0 MB"):
        notes_io.read_note(b"word " * 2_000_000, "long.txt")


def test_too_large_is_refused_before_any_decoder_runs(monkeypatch):
    called = []

    def decoder(*args, **kwargs):
        called.append(args)
        raise AssertionError("the decoder ran")

    monkeypatch.setattr(imaging_io, "_picture", decoder)
    monkeypatch.setattr(imaging_io, "_dicom", decoder)
    card = get_card("chest-xray-pneumonia")
    small = dataclasses.replace(card, input={**card.input, "max_upload_mb": 1})
    with pytest.raises(InputError, match="huge.png is over 1.0 MB; the limit for an image upload is 1.0 MB"):
        imaging_io.decode(FILES["png"]() + bytes(MB), "huge.png", card=small)
    monkeypatch.setattr(audio_io, "check_wav_header", decoder)
    big_wav = FILES["wav"]() + bytes(audio_io.MAX_UPLOAD_BYTES)
    with pytest.raises(InputError, match="the limit for a recording is 64 MB. Trim the recording"):
        audio_io.load_bytes(big_wav, "night.wav", FeatureSpec())
    monkeypatch.setattr(records_io.pd, "read_csv", decoder)
    with pytest.raises(InputError, match="the limit for a cohort file is 50 MB"):
        records_io.read_table(b"age\n" + b"60\n" * (26 * MB), "cohort.csv")
    assert called == []
    with pytest.raises(AssertionError, match="the decoder ran"):  # it does run for a file within the limit
        imaging_io.decode(FILES["png"](), "ok.png")
    assert len(called) == 1


# -- the decode cache --------------------------------------------------------------------------------
def test_the_cache_decodes_once_and_returns_the_same_object():
    cache, calls = DecodeCache(maxsize=2), []

    def decode(data):
        calls.append(data)
        return imaging_io.decode(data, "scan.dcm")

    first = cache.get(CT, "load", lambda: decode(CT))
    assert cache.get(bytes(CT), "load", lambda: decode(CT)) is first  # equal bytes, another object: a hit
    assert len(calls) == 1
    windowed = cache.get(CT, ("load", 40, 400), lambda: imaging_io.decode(CT, "scan.dcm", centre=40, width=400))
    assert windowed is not first and not np.array_equal(windowed[0].image, first[0].image)
    cache.get(FILES["png"](), "load", lambda: decode(FILES["png"]()))  # a third entry evicts the oldest
    assert len(cache) == 2
    cache.get(CT, "load", lambda: decode(CT))
    assert len(calls) == 3


def test_a_refused_file_is_remembered_and_refused_again_without_decoding():
    cache, calls = DecodeCache(), []

    def decode():
        calls.append(1)
        return imaging_io.decode(b"\x00" * 128 + b"DICM" + b"garbage", "bad.dcm")

    for _ in range(3):
        with pytest.raises(InputError, match="damaged or not a DICOM file"):
            cache.get(b"bad", "load", decode)
    assert len(calls) == 1


def test_twenty_threads_at_once_decode_each_upload_once():
    cache, lock, calls = DecodeCache(maxsize=8), threading.Lock(), []
    files = [CT, FILES["png"]()]
    start = threading.Barrier(20)
    results: list[tuple[int, object]] = []

    def decode(i):
        with lock:
            calls.append(i)
        return imaging_io.decode(files[i], f"{i}.bin")

    def session(n):
        i = n % 2
        start.wait()
        for _ in range(5):
            got = cache.get(files[i], "load", lambda: decode(i))
            with lock:
                results.append((i, got))

    threads = [threading.Thread(target=session, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(calls) == [0, 1]  # each upload decoded once, whatever the interleaving
    assert len(results) == 100
    for i in (0, 1):
        assert len({id(got) for j, got in results if j == i}) == 1
