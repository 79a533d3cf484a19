"""De-identification of DICOM headers after the DICOM PS3.15 Annex E Basic Application Level
Confidentiality Profile, applied before anything is stored or exported.

Actions per attribute, as in PS3.15 Table E.1-1: X remove, Z replace by an empty value, D replace by
a dummy value, U replace UIDs by new ones (derived deterministically from the original with a
per-installation salt, so the references between objects of one study still match). Private tags
are removed; dates are removed or emptied (no date shifting: the study date is not needed by any
model); a short text (LO, SH) is kept only when it names the equipment or a code (KEPT_SHORT_TEXT), and the
file meta information is rebuilt. Pictures (PNG/JPEG/...) are re-encoded from their pixels, dropping EXIF and text chunks.
Not handled: PHI burned into the pixels (Burned In Annotation = YES is reported as a warning).
"""
from __future__ import annotations

import io

from pydicom.dataset import Dataset
from pydicom.uid import PYDICOM_ROOT_UID, generate_uid

from ...config import deid_salt, uid_root

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
    "PerformedProcedureStepStartTime": "X", "OverlayDate": "X", "CurveDate": "X", "TimezoneOffsetFromUTC": "X",
    # more free text and identifying context from Table E.1-1
    "StudyComments": "X", "RequestingService": "X", "AcquisitionDeviceProcessingDescription": "X",
    "ContrastBolusAgent": "Z", "ClinicalTrialCoordinatingCenterName": "Z", "IssuerOfPatientID": "X",
    "PatientTransportArrangements": "X", "SpecialNeeds": "X", "MedicalAlerts": "X", "Allergies": "X",
    "PerformedLocation": "X", "ScheduledStudyLocation": "X", "CurrentPatientLocation": "X",
    "VisitComments": "X", "ServiceEpisodeDescription": "X", "TextString": "X", "TextComments": "X",
    "ContentCreatorName": "Z", "VerifyingObserverName": "Z", "PersonName": "Z",
    # order and procedure-step free text (a name, an MRN and a phone number survived in these: a security review)
    "ScheduledProcedureStepDescription": "X", "ReasonForTheRequestedProcedure": "X", "RequestedProcedureComments": "X",
    "ImagingServiceRequestComments": "X", "CommentsOnThePerformedProcedureStep": "X", "DeviceDescription": "X",
    "ReasonForTheImagingServiceRequest": "X", "ReasonForRequestedProcedureCodeSequence": "X",
    "ScheduledProcedureStepSequence": "X", "RequestedProcedureCodeSequence": "X", "InterpretationText": "X",
    "ResultsComments": "X", "DischargeDiagnosisDescription": "X",
    "AdmittingDiagnosesCodeSequence": "X", "PatientInstitutionResidence": "X", "ScheduledStationName": "X",
    "PerformedStationName": "X", "ScheduledProcedureStepLocation": "X", "OrderEnteredBy": "X",
    "OrderEntererLocation": "X", "OrderCallbackPhoneNumber": "X", "ReferringPhysicianIdentificationSequence": "X",
    "PhysiciansOfRecordIdentificationSequence": "X", "PerformingPhysicianIdentificationSequence": "X",
    "PhysiciansReadingStudyIdentificationSequence": "X", "OperatorIdentificationSequence": "X",
    # organisations, orders and episodes, and earlier values kept by a modifying system (a data-protection review:
    # each of these carried an identifier through)
    "InstitutionCodeSequence": "X", "ProcedureCodeSequence": "X", "OriginalAttributesSequence": "X",
    "ModifiedAttributesSequence": "X", "ContributingEquipmentSequence": "X", "DigitalSignaturesSequence": "X",
    "EncryptedAttributesSequence": "X", "HL7StructuredDocumentReferenceSequence": "X",
    "PersonIdentificationCodeSequence": "X", "ReferencedPatientPhotoSequence": "X",
    # UIDs
    "StudyInstanceUID": "U", "SeriesInstanceUID": "U", "SOPInstanceUID": "U", "FrameOfReferenceUID": "U",
    "ReferencedSOPInstanceUID": "U", "InstanceCreatorUID": "U", "IrradiationEventUID": "U",
    "SynchronizationFrameOfReferenceUID": "U", "StorageMediaFileSetUID": "U",
}

