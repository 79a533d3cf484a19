"""DICOM de-identification (PS3.15 basic profile): each removed or replaced tag is checked."""
from __future__ import annotations

import io
from pathlib import Path

import pydicom
import pytest
from pydicom.data import get_testdata_file

from medapp.modalities.imaging.deid import deidentify_bytes

PHI = {
    "PatientName": "Doe^Jane", "PatientID": "MRN-123456", "PatientBirthDate": "19610412",
    "PatientAddress": "12 Harbour Road, Leeds", "OtherPatientIDs": "NHS 943 476 5919",
    "InstitutionName": "St Elsewhere", "ReferringPhysicianName": "Kildare^James",
    "AccessionNumber": "ACC998877", "StudyDescription": "CT chest for Jane Doe", "ImageComments": "call 0113 496 0000",
    "StudyDate": "20240102", "SeriesDate": "20240102", "OperatorsName": "Smith", "StationName": "CT-LEEDS-2",
}


@pytest.fixture
def phi_dicom() -> tuple[pydicom.Dataset, bytes]:
    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm", download=False))
    for keyword, value in PHI.items():
        setattr(ds, keyword, value)
    ds.add_new(0x00091001, "LO", "private vendor note: Jane Doe")
    seq_item = pydicom.Dataset()
    seq_item.PatientName = "Doe^Jane"
    ds.ReferencedImageSequence = [seq_item]
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    return ds, buf.getvalue()


def test_every_phi_attribute_is_removed_or_emptied(phi_dicom):
    original, data = phi_dicom
    clean = pydicom.dcmread(io.BytesIO(deidentify_bytes(data)))
    for keyword in ("PatientAddress", "OtherPatientIDs", "InstitutionName", "StudyDescription", "ImageComments",
                    "SeriesDate", "OperatorsName", "StationName"):
        assert keyword not in clean, keyword
    for keyword in ("PatientName", "PatientID", "PatientBirthDate", "ReferringPhysicianName", "AccessionNumber",
                    "StudyDate"):
        assert str(clean.get(keyword, "")) == "", keyword
    assert clean.ReferencedImageSequence[0].get("PatientName", "") == ""  # inside sequences too
    assert not any(tag.is_private for tag in clean.keys())
    raw = deidentify_bytes(data)
    for value in ("Jane", "MRN-123456", "Harbour", "Elsewhere", "0113 496"):
        assert value.encode() not in raw


def test_uids_are_rederived_consistently_and_pixels_kept(phi_dicom):
    original, data = phi_dicom
    a = pydicom.dcmread(io.BytesIO(deidentify_bytes(data)))
    b = pydicom.dcmread(io.BytesIO(deidentify_bytes(data)))
    for keyword in ("StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID"):
        assert a.get(keyword) != original.get(keyword)
        assert a.get(keyword) == b.get(keyword)  # same input, same new UID: references stay intact
    assert a.file_meta.MediaStorageSOPInstanceUID == a.SOPInstanceUID
    assert a.PatientIdentityRemoved == "YES"
    assert a.DeidentificationMethodCodeSequence[0].CodeValue == "113100"
    assert (a.pixel_array == original.pixel_array).all()


TEXT_VRS = {"AE", "AS", "CS", "DA", "DS", "DT", "IS", "LO", "LT", "PN", "SH", "ST", "TM", "UC", "UI", "UR", "UT"}


def test_deidentified_file_keeps_every_value_within_its_vr(phi_dicom):
    # a value longer than its VR allows makes the download non-conformant (PACS imports may refuse it)
    _, data = phi_dicom
    clean = pydicom.dcmread(io.BytesIO(deidentify_bytes(data)))
    from pydicom.valuerep import validate_value

    for element in clean.iterall():
        if element.VR not in TEXT_VRS or element.value in (None, ""):
            continue
        values = element.value if element.VM > 1 else [element.value]
        for value in values:
            validate_value(element.VR, str(value), pydicom.config.RAISE)


def test_pictures_lose_their_metadata():
    from PIL import Image
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Comment", "Patient Jane Doe, MRN-123456")
    buf = io.BytesIO()
    Image.new("L", (16, 16), 90).save(buf, format="PNG", pnginfo=info)
    clean = deidentify_bytes(buf.getvalue())
    assert b"Jane" not in clean and b"MRN" not in clean
    assert Image.open(io.BytesIO(clean)).getpixel((3, 3)) == 90


def test_shared_chest_study_deidentifies(tmp_path):
    from medapp.registry import data_root

    data = (data_root() / "dicom/CR-MONO1-10-chest.dcm").read_bytes()
    original = pydicom.dcmread(io.BytesIO(data), force=True)
    clean = pydicom.dcmread(io.BytesIO(deidentify_bytes(data)))
    assert clean.PatientIdentityRemoved == "YES" and clean.Modality == "CR"
    # what the file named is gone or replaced (the last line checked pydicom's own test file: a test review)
    assert str(original.PatientName) and str(clean.PatientName) == ""
    assert original.InstitutionName and "InstitutionName" not in clean
    assert clean.StudyInstanceUID != original.StudyInstanceUID


