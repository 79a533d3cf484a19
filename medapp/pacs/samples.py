"""Synthetic-header DICOM studies built from real chest radiographs and breast ultrasound, to fill a test PACS.

The pixels are the Kermany et al. paediatric chest X-rays (CC BY 4.0) and BUSI breast ultrasound images
(Al-Dhabyani et al. 2020, CC BY 4.0) in ../shared/data; the headers (patients, dates, UIDs) are invented
here. Also: a non-image object inside a series, an instance whose compressed pixels cannot be decoded, and
the shared demo DICOM files as they are.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pydicom
from PIL import Image
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.uid import (
    PYDICOM_IMPLEMENTATION_UID,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    JPEGBaseline8Bit,
    generate_uid,
)

CR_STORAGE = "1.2.840.10008.5.1.4.1.1.1"
DX_STORAGE = "1.2.840.10008.5.1.4.1.1.1.1"  # Digital X-Ray Image Storage - For Presentation
US_STORAGE = "1.2.840.10008.5.1.4.1.1.6.1"  # Ultrasound Image Storage
BASIC_TEXT_SR = "1.2.840.10008.5.1.4.1.1.88.11"
UID_ROOT = "1.2.826.0.1.3680043.8.498."  # pydicom's root, for generated test objects only


@dataclass(frozen=True)
class Patient:
    patient_id: str
    name: str
    study_date: str
    accession: str
    study_uid: str


def chest_images(data_root: Path, n: int, *, offset: int = 0) -> list[tuple[str, np.ndarray]]:
    """n grey chest radiographs (alternating normal / pneumonia) from the Kermany 224 px training set."""
    base = data_root / "imaging" / "kermany_cxr224" / "train"
    normal = sorted((base / "NORMAL").glob("*.jpeg"))
    pneumonia = sorted((base / "PNEUMONIA").glob("*.jpeg"))
    if not normal or not pneumonia:
        raise FileNotFoundError(f"chest radiographs not found under {base}")
    out = []
    for i in range(offset, offset + n):
        path = (normal, pneumonia)[i % 2][(i // 2) % min(len(normal), len(pneumonia))]
        out.append((path.parent.name, np.asarray(Image.open(path).convert("L"))))
    return out


def breast_ultrasound_images(data_root: Path, n: int) -> list[tuple[str, np.ndarray]]:
    """n grey BUSI breast ultrasound images (alternating benign / malignant), lesion masks left out."""
    base = data_root / "imaging" / "busi"
    kinds = [sorted(p for p in (base / kind).glob("*.png") if "_mask" not in p.name) for kind in ("benign", "malignant")]
    if not all(kinds):
        raise FileNotFoundError(f"breast ultrasound images not found under {base}")
    return [(("benign", "malignant")[i % 2], np.asarray(Image.open(kinds[i % 2][i // 2]).convert("L")))
            for i in range(n)]


def _meta(sop_class: str, sop_uid: str, transfer_syntax: str = ExplicitVRLittleEndian) -> FileMetaDataset:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = sop_uid
    meta.TransferSyntaxUID = transfer_syntax
    meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
    return meta


def _header(ds: Dataset, patient: Patient, *, sop_class: str, modality: str, series_uid: str, series_number: int,
            series_description: str, instance_number: int, study_description: str = "Chest radiograph (test data)",
            body_part: str = "CHEST") -> None:
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID
    ds.PatientID, ds.PatientName = patient.patient_id, patient.name
    ds.PatientBirthDate, ds.PatientSex = "", "O"
    ds.StudyInstanceUID, ds.StudyDate, ds.StudyTime = patient.study_uid, patient.study_date, "090000"
    ds.AccessionNumber, ds.StudyID = patient.accession, patient.accession[-8:]
    ds.ReferringPhysicianName, ds.StudyDescription = "", study_description
    ds.SeriesInstanceUID, ds.SeriesNumber, ds.SeriesDescription = series_uid, series_number, series_description
    ds.Modality, ds.InstanceNumber, ds.Manufacturer = modality, instance_number, "medapp test data"
    ds.BodyPartExamined = body_part


def _to_bytes(ds: Dataset) -> bytes:
    buf = io.BytesIO()
    pydicom.dcmwrite(buf, ds, enforce_file_format=True)
    return buf.getvalue()


def radiograph(pixels: np.ndarray, patient: Patient, *, modality: str = "CR", series_uid: str, series_number: int = 1,
               series_description: str = "Chest PA", instance_number: int = 1, label: str = "") -> bytes:
    """A CR or DX instance holding 12-bit grey pixels scaled from an 8-bit picture."""
    sop_class = CR_STORAGE if modality == "CR" else DX_STORAGE
    ds = Dataset()
    ds.file_meta = _meta(sop_class, generate_uid(UID_ROOT))
    _header(ds, patient, sop_class=sop_class, modality=modality, series_uid=series_uid, series_number=series_number,
            series_description=series_description, instance_number=instance_number)
    if modality == "DX":
        ds.PresentationIntentType, ds.ImageType = "FOR PRESENTATION", ["ORIGINAL", "PRIMARY"]
    ds.ImageComments = f"source label: {label}" if label else ""
    pix = (pixels.astype(np.uint16) * 16)  # 12-bit range, as a detector would store it
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.Rows, ds.Columns = pix.shape
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ds.WindowCenter, ds.WindowWidth = 2048, 4096
    ds.PixelData = pix.tobytes()
    return _to_bytes(ds)


def ultrasound(pixels: np.ndarray, patient: Patient, *, series_uid: str, instance_number: int, label: str = "") -> bytes:
    """A breast ultrasound instance: 8-bit grey pixels as the scanner exported them."""
    ds = Dataset()
    ds.file_meta = _meta(US_STORAGE, generate_uid(UID_ROOT))
    _header(ds, patient, sop_class=US_STORAGE, modality="US", series_uid=series_uid, series_number=1,
            series_description="Breast US left", instance_number=instance_number,
            study_description="Breast ultrasound (test data)", body_part="BREAST")
    ds.ImageComments = f"source label: {label}" if label else ""
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.Rows, ds.Columns = pixels.shape
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
    ds.PixelData = pixels.astype(np.uint8).tobytes()
    return _to_bytes(ds)


def text_report(patient: Patient, *, series_uid: str, series_number: int, instance_number: int) -> bytes:
    """A Basic Text SR placed inside an image series: a non-image object the analysis must skip."""
    ds = Dataset()
    ds.file_meta = _meta(BASIC_TEXT_SR, generate_uid(UID_ROOT))
    _header(ds, patient, sop_class=BASIC_TEXT_SR, modality="SR", series_uid=series_uid, series_number=series_number,
            series_description="Chest PA", instance_number=instance_number)
    ds.ValueType, ds.CompletionFlag, ds.VerificationFlag = "CONTAINER", "COMPLETE", "UNVERIFIED"
    concept = Dataset()
    concept.CodeValue, concept.CodingSchemeDesignator, concept.CodeMeaning = "18748-4", "LN", "Diagnostic Imaging Report"
    ds.ConceptNameCodeSequence = [concept]
    ds.ContinuityOfContent = "SEPARATE"
    return _to_bytes(ds)


def undecodable(patient: Patient, *, series_uid: str, series_number: int, instance_number: int) -> bytes:
    """A CR instance that declares JPEG Baseline pixels but holds a damaged codestream."""
    ds = Dataset()
    sop = generate_uid(UID_ROOT)
    ds.file_meta = _meta(CR_STORAGE, sop, JPEGBaseline8Bit)
    _header(ds, patient, sop_class=CR_STORAGE, modality="CR", series_uid=series_uid, series_number=series_number,
            series_description="Chest PA", instance_number=instance_number)
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.Rows, ds.Columns = 224, 224
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
    ds.PixelData = encapsulate([b"\xff\xd8\xff\xdb" + bytes(range(256)) * 8 + b"\xff\xd9"])
    return _to_bytes(ds)


def shared_demo_files(data_root: Path) -> list[bytes]:
    """The shared demo DICOM files; the preamble-less CR is rewritten as a Part 10 file for the archive."""
    out = []
    for path in sorted((data_root / "dicom").glob("*.dcm")):
        data = path.read_bytes()
        if data[128:132] != b"DICM":
            ds = pydicom.dcmread(io.BytesIO(data), force=True)
            ds.file_meta = _meta(ds.SOPClassUID, ds.SOPInstanceUID, ImplicitVRLittleEndian)
            data = _to_bytes(ds)
        out.append(data)
    return out


@dataclass(frozen=True)
class DemoArchive:
    chest: Patient  # study with a CR series (4 images, a text report, an undecodable instance) and a DX series
    cr_series_uid: str
    dx_series_uid: str
    cr_images: int
    dx_images: int
    breast: Patient  # study with one US series of breast ultrasound images
    us_series_uid: str
    us_images: int


def demo_archive(data_root: Path) -> tuple[DemoArchive, list[bytes]]:
    """The files of a small archive: the chest and breast studies described in DemoArchive, plus the shared demo
    files (a CR chest, two CT and an MR: modalities no model here was trained on)."""
    chest = Patient("PAT-0001", "Test^Alice", "20240105", "ACC-0001", generate_uid(UID_ROOT))
    cr, dx = generate_uid(UID_ROOT), generate_uid(UID_ROOT)
    files = []
    images = chest_images(data_root, 6)
    for i, (label, pix) in enumerate(images[:4]):
        files.append(radiograph(pix, chest, modality="CR", series_uid=cr, series_number=1, instance_number=i + 1,
                                label=label))
    files.append(text_report(chest, series_uid=cr, series_number=1, instance_number=5))
    files.append(undecodable(chest, series_uid=cr, series_number=1, instance_number=6))
    for i, (label, pix) in enumerate(images[4:]):
        files.append(radiograph(pix, chest, modality="DX", series_uid=dx, series_number=2,
                                series_description="Chest AP portable", instance_number=i + 1, label=label))
    breast = Patient("PAT-0002", "Test^Beth", "20240212", "ACC-0002", generate_uid(UID_ROOT))
    us = generate_uid(UID_ROOT)
    scans = breast_ultrasound_images(data_root, 2)
    files += [ultrasound(pix, breast, series_uid=us, instance_number=i + 1, label=label)
              for i, (label, pix) in enumerate(scans)]
    files.extend(shared_demo_files(data_root))
    return DemoArchive(chest, cr, dx, 4, 2, breast, us, len(scans)), files


def study_list(data_root: Path, n_instances: int, *, study_date: str = "20240301", per_study: int = 10) -> list[bytes]:
    """n_instances CR images spread over studies of per_study images, all on one date (the batch benchmark)."""
    files = []
    images = chest_images(data_root, n_instances, offset=100)
    for start in range(0, n_instances, per_study):
        k = start // per_study
        patient = Patient(f"BATCH-{k:03d}", f"Batch^Patient{k:03d}", study_date, f"ACC-B{k:03d}", generate_uid(UID_ROOT))
        series = generate_uid(UID_ROOT)
        for j, (label, pix) in enumerate(images[start:start + per_study]):
            files.append(radiograph(pix, patient, modality="CR", series_uid=series, instance_number=j + 1, label=label))
    return files