# Generic rules for what the table above does not name: every person name and every date/time is
# emptied, and every UID outside the DICOM standard's own root (1.2.840.10008, class and syntax UIDs)
# is re-derived; overlay data and comments and curves (groups 60xx, 50xx) are removed.
GENERIC_EMPTY_VRS = ("PN", "DA", "DT", "TM")
# Free text the table does not name: any text VR (LT, ST, UT) is removed, and a short text (LO, SH) whose name says it
# is a description, comment, reason, history, diagnosis or note; people write names and numbers there.
FREE_TEXT_VRS = ("LT", "ST", "UT")
FREE_TEXT_WORDS = ("Description", "Comment", "Reason", "History", "Diagnos", "Note", "Remark")
KEEP_UIDS = ("TransferSyntaxUID", "ImplementationClassUID", "CodingSchemeUID")
# Short texts (LO, SH) are kept only when named here: order and episode numbers, organisations, telephone numbers,
# trial subject ids and the like are LO or SH too, and a list of those to remove missed some (a data-protection
# review). These name the equipment, a window preset or a code, never a person.
KEPT_SHORT_TEXT = frozenset({
    "Manufacturer", "ManufacturerModelName", "SoftwareVersions", "WindowCenterWidthExplanation", "LUTExplanation",
    "CodeValue", "CodingSchemeDesignator", "CodingSchemeVersion", "CodeMeaning", "DeidentificationMethod",
    "ConvolutionKernel", "ReconstructionMethod", "FilterType", "SequenceName", "TransducerData", "ProcessingFunction",
    "RescaleType", "ViewName",
})
# Value representations removed wherever they occur: an application entity title names a site's machine, a URI or
# unlimited text can hold anything, and an element of unknown type cannot be checked.
REMOVED_VRS = ("AE", "UR", "UC", "UN")
# The file meta information is rebuilt from these; the rest (source and sending AE titles, private information,
# the sending software's name) is dropped; pydicom writes its own implementation class and version.
KEPT_FILE_META = ("FileMetaInformationVersion", "MediaStorageSOPClassUID", "MediaStorageSOPInstanceUID",
                  "TransferSyntaxUID")

# LO: at most 64 characters (PS3.5 6.2); the profile itself is coded in DeidentificationMethodCodeSequence
METHOD = "PS3.15 Basic Application Level Confidentiality Profile, medapp"


def _new_uid(uid: str, salt: str) -> str:
    return generate_uid(prefix=uid_root() or PYDICOM_ROOT_UID, entropy_srcs=[salt, str(uid)])


def deidentify_dataset(ds: Dataset) -> Dataset:
    """De-identify in place (sequences too) and return the dataset."""
    salt = deid_salt()  # per installation (config.deid_salt), read once per dataset
    ds.remove_private_tags()

    def visit(dataset: Dataset) -> None:
        for elem in list(dataset):
            if elem.VR == "SQ":
                action = ACTIONS.get(elem.keyword) if elem.keyword else "X"  # an unknown sequence: not checked
                if action == "X":
                    del dataset[elem.tag]
                    continue
                for item in elem.value:
                    visit(item)
                continue
            action = ACTIONS.get(elem.keyword)
            if action is None:
                action = _generic_action(elem)
            if action == "X":
                del dataset[elem.tag]
            elif action == "Z":
                elem.value = "" if elem.VR not in ("US", "SS", "UL", "SL", "FL", "FD") else None
            elif action == "D":
                elem.value = "ANONYMOUS"
            elif action == "U" and elem.value:
                elem.value = [_new_uid(u, salt) for u in elem.value] if elem.VM > 1 else _new_uid(elem.value, salt)

    visit(ds)
    if getattr(ds, "file_meta", None) is not None:
        _rebuild_file_meta(ds)
    if getattr(ds, "preamble", None) is not None:  # 128 free bytes before "DICM": anything can be written there
        ds.preamble = b"\0" * 128
    ds.PatientIdentityRemoved = "YES"
    ds.DeidentificationMethod = METHOD
    code = Dataset()
    code.CodeValue, code.CodingSchemeDesignator, code.CodeMeaning = "113100", "DCM", "Basic Application Confidentiality Profile"
    ds.DeidentificationMethodCodeSequence = [code]
    return ds


def _rebuild_file_meta(ds: Dataset) -> None:
    from pydicom.dataset import FileMetaDataset

    old = ds.file_meta
    meta = FileMetaDataset()
    for keyword in KEPT_FILE_META:
        if keyword in old:
            setattr(meta, keyword, old[keyword].value)
    if "SOPInstanceUID" in ds:
        meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.file_meta = meta


def _generic_action(elem) -> str | None:
    group, element = elem.tag.group, elem.tag.element
    if not elem.keyword or elem.keyword in ("DataSetTrailingPadding", "EncapsulatedDocument"):
        return "X"  # an element the dictionary does not know cannot be checked; padding and documents hold anything
    if 0x5000 <= group <= 0x501E or (0x6000 <= group <= 0x601E and element in (0x3000, 0x4000)):
        return "X"  # curves; overlay data and overlay comments
    if elem.VR in GENERIC_EMPTY_VRS:
        return "Z"
    if elem.VR in FREE_TEXT_VRS or elem.VR in REMOVED_VRS:
        return "X"
    if elem.VR in ("LO", "SH") and (elem.keyword not in KEPT_SHORT_TEXT
                                    or any(w in elem.keyword for w in FREE_TEXT_WORDS)):
        return "X"
    if (elem.VR == "UI" and elem.value and not elem.keyword.endswith("ClassUID") and elem.keyword not in KEEP_UIDS
            and not all(str(u).startswith("1.2.840.10008.") for u in (elem.value if elem.VM > 1 else [elem.value]))):
        return "U"
    return None