def test_new_uids_come_from_a_salt_drawn_per_installation(tmp_path, monkeypatch):
    """The salt was a fixed string: two installations gave CT_small's study the same "new" UID, which anyone with
    the original UID and the source could re-derive (a README review)."""
    original = pydicom.dcmread(get_testdata_file("CT_small.dcm", download=False))
    raw = io.BytesIO()
    original.save_as(raw)
    monkeypatch.delenv("MEDAPP_DEID_SALT", raising=False)

    def study_uid(var: Path) -> str:
        monkeypatch.setenv("MEDAPP_VAR_DIR", str(var))
        return pydicom.dcmread(io.BytesIO(deidentify_bytes(raw.getvalue()))).StudyInstanceUID

    first, again, other = study_uid(tmp_path / "a"), study_uid(tmp_path / "a"), study_uid(tmp_path / "b")
    assert first == again != other and original.StudyInstanceUID not in (first, other)  # stable per installation
    salt = tmp_path / "a" / "deid_salt"
    assert len(salt.read_text()) == 64 and salt.stat().st_mode & 0o077 == 0  # owner only
    assert (tmp_path / "a").stat().st_mode & 0o077 == 0  # the state folder too: it was 0755 (an IT review)
    monkeypatch.setenv("MEDAPP_DEID_SALT", "set-by-the-hospital")
    assert study_uid(tmp_path / "a") != first  # the variable, where set, wins



def test_order_and_procedure_free_text_is_removed():
    """A name, an MRN, a phone number and a birth date survived in these (a security review)."""
    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm", download=False))
    phi = "CXR for Maria Garcia MRN99887, call 555-0100, DOB 1961-04-02"
    for keyword in ("ScheduledProcedureStepDescription", "ReasonForTheRequestedProcedure", "RequestedProcedureComments",
                    "ImagingServiceRequestComments", "CommentsOnThePerformedProcedureStep", "DeviceDescription"):
        setattr(ds, keyword, phi)
    ds.add_new(0x00211010, "LT", "private-looking but public group")  # an unnamed long text
    raw = io.BytesIO()
    ds.save_as(raw)
    cleaned = deidentify_bytes(raw.getvalue())
    assert b"Maria Garcia" not in cleaned and b"MRN99887" not in cleaned and b"555-0100" not in cleaned
    out = pydicom.dcmread(io.BytesIO(cleaned))
    assert out.Modality == ds.Modality and out.Rows == ds.Rows  # what the pages and models need stays


def test_file_meta_orders_organisations_and_earlier_values_are_removed():
    """A data-protection review: each of these kept "Quixley" or an identifier in the stored file and the download."""
    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm", download=False))
    ds.file_meta.SourceApplicationEntityTitle = "QUIXLEY_WS"
    ds.file_meta.ImplementationVersionName = "QUIXLEY_1"
    ds.file_meta.PrivateInformationCreatorUID = "1.2.3.4"
    ds.file_meta.PrivateInformation = b"Quixley private"
    ds.PlacerOrderNumberImagingServiceRequest = "PLACER-Q-771"
    ds.FillerOrderNumberImagingServiceRequest = "FILLER-Q-772"
    ds.ResponsibleOrganization = "Quixley Family Trust"
    ds.ClinicalTrialSubjectID = "SUBJ-Q-773"
    ds.ServiceEpisodeID = "EPISODE-Q-774"
    ds.PersonTelephoneNumbers = "0113 496 0774"
    ds.VerifyingOrganization = "Quixley Labs"
    ds.RetrieveAETitle = "QUIXLEYPACS"
    earlier = pydicom.Dataset()
    earlier.ModifyingSystem = "Quixley importer"
    earlier.SourceOfPreviousValues = "Quixley General"
    original = pydicom.Dataset()
    original.ModifyingSystem, original.SourceOfPreviousValues = earlier.ModifyingSystem, earlier.SourceOfPreviousValues
    ds.OriginalAttributesSequence = [original]
    code = pydicom.Dataset()
    code.CodeValue, code.CodingSchemeDesignator, code.CodeMeaning = "QX1", "99LOCAL", "Quixley General Hospital"
    ds.InstitutionCodeSequence = [code]
    procedure = pydicom.Dataset()
    procedure.CodeValue, procedure.CodingSchemeDesignator, procedure.CodeMeaning = "P1", "99LOCAL", "CT for Quixley"
    ds.ProcedureCodeSequence = [procedure]
    view = pydicom.Dataset()
    view.CodeValue, view.CodingSchemeDesignator, view.CodeMeaning = "R-10206", "SRT", "frontal"
    ds.ViewCodeSequence = [view]  # a code that says what the image shows stays
    # the re-check: bytes that went through unchanged
    ds.preamble = b"QUIXLEY-PREAMBLE".ljust(128, b"\0")
    ds.add_new(0x01000010, "OB", b"QUIXLEY-UNKNOWN-PUBLIC")  # an even group the dictionary does not know
    ds.add_new(0x00420011, "OB", b"%PDF QUIXLEY report")  # EncapsulatedDocument beside the pixels
    ds.add_new(0xFFFCFFFC, "OB", b"QUIXLEY-PADDING")  # DataSetTrailingPadding
    raw = io.BytesIO()
    ds.save_as(raw, enforce_file_format=True)
    cleaned = deidentify_bytes(raw.getvalue())
    assert cleaned[:128] == b"\0" * 128
    for value in (b"QUIXLEY", b"Quixley", b"-Q-77", b"0113 496"):
        assert value not in cleaned, value
    out = pydicom.dcmread(io.BytesIO(cleaned))
    assert out.ViewCodeSequence[0].CodeMeaning == "frontal" and out.Manufacturer == ds.Manufacturer
    assert out.file_meta.MediaStorageSOPInstanceUID == out.SOPInstanceUID
    assert out.file_meta.TransferSyntaxUID == ds.file_meta.TransferSyntaxUID
    assert "SourceApplicationEntityTitle" not in out.file_meta
