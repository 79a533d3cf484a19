"""A DICOMweb client for one endpoint: search (QIDO-RS), retrieve (WADO-RS), store (STOW-RS).

Built on dicomweb-client with a requests session that carries the endpoint's authentication and
timeouts. Every network failure becomes a PacsError whose message says what answered, or why
nothing did (refused, timed out, name not found, 401/403, not a DICOMweb service), and never
contains a password or token.
"""
from __future__ import annotations

import contextlib
import io
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlsplit

import pydicom
import requests
from dicomweb_client.api import DICOMwebClient
from pydicom.datadict import tag_for_keyword
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from ..types import InputError
from .config import Endpoint

ANY_TRANSFER_SYNTAX = (("application/dicom", "*"),)  # the instance as stored: no server-side transcoding


class PacsError(InputError):
    """The PACS could not be reached or refused a request; the message is for the user. `unreachable`: no answer
    at all (refused, timed out, dropped): the next request would most likely fail the same way."""

    def __init__(self, message: str, *, unreachable: bool = False):
        super().__init__(message)
        self.unreachable = unreachable


@dataclass(frozen=True)
class InstanceRef:
    study_uid: str
    series_uid: str
    sop_uid: str
    sop_class_uid: str = ""
    modality: str = ""
    instance_number: int | None = None
    series_description: str = ""
    series_number: int | None = None
    patient_id: str = ""
    study_date: str = ""

    @property
    def name(self) -> str:
        """A readable label: series description (or modality), instance number, end of the UID."""
        what = self.series_description or self.modality or "instance"
        number = f" #{self.instance_number}" if self.instance_number is not None else ""
        return f"{what}{number} ({self.sop_uid[-12:]})"


@dataclass(frozen=True)
class ConnectionReport:
    ok: bool
    message: str
    elapsed_ms: float = 0.0
    details: dict[str, Any] = field(default_factory=dict)


def value(item: dict[str, Any], keyword: str, default: Any = "") -> Any:
    """The first value of an attribute in a DICOM JSON object (person names as their Alphabetic form)."""
    tag = f"{tag_for_keyword(keyword):08X}"
    values = item.get(tag, {}).get("Value")
    if not values:
        return default
    first = values[0]
    if isinstance(first, dict):
        return first.get("Alphabetic", "")
    return first


def values(item: dict[str, Any], keyword: str) -> list[Any]:
    return list(item.get(f"{tag_for_keyword(keyword):08X}", {}).get("Value") or [])


def date_range(start: date | str | None, end: date | str | None) -> str | None:
    """A QIDO date (range) value: 'YYYYMMDD', 'YYYYMMDD-YYYYMMDD', open ends allowed."""
    def fmt(d: date | str | None) -> str:
        return d.strftime("%Y%m%d") if isinstance(d, date) else (d or "").replace("-", "")
    a, b = fmt(start), fmt(end)
    if not a and not b:
        return None
    return a if a and a == b else f"{a}-{b}"


class InstanceCache:
    """Retrieved instances by SOP Instance UID (bounded by bytes), so nothing is fetched twice."""

    def __init__(self, max_bytes: int = 512 * 2**20):
        self.max_bytes = max_bytes
        self._items: OrderedDict[str, bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, sop_uid: str) -> bytes | None:
        with self._lock:
            data = self._items.get(sop_uid)
            if data is not None:
                self._items.move_to_end(sop_uid)
            return data

    def put(self, sop_uid: str, data: bytes) -> None:
        with self._lock:
            if sop_uid in self._items:
                return
            self._items[sop_uid] = data
            self._size += len(data)
            while self._size > self.max_bytes and len(self._items) > 1:
                _, old = self._items.popitem(last=False)
                self._size -= len(old)

    def __contains__(self, sop_uid: str) -> bool:
        with self._lock:
            return sop_uid in self._items

    def __len__(self) -> int:
        return len(self._items)


class _Session(requests.Session):
    """Sends '*' in query strings as itself (RFC 3986 allows it there) rather than %2A: some archives
    (Orthanc 1.10's DICOMweb plugin) do not percent-decode QIDO values, so an escaped wildcard matched nothing."""

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        if request.url and "?" in request.url:
            path, _, query = request.url.partition("?")
            request.url = f"{path}?{query.replace('%2A', '*').replace('%2a', '*')}"
        return super().send(request, **kwargs)


