"""De-identification of DICOM headers after the DICOM PS3.15 Annex E Basic Application Level
Confidentiality Profile, applied before anything is stored or exported.

Actions per attribute, as in PS3.15 Table E.1-1: X remove, Z replace by an empty value, D replace by
a dummy value, U replace UIDs by new ones (derived deterministically from the original with a
per-installation salt, so the references between objects of one study still match). Private tags
are removed; dates are removed or emptied (no date shifting: the study date is not needed by any
model). Pictures (PNG/JPEG/...) are re-encoded from their pixels, dropping EXIF and text chunks.
Not handled: PHI burned into the pixels (Burned In Annotation = YES is reported as a warning).
"""
from __future__ import annotations

import io
import os

import pydicom
from pydicom.dataset import Dataset
from pydicom.uid import generate_uid

# keyword -> action (a selection of Table E.1-1 covering the attributes that occur in practice)
ACTIONS: dict[str, str] = {
    # patient identity
    "PatientName": "Z", "PatientID": "Z", "PatientBirthDate": "Z", "PatientBirthTime": "X", "PatientSex": "Z",
    "OtherPatientIDs": "X", "OtherPatientIDsSequence": "X", "OtherPatientNames": "X", "PatientBirthName": "X",
    "PatientMotherBirthName": "X", "PatientAddress": "X", "PatientTelephoneNumbers": "X", "MedicalRecordLocator": "X",
    "EthnicGroup": "X", "Occupation": "X", "PatientInsurancePlanCodeSequence": "X", "MilitaryRank": "X",
    "BranchOfService": "X", "PatientReligiousPreference": "X", "CountryOfResidence": "X", "RegionOfResidence": "X",
    "PatientComments": "X", "AdditionalPatientHistory": "X", "PatientState": "X", "ResponsiblePerson": "X",
    "PatientAge": "X", "PatientSize": "X", "PatientWeight": "X", "PregnancyStatus": "X",
    # people and places
    "ReferringPhysicianName": "Z", "ReferringPhysicianAddress": "X", "ReferringPhysicianTelephoneNumbers": "X",
    "PerformingPhysicianName": "X", "NameOfPhysiciansReadingStudy": "X", "PhysiciansOfRecord": "X",
    "OperatorsName": "X", "RequestingPhysician": "X", "ScheduledPerformingPhysicianName": "X",
    "InstitutionName": "X", "InstitutionAddress": "X", "InstitutionalDepartmentName": "X", "StationName": "X",
    "DeviceSerialNumber": "X", "PlateID": "X", "DetectorID": "X",
    # study identifiers and free text
    "AccessionNumber": "Z", "StudyID": "Z", "RequestAttributesSequence": "X", "StudyDescription": "X",
    "SeriesDescription": "X", "ImageComments": "X", "RequestedProcedureDescription": "X",
    "PerformedProcedureStepDescription": "X", "ProtocolName": "X", "AdmittingDiagnosesDescription": "X",
    "DerivationDescription": "X", "ReasonForStudy": "X", "RequestedProcedureID": "X",
    "PerformedProcedureStepID": "X", "ScheduledProcedureStepID": "X", "AdmissionID": "X",
    "ReferencedPatientSequence": "X", "ReferencedStudySequence": "X",
    # dates and times
    "StudyDate": "Z", "SeriesDate": "X", "AcquisitionDate": "X", "ContentDate": "Z", "StudyTime": "Z",
    "SeriesTime": "X", "AcquisitionTime": "X", "ContentTime": "Z", "AcquisitionDateTime": "X",
    "InstanceCreationDate": "X", "InstanceCreationTime": "X", "PerformedProcedureStepStartDate": "X",
    "PerformedProcedureStepStartTime": "X", "OverlayDate": "X", "CurveDate": "X",
    # UIDs
    "StudyInstanceUID": "U", "SeriesInstanceUID": "U", "SOPInstanceUID": "U", "FrameOfReferenceUID": "U",
    "ReferencedSOPInstanceUID": "U", "InstanceCreatorUID": "U", "IrradiationEventUID": "U",
    "SynchronizationFrameOfReferenceUID": "U", "StorageMediaFileSetUID": "U",
}

METHOD = "DICOM PS3.15 Basic Application Level Confidentiality Profile (medapp)"


def _salt() -> str:
    return os.environ.get("MEDAPP_DEID_SALT", "medapp-demo-installation")


def _new_uid(uid: str) -> str:
    return generate_uid(entropy_srcs=[_salt(), str(uid)])


def deidentify_dataset(ds: Dataset) -> Dataset:
    """De-identify in place (sequences too) and return the dataset."""
    ds.remove_private_tags()

    def visit(dataset: Dataset) -> None:
        for elem in list(dataset):
            if elem.VR == "SQ":
                action = ACTIONS.get(elem.keyword)
                if action == "X":
                    del dataset[elem.tag]
                    continue
                for item in elem.value:
                    visit(item)
                continue
            action = ACTIONS.get(elem.keyword)
            if action == "X":
                del dataset[elem.tag]
            elif action == "Z":
                elem.value = "" if elem.VR not in ("US", "SS", "UL", "SL", "FL", "FD") else None
            elif action == "D":
                elem.value = "ANONYMOUS"
            elif action == "U" and elem.value:
                elem.value = [_new_uid(u) for u in elem.value] if elem.VM > 1 else _new_uid(elem.value)

    visit(ds)
    if hasattr(ds, "file_meta") and "MediaStorageSOPInstanceUID" in ds.file_meta and "SOPInstanceUID" in ds:
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.PatientIdentityRemoved = "YES"
    ds.DeidentificationMethod = METHOD
    code = Dataset()
    code.CodeValue, code.CodingSchemeDesignator, code.CodeMeaning = "113100", "DCM", "Basic Application Confidentiality Profile"
    ds.DeidentificationMethodCodeSequence = [code]
    return ds


def deidentify_dicom(data: bytes) -> bytes:
    from .dicom import read

    ds = deidentify_dataset(read(data))
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    return buf.getvalue()


def deidentify_bytes(data: bytes) -> bytes:
    """Any supported upload, de-identified: DICOM by the profile, pictures re-encoded without metadata."""
    from .io import detect

    kind = detect(data)
    if kind == "dicom":
        return deidentify_dicom(data)
    if kind == "zip":
        from .io import zip_members

        out = io.BytesIO()
        import zipfile

        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            for i, (name, member) in enumerate(zip_members(data, "series.zip")):
                z.writestr(f"{i:04d}.bin", deidentify_bytes(member))  # file names can hold PHI too
        return out.getvalue()
    from PIL import Image

    with Image.open(io.BytesIO(data)) as img:
        img.load()
        pixels = img.convert("RGB") if img.mode in ("P", "CMYK", "YCbCr", "LAB", "HSV") else img
        clean = Image.new(pixels.mode, pixels.size)  # a new image carries no EXIF, XMP or text chunks
        clean.paste(pixels)
        buf = io.BytesIO()
        clean.save(buf, format="PNG")
    return buf.getvalue()