def deidentify_dicom(data: bytes) -> bytes:
    from ...types import InputError
    from .dicom import read

    ds = read(data)
    try:
        deidentify_dataset(ds)
        buf = io.BytesIO()
        ds.save_as(buf, enforce_file_format=True)
    except Exception as exc:  # noqa: BLE001 - a damaged element must stop the export, never leak through
        raise InputError(f"This DICOM file could not be de-identified ({type(exc).__name__}: {str(exc)[:80]}); "
                         "it is neither stored nor offered for download.") from None
    return buf.getvalue()


def deidentify_bytes(data: bytes) -> bytes:
    """Any supported upload, de-identified: DICOM by the profile, pictures re-encoded without metadata."""
    from ...types import InputError
    from .io import detect

    kind = detect(data)
    if kind == "dicom":
        return deidentify_dicom(data)
    if kind == "zip":
        import zipfile

        from .dicom import NoImage
        from .io import decode, zip_members

        out = io.BytesIO()
        kept = 0
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            for name, member in zip_members(data, "series.zip"):
                if detect(member) in ("unknown", "zip"):
                    continue  # only what the app analyses is kept (load skips these too)
                try:
                    decode(member, name)
                except NoImage:  # DICOMDIR (patient names!), reports: not analysed, not stored
                    continue
                z.writestr(f"{kept:04d}.bin", deidentify_bytes(member))  # file names can hold PHI too
                kept += 1
        if not kept:
            raise InputError("The archive holds no image to store.")
        return out.getvalue()
    if kind == "unknown":
        raise InputError("Not a PNG, JPEG, TIFF, BMP or DICOM image: nothing to de-identify.")
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as img:
            img.load()
            pixels = img.convert("RGB") if img.mode in ("P", "CMYK", "YCbCr", "LAB", "HSV") else img
            clean = Image.new(pixels.mode, pixels.size)  # a new image carries no EXIF, XMP or text chunks
            clean.paste(pixels)
            buf = io.BytesIO()
            # PNG cannot hold 32-bit integer or float pixels; TIFF can (written fresh, without tags)
            clean.save(buf, format="TIFF" if clean.mode in ("I", "F") else "PNG")
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise InputError(f"The picture is damaged and could not be de-identified ({type(exc).__name__}).") from None
    return buf.getvalue()


def patient_identity(data: bytes) -> str | None:
    """The patient a DICOM file names (Issuer of Patient ID and Patient ID), or None for a picture or an empty ID.

    Read before de-identification removes it, only to tell the store whether two images are of one patient
    (medapp.cases.store keeps a keyed hash of it, never the identifier).
    """
    from pydicom import dcmread
    from pydicom.errors import InvalidDicomError

    from .io import detect

    if detect(data) != "dicom":
        return None
    try:
        ds = dcmread(io.BytesIO(data), stop_before_pixels=True, force=True,  # ACR-NEMA files have no preamble
                     specific_tags=["PatientID", "IssuerOfPatientID"])
    except (InvalidDicomError, OSError, ValueError, EOFError):
        return None
    patient_id = str(ds.get("PatientID", "") or "").strip()
    if not patient_id:
        return None
    return f"{str(ds.get('IssuerOfPatientID', '') or '').strip()}\x1f{patient_id}"


def burned_in_annotation(data: bytes) -> bool:
    """Whether a DICOM file, or any DICOM file of a ZIP series, declares Burned In Annotation (0028,0301) = YES:
    text in its pixels, which this profile does not clean (no Clean Pixel Data Option), may name the patient.
    The store saves such an input only when the user says they looked (medapp.cases.store.save_analysis)."""
    from pydicom import dcmread
    from pydicom.errors import InvalidDicomError

    from .io import detect, zip_members

    def declares(one: bytes) -> bool:
        try:
            ds = dcmread(io.BytesIO(one), stop_before_pixels=True, force=True, specific_tags=["BurnedInAnnotation"])
        except (InvalidDicomError, OSError, ValueError, EOFError):
            return False
        return str(ds.get("BurnedInAnnotation", "") or "").strip().upper() == "YES"

    kind = detect(data)
    if kind == "dicom":
        return declares(data)
    if kind == "zip":
        return any(detect(member) == "dicom" and declares(member) for _, member in zip_members(data, "series.zip"))
    return False