class PacsClient:
    def __init__(self, endpoint: Endpoint):
        self.endpoint = endpoint
        session = _Session()
        if endpoint.auth == "basic":
            session.auth = (endpoint.username, endpoint.password)
        elif endpoint.auth == "bearer":
            session.headers["Authorization"] = f"Bearer {endpoint.token}"
        session.headers["User-Agent"] = "medapp-dicomweb"
        # A busy archive's 429/503/504 is retried (urllib3, honouring Retry-After); a refused or dropped connection is
        # not. dicomweb-client's own retrying retried every exception 5 times with waits of 2+4+8+16 s, so each
        # call to a PACS that was down took 30 s to fail and a series stalled for tens of minutes (a review).
        busy = Retry(total=3, connect=0, read=False, other=0, status=3, status_forcelist=(429, 503, 504),
                     backoff_factor=0.5, allowed_methods=None, raise_on_status=False)
        for scheme in ("http://", "https://"):
            session.mount(scheme, HTTPAdapter(max_retries=busy))
        self.session = session
        self.timeout = (endpoint.connect_timeout, endpoint.read_timeout)
        self.web = DICOMwebClient(url=endpoint.url, session=session, timeout=self.timeout)
        self.web.set_http_retry_params(retry=False)
        self.fetches = 0  # instances actually transferred (the cache proves nothing is fetched twice)

    # -- errors ----------------------------------------------------------------------------------
    @property
    def where(self) -> str:
        parts = urlsplit(self.endpoint.url)
        return f"{self.endpoint.name} ({parts.scheme}://{parts.netloc}{parts.path})"

    def describe(self, exc: Exception, action: str) -> PacsError:
        """A PacsError saying what went wrong with `action`, in words, without any secret."""
        ep = self.endpoint
        host = urlsplit(ep.url).netloc
        unreachable = isinstance(exc, requests.exceptions.ConnectionError | requests.exceptions.Timeout) and not \
            isinstance(exc, requests.exceptions.SSLError)
        if isinstance(exc, requests.exceptions.SSLError):
            msg = f"{action}: the TLS certificate of {host} was not accepted ({type(exc).__name__})."
        elif isinstance(exc, requests.exceptions.ConnectTimeout):
            msg = f"{action}: {host} did not accept a connection within {ep.connect_timeout:g} s (timed out)."
        elif isinstance(exc, requests.exceptions.ReadTimeout):
            msg = f"{action}: {host} accepted the connection but did not answer within {ep.read_timeout:g} s (timed out)."
        elif isinstance(exc, requests.exceptions.ConnectionError):
            text = str(exc)
            if "Name or service not known" in text or "getaddrinfo" in text or "Temporary failure in name" in text:
                msg = f"{action}: the host name in {host} could not be resolved."
            elif "refused" in text.lower():
                msg = f"{action}: nothing is listening at {host} (connection refused). Is the PACS running?"
            else:
                msg = f"{action}: the connection to {host} failed ({type(exc).__name__})."
        elif isinstance(exc, requests.exceptions.HTTPError) and exc.response is not None:
            status = exc.response.status_code
            if status == 401:
                msg = (f"{action}: {host} refused the credentials (HTTP 401). Check the user name and password "
                       "or token of this endpoint.")
            elif status == 403:
                msg = f"{action}: {host} accepted the credentials but does not allow this (HTTP 403)."
            elif status in (404, 405, 406):
                msg = (f"{action}: {host} answered HTTP {status}: the address is not a DICOMweb service, or the "
                       "object is not there. The base URL usually ends in /dicom-web (Orthanc) or "
                       "/dcm4chee-arc/aets/<AET>/rs (dcm4chee).")
            elif status == 400:
                msg = (f"{action}: {host} answered HTTP 400 (Bad Request): the address is not a DICOMweb root, "
                       "or it does not accept this query. The base URL usually ends in /dicom-web.")
            else:
                msg = f"{action}: {host} answered HTTP {status} ({exc.response.reason})."
        elif isinstance(exc, (ValueError, KeyError)):  # JSON or multipart that is not DICOM
            msg = f"{action}: {host} answered, but not with DICOMweb content ({type(exc).__name__})."
        else:
            msg = f"{action}: {type(exc).__name__} talking to {host}."
        return PacsError(msg, unreachable=unreachable)

    @contextlib.contextmanager
    def _errors(self, action: str) -> Iterator[None]:
        try:
            yield
        except PacsError:
            raise
        except (requests.exceptions.RequestException, ValueError, KeyError) as exc:
            raise self.describe(exc, action) from None

    # -- connection test ---------------------------------------------------------------------------
    def test_connection(self) -> ConnectionReport:
        """One QIDO-RS query (?limit=1): what answered and how fast, or why nothing did."""
        start = time.perf_counter()
        try:
            response = self.session.get(f"{self.endpoint.url}/studies", params={"limit": 1},
                                        headers={"Accept": "application/dicom+json"}, timeout=self.timeout)
            elapsed = (time.perf_counter() - start) * 1000
            response.raise_for_status()
        except requests.exceptions.RequestException as exc:
            return ConnectionReport(False, self.describe(exc, "Test connection").message,
                                    (time.perf_counter() - start) * 1000)
        server = response.headers.get("Server", "")
        ctype = response.headers.get("Content-Type", "")
        if response.status_code == 204:
            studies: list = []
        else:
            try:
                studies = response.json()
            except ValueError:
                studies = None
        if not isinstance(studies, list) or ("json" not in ctype and response.status_code != 204):
            return ConnectionReport(False, f"{urlsplit(self.endpoint.url).netloc} answered HTTP "
                                    f"{response.status_code} with {ctype or 'no content type'}, not DICOMweb JSON: "
                                    "the address is not a DICOMweb QIDO-RS root.", elapsed, {"server": server})
        who = f" ({server})" if server else ""
        return ConnectionReport(True, f"DICOMweb answered{who} in {elapsed:.0f} ms: QIDO-RS search works"
                                f"{' and the archive holds studies' if studies else ', no studies yet'}.",
                                elapsed, {"server": server, "status": response.status_code})

    # -- QIDO-RS -------------------------------------------------------------------------------------
    def search_studies(self, *, patient_id: str = "", patient_name: str = "", study_date: str | None = None,
                       modalities: Sequence[str] = (), accession: str = "", study_uid: str = "",
                       limit: int = 200) -> list[dict[str, Any]]:
        """Studies matching the filters (a name matches by prefix, as most archives do)."""
        filters: dict[str, Any] = {}
        if patient_id.strip():
            filters["PatientID"] = patient_id.strip()
        if patient_name.strip():
            # Prefix match; '^' (between family and given names) and spaces become wildcards too, since
            # they travel percent-encoded and an archive that does not decode them would match nothing.
            name = re.sub(r"[\s^]+", "*", patient_name.strip())
            filters["PatientName"] = name if name.endswith("*") else f"{name}*"
        if study_date:
            filters["StudyDate"] = study_date
        if accession.strip():
            filters["AccessionNumber"] = accession.strip()
        if study_uid.strip():
            filters["StudyInstanceUID"] = study_uid.strip()
        fields = ["StudyInstanceUID", "PatientID", "PatientName", "StudyDate", "StudyDescription",
                  "AccessionNumber", "ModalitiesInStudy", "NumberOfStudyRelatedInstances"]
        with self._errors("Searching studies"):
            found = self.web.search_for_studies(search_filters=filters, fields=fields, limit=limit)
        studies = [{
            "study_uid": value(s, "StudyInstanceUID"), "patient_id": value(s, "PatientID"),
            "patient_name": str(value(s, "PatientName")), "date": value(s, "StudyDate"),
            "description": value(s, "StudyDescription"), "accession": value(s, "AccessionNumber"),
            "modalities": "/".join(values(s, "ModalitiesInStudy")),
            "instances": value(s, "NumberOfStudyRelatedInstances", None),
        } for s in found]
        wanted = {m.upper() for m in modalities}
        if wanted:  # filtered here too: not every archive honours ModalitiesInStudy with several values
            studies = [s for s in studies if not s["modalities"] or wanted & set(s["modalities"].split("/"))]
        return sorted(studies, key=lambda s: (s["date"], s["study_uid"]), reverse=True)

    def series(self, study_uid: str) -> list[dict[str, Any]]:
        fields = ["SeriesInstanceUID", "Modality", "SeriesDescription", "SeriesNumber",
                  "NumberOfSeriesRelatedInstances"]
        with self._errors("Listing series"):
            found = self.web.search_for_series(study_instance_uid=study_uid, fields=fields)
        out = [{"series_uid": value(s, "SeriesInstanceUID"), "modality": value(s, "Modality"),
                "description": value(s, "SeriesDescription"), "number": value(s, "SeriesNumber", None),
                "instances": value(s, "NumberOfSeriesRelatedInstances", None)} for s in found]
        return sorted(out, key=lambda s: (s["number"] is None, s["number"] or 0, s["series_uid"]))

    def instances(self, study_uid: str, series_uid: str | None = None, *, patient_id: str = "",
                  study_date: str = "") -> list[InstanceRef]:
        fields = ["SOPInstanceUID", "SOPClassUID", "InstanceNumber", "SeriesInstanceUID", "Modality",
                  "SeriesDescription", "SeriesNumber"]
        with self._errors("Listing instances"):
            found = self.web.search_for_instances(study_instance_uid=study_uid, series_instance_uid=series_uid,
                                                  fields=fields, get_remaining=True)
        refs = []
        for item in found:
            number = value(item, "InstanceNumber", None)
            series_number = value(item, "SeriesNumber", None)
            refs.append(InstanceRef(
                study_uid=study_uid, series_uid=value(item, "SeriesInstanceUID") or (series_uid or ""),
                sop_uid=value(item, "SOPInstanceUID"), sop_class_uid=value(item, "SOPClassUID"),
                modality=value(item, "Modality"), instance_number=int(number) if number is not None else None,
                series_description=value(item, "SeriesDescription"),
                series_number=int(series_number) if series_number is not None else None,
                patient_id=patient_id, study_date=study_date))
        return sorted(refs, key=lambda r: (r.series_number or 0, r.series_uid, r.instance_number or 0, r.sop_uid))

    def study_list_instances(self, studies: Sequence[dict[str, Any]], modalities: Sequence[str] = ()) -> list[InstanceRef]:
        """Every instance of the given studies, optionally only those of the given modalities."""
        wanted = {m.upper() for m in modalities}
        refs: list[InstanceRef] = []
        for s in studies:
            for ref in self.instances(s["study_uid"], patient_id=s.get("patient_id", ""), study_date=s.get("date", "")):
                if not wanted or ref.modality.upper() in wanted:
                    refs.append(ref)
        return refs

    # -- WADO-RS -------------------------------------------------------------------------------------
    def series_metadata(self, study_uid: str, series_uid: str) -> list[pydicom.Dataset]:
        """Every instance's header in a series (no pixels): WADO-RS metadata."""
        with self._errors("Reading a series' headers"):
            found = self.web.retrieve_series_metadata(study_uid, series_uid)
        return [pydicom.Dataset.from_json(item) for item in found]

    def retrieve(self, ref: InstanceRef, cache: InstanceCache | None = None) -> bytes:
        """The instance as a DICOM Part 10 file, from the cache when this session already has it."""
        if cache is not None:
            hit = cache.get(ref.sop_uid)
            if hit is not None:
                return hit
        with self._errors(f"Retrieving {ref.name}"):
            ds = self.web.retrieve_instance(ref.study_uid, ref.series_uid, ref.sop_uid, media_types=ANY_TRANSFER_SYNTAX)
        self.fetches += 1
        buf = io.BytesIO()
        pydicom.dcmwrite(buf, ds, enforce_file_format=True)
        data = buf.getvalue()
        if cache is not None:
            cache.put(ref.sop_uid, data)
        return data

    # -- STOW-RS -------------------------------------------------------------------------------------
    def store(self, datasets: Sequence[pydicom.Dataset], study_uid: str) -> list[str]:
        """Store instances into a study; the SOP Instance UIDs the archive confirmed."""
        try:
            with self._errors("Sending to the PACS"):
                response = self.web.store_instances(list(datasets), study_instance_uid=study_uid)
        except PacsError as exc:
            # sent, and no answer came: the archive may well have stored them (a review found a "failed" send in
            # the study once the archive woke up, and a second send would have filed them twice)
            if isinstance(exc.__context__, requests.exceptions.ReadTimeout) or "did not answer" in exc.message:
                raise PacsError(f"{exc.message} The PACS may have stored the result all the same: look in the "
                                "study (series 'medapp') before sending it again.") from None
            raise
        failed = response.get("FailedSOPSequence") if response is not None else None
        if failed:
            reasons = ", ".join(str(item.get("FailureReason", "?")) for item in failed)
            raise PacsError(f"The PACS refused {len(failed)} of {len(datasets)} objects (failure reason {reasons}).")
        stored = response.get("ReferencedSOPSequence", []) if response is not None else []
        return [str(item.ReferencedSOPInstanceUID) for item in stored]
