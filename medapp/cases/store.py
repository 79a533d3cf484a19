"""The case store: cases, analyses from any modality, reviewer verdicts (and, from Database, the audit trail).

It works only on the shared result types (Prediction and Explanation as dicts), so it holds
records, images, sounds and notes alike. Uploaded inputs are de-identified by the modality's
de-identifier (medapp.modalities.<m>.deid.deidentify_bytes) where one exists, then stored by sha256.
Role checks happen here too, so the CLI, pages and tests cannot bypass them.
"""
from __future__ import annotations

import hashlib
import hmac
import importlib
import re
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from ..analysis import labelled
from ..build import build_id, card_digest, result_digest
from ..db.database import Database
from ..db.tables import AuditEvent, Case, InstallationSetting, KeptCard, SavedAnalysis, User, Verdict, utcnow
from ..registry import UnknownModel, get_card
from ..security.roles import Actor, PermissionDenied, require
from ..types import Explanation, ModelCard, Prediction
from .blobs import BlobStore
from .drafts import VerdictDrafts
from .meeting import MeetingLeads
from .references import reference_problem, title_problem, verdict_text_problem

STATUSES = ("open", "in review", "closed")
VERDICTS = ("agree", "disagree", "uncertain")


class StoreError(ValueError):
    """A request the user can fix (unknown case, bad reference, invalid status)."""


def _clipped(text: str, limit: int = 60) -> str:
    """User text quoted in a message, at most `limit` characters."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


class ReferenceTakenError(StoreError):
    """A new case's reference names a case that exists (perhaps created a moment ago by a concurrent call)."""


class ConflictError(StoreError):
    """Someone changed the record after the user saw it: the change is refused, never silently merged."""


class CaseClosedError(ConflictError):
    """The case was closed (by `closed_by` at `closed_at`, when the audit trail says so): the change is refused.

    Pages word the refusal themselves from these attributes (what was refused, where to reopen the case).
    """

    def __init__(self, reference: str, closed_by: str | None, closed_at: datetime | None, doing: str,
                 reopen: str = "reopen it"):
        self.reference, self.closed_by, self.closed_at = reference, closed_by, closed_at
        super().__init__(f"Case {reference} is closed; {reopen} before {doing} "
                         f"({closed_phrase(closed_by, closed_at)}).")


class PatientMismatchError(ConflictError):
    """The input names another patient than the inputs already in the case (their DICOM Patient IDs differ)."""

    def __init__(self, reference: str):
        self.reference = reference
        # short: it is shown in the narrow column beside an image (the first wording took 11 lines there)
        super().__init__(f"Not saved to {reference}: its images are of another patient (DICOM Patient ID). Choose "
                         "this patient's case or a new one, or confirm it is the same patient under another ID.")


def closed_phrase(closed_by: str | None, closed_at: datetime | None) -> str:
    """'closed by chair at 12:03 UTC' (the date too when it was not today), or as much of it as is known."""
    if closed_at is None:
        when = ""
    else:
        if closed_at.tzinfo is not None:  # PostgreSQL hands back the server's zone; SQLite naive UTC
            closed_at = closed_at.astimezone(UTC)
        today = datetime.now(UTC).date()
        when = (f" at {closed_at:%H:%M} UTC" if closed_at.date() == today
                else f" on {closed_at:%Y-%m-%d} at {closed_at:%H:%M} UTC")
    return f"closed{f' by {closed_by}' if closed_by else ''}{when}"


def deidentify(modality: str, data: bytes) -> bytes:
    """The modality's de-identifier when it has one; otherwise the bytes unchanged.

    Only a modality without a deid module stores its bytes as they are: a de-identifier that is
    present but cannot be imported or fails on this input refuses the save rather than storing PHI.
    """
    name = f"medapp.modalities.{modality}.deid"
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and name.startswith(exc.name):  # the deid module (or modality) itself is absent
            return data
        raise StoreError(f"The {modality} de-identifier cannot run ({exc}); the input was not saved.") from None
    try:
        return module.deidentify_bytes(data)
    except Exception as exc:  # noqa: BLE001 - whatever the reason, the raw input must not be stored
        raise StoreError(f"The input could not be de-identified ({exc}); it was not saved.") from None


def patient_identity(modality: str, data: bytes) -> str | None:
    """The patient identifier an input carries, from its modality's de-identifier (DICOM Patient ID), else None."""
    try:
        module = importlib.import_module(f"medapp.modalities.{modality}.deid")
    except ModuleNotFoundError:
        return None
    read = getattr(module, "patient_identity", None)
    return read(data) if read is not None else None


def declares_burned_in_text(modality: str, data: bytes) -> bool:
    """Whether an input says text is burned into its pixels (DICOM Burned In Annotation = YES), from its modality's
    de-identifier; False for a modality without the notion."""
    try:
        module = importlib.import_module(f"medapp.modalities.{modality}.deid")
    except ModuleNotFoundError:
        return False
    read = getattr(module, "burned_in_annotation", None)
    try:
        return bool(read(data)) if read is not None else False
    except Exception:  # noqa: BLE001 - an unreadable series is refused by the de-identifier itself, with its reason
        return False


class BurnedInTextError(StoreError):
    """An input declaring text burned into its pixels, saved without the user saying they looked at it."""

    MESSAGE = ("This DICOM file declares burned-in annotation (Burned In Annotation = YES): text in the image may "
               "name the patient, de-identification does not remove it, and the image would be shown in the case, in "
               "Meeting mode and in reports. Look at the image; if no name, date or number in it identifies the "
               "patient, confirm that you checked it and save again. Nothing was saved.")

    def __init__(self) -> None:
        super().__init__(self.MESSAGE)


def stored_input_name(modality: str, original: str, digest: str) -> str:
    """The name an input is stored and shown under: modality, content hash and the file type only.

    Exported file names often carry identifiers (``SMITH_JOHN_MRN1234.dcm``), so the original name
    is never stored; the hash prefix still tells two inputs of one case apart and finds the blob.
    """
    suffix = Path(original).suffix.lower()
    suffix = suffix if re.fullmatch(r"\.[a-z0-9]{1,5}", suffix) else ""
    return f"{modality}-{digest[:10]}{suffix}"


class CaseStore(MeetingLeads, VerdictDrafts, Database):
    """Cases, analyses and verdicts on top of the database's sessions and audit trail (and who leads a meeting, and
    reviewers' unrecorded verdict drafts)."""

    def __init__(self, url: str | None = None, blobs: BlobStore | None = None):
        super().__init__(url)
        self.blobs = blobs or BlobStore()
        self._patient_secret: bytes | None = None

    # -- patients --------------------------------------------------------------------------------
    def patient_key(self, modality: str, data: bytes) -> str | None:
        """A keyed hash (HMAC-SHA256) of the patient identifier an input carries, or None when it carries none.

        The key is the installation's secret, drawn once per database by migration 0003_patient, so every process
        gets the same hash for one patient while the stored hash alone does not say who the patient is.
        """
        identity = patient_identity(modality, data)
        if identity is None:
            return None
        if self._patient_secret is None:
            with self.Session() as s:
                self._patient_secret = s.get(InstallationSetting, "patient_key_secret").value.encode()
        return hmac.new(self._patient_secret, identity.encode("utf-8"), hashlib.sha256).hexdigest()

    def other_patient_in_case(self, case_id: int, patient_key: str | None) -> bool:
        """Whether case `case_id` holds inputs of patients and `patient_key`'s is none of them (False for None)."""
        if patient_key is None:
            return False
        with self.Session() as s:
            return self._other_patient(s, case_id, patient_key)

    @staticmethod
    def _other_patient(s: Session, case_id: int, patient_key: str) -> bool:
        """The case's inputs name patients and this one is none of them (an ID confirmed once is accepted after)."""
        keys = set(s.scalars(select(SavedAnalysis.patient_key).where(
            SavedAnalysis.case_id == case_id, SavedAnalysis.patient_key.is_not(None)).distinct()))
        return bool(keys) and patient_key not in keys

    # -- cases ---------------------------------------------------------------------------------
    def create_case(self, reference: str, user: dict | Actor, title: str = "") -> int:
        actor = Actor.of(user)
        require(actor.role, "analyse")
        try:
            with self.Session.begin() as s:
                case_id = self._insert_case(s, actor, reference, title).id
        except IntegrityError:
            raise self._reference_taken(reference) from None
        return case_id

    @staticmethod
    def check_reference(reference: str) -> None:
        """Refuse a new case reference that is malformed or looks like it identifies a patient (a name, a date of
        birth: medapp/cases/references.py), with the reason in words."""
        problem = reference_problem(reference)
        if problem is not None:
            raise StoreError(problem)

    def _insert_case(self, s: Session, actor: Actor, reference: str, title: str) -> Case:
        reference = reference.strip()
        self.check_reference(reference)
        # "mdt-multi" beside "MDT-MULTI" split one meeting's analyses between two cases (a multi-user review); two
        # made at the same moment pass this check, and the database's unique index on lower(reference) refuses one
        twin = self._existing_spelling(s, reference)
        if twin is not None:
            raise self._taken_message(twin, reference)
        if (problem := title_problem(title)) is not None:
            raise StoreError(problem)
        case = Case(reference=reference, title=title.strip()[:200], created_by=actor.username)
        s.add(case)
        s.flush()
        self.audit_in(s, actor.username, "case.create", f"case:{case.id}", reference=reference)
        return case

    def _reference_taken(self, reference: str) -> StoreError:
        """The refusal of a new case whose reference (whatever its capitals) another insert took first."""
        reference = reference.strip()
        with self.Session() as s:
            twin = self._existing_spelling(s, reference)
        return self._taken_message(twin or reference, reference)

    @staticmethod
    def _existing_spelling(s: Session, reference: str) -> str | None:
        """The stored reference that `reference` names whatever its capitals; the exact one first (a database made
        before the check may hold "MDT-7" and "mdt-7", and "mdt-7" was refused as a twin of "MDT-7")."""
        found = s.scalars(select(Case.reference).where(func.lower(Case.reference) == reference.lower())).all()
        return reference if reference in found else (min(found) if found else None)

    @staticmethod
    def _taken_message(existing: str, reference: str) -> StoreError:
        if existing == reference:
            return ReferenceTakenError(f"A case with reference {reference!r} already exists; choose it from the list.")
        return ReferenceTakenError(f"Case {existing!r} differs from {reference!r} only in capitals: choose {existing} from the "
                          "list, or give another reference.")

    def list_cases(self, *, modality: str | None = None, model_id: str | None = None, status: str | None = None,
                   since: datetime | None = None, until: datetime | None = None,
                   disagreement: bool | None = None) -> list[dict]:
        # Only the columns the list needs: predictions and explanations (image maps) can be large.
        q = select(Case).options(
            selectinload(Case.analyses).load_only(SavedAnalysis.id, SavedAnalysis.case_id, SavedAnalysis.modality, SavedAnalysis.model_id)
            .selectinload(SavedAnalysis.verdicts).load_only(Verdict.id, Verdict.analysis_id, Verdict.verdict)
        ).order_by(Case.updated_at.desc(), Case.id.desc())
        if status:
            q = q.where(Case.status == status)
        if since:
            q = q.where(Case.updated_at >= since)
        if until:
            q = q.where(Case.updated_at <= until)
        out = []
        with self.Session() as s:
            for case in s.scalars(q):
                modalities = sorted({a.modality for a in case.analyses})
                models = sorted({a.model_id for a in case.analyses})
                if modality and modality not in modalities:
                    continue
                if model_id and model_id not in models:
                    continue
                disagrees = _has_disagreement(case)
                if disagreement is not None and disagrees != disagreement:
                    continue
                out.append({"id": case.id, "reference": case.reference, "title": case.title, "status": case.status,
                            "analyses": len(case.analyses), "modalities": modalities, "models": models,
                            "disagreement": disagrees, "created_by": case.created_by,
                            "updated_at": case.updated_at})
        return out

    def case_fingerprint(self, case_id: int) -> tuple | None:
        """What changes whenever anything a case page shows changes (status, analyses, any verdict written or
        edited): three small counting queries, for a page that follows a case while others review it. None when
        the case is gone. Equal to `fingerprint_of(case_detail(...))` for the same state."""
        with self.Session() as s:
            # updated_at too: an erased title changes nothing else a page shows (medapp/cases/erasure.py)
            case = s.execute(select(Case.version, Case.status, Case.updated_at)
                             .where(Case.id == case_id)).one_or_none()
            if case is None:
                return None
            analyses = s.scalar(select(func.count(SavedAnalysis.id)).where(SavedAnalysis.case_id == case_id))
            verdicts, versions = s.execute(
                select(func.count(Verdict.id), func.coalesce(func.sum(Verdict.version), 0))
                .join(SavedAnalysis, Verdict.analysis_id == SavedAnalysis.id)
                .where(SavedAnalysis.case_id == case_id)).one()
        return case.version, case.status, case.updated_at, int(analyses), int(verdicts), int(versions)

    @staticmethod
    def fingerprint_of(detail: dict) -> tuple:
        """The `case_fingerprint` of the state a `case_detail` shows."""
        verdicts = [v for a in detail["analyses"] for v in a["verdicts"]]
        return (detail["version"], detail["status"], detail["updated_at"], len(detail["analyses"]), len(verdicts),
                sum(v["version"] for v in verdicts))

    def case_detail(self, case_id: int, user: dict | Actor, *, log_view: bool = True) -> dict:
        actor = Actor.of(user)
        with self.Session() as s:
            case = s.get(Case, case_id, options=[selectinload(Case.analyses).selectinload(SavedAnalysis.verdicts)])
            if case is None:
                raise self._gone(s, "case", case_id, "it can no longer be opened")
            first_key = next((a.patient_key for a in case.analyses if a.patient_key is not None), None)
            digests = {a.card_sha256 for a in case.analyses if a.card_sha256}
            kept = {k.sha256: ModelCard.from_text(k.card) for k in s.scalars(
                select(KeptCard).where(KeptCard.sha256.in_(digests)))} if digests else {}
            detail = {
                "id": case.id, "reference": case.reference, "title": case.title, "status": case.status,
                "created_by": case.created_by, "created_at": case.created_at, "updated_at": case.updated_at,
                "version": case.version, "disagreement": _has_disagreement(case),
                # "closed by chair at 12:03 UTC": said where a verdict form is locked
                "closed_how": closed_phrase(*self._closed_by(s, case)) if case.status == "closed" else None,
                "analyses": [{
                    "id": a.id, "modality": a.modality, "model_id": a.model_id, "model_version": a.model_version,
                    "app_version": a.app_version,
                    # the card it was made with (None: saved before cards were kept; drawn with today's)
                    "card_sha256": a.card_sha256, "card": kept.get(a.card_sha256),
                    # saved as the same patient under another ID (its DICOM Patient ID is not the case's first)
                    "other_patient_id": a.patient_key is not None and a.patient_key != first_key,
                    "input_sha256": a.input_sha256, "input_name": a.input_name, "label": a.label,
                    "prediction": Prediction.from_dict(a.prediction),
                    "explanation": _stored_explanation(a, kept.get(a.card_sha256)),
                    "author": a.author, "created_at": a.created_at,
                    "verdicts": [{"reviewer": v.reviewer, "verdict": v.verdict, "final_diagnosis": v.final_diagnosis,
                                  "comment": v.comment, "updated_at": v.updated_at, "version": v.version}
                                 for v in a.verdicts],
                } for a in case.analyses],
            }
            detail["erasures"] = self._erasures(s, case_id)
        if log_view:
            self.audit(actor.username, "case.view", f"case:{case_id}")
        return detail

    @staticmethod
    def _erasures(s: Session, case_id: int) -> list[dict]:
        """What an administrator erased from this case, oldest first (medapp/cases/erasure.py), so that a review
        meeting sees that an analysis or verdict went, by whom and why, instead of it vanishing without a word."""
        rows = s.scalars(select(AuditEvent).where(AuditEvent.action.in_(("analysis.erase", "verdict.erase")),
                                                  AuditEvent.detail["case_id"].as_integer() == case_id)
                         .order_by(AuditEvent.id))
        out = []
        for row in rows:
            analysis = row.target.removeprefix("analysis:")
            what = (f"{row.detail.get('reviewer')}'s verdict on analysis #{analysis}" if row.action == "verdict.erase"
                    else f"analysis #{analysis}")
            out.append({"what": what, "by": row.username, "at": row.at, "reason": row.detail.get("reason", "")})
        return out

    def add_analysis(self, case_id: int | None, user: dict | Actor, *, card: ModelCard, prediction: Prediction,
                     explanation: Explanation | None, input_bytes: bytes, input_name: str,
                     new_case: tuple[str, str] | None = None, same_patient: bool = False,
                     pixels_checked: bool = False) -> int:
        """Save an analysis to case `case_id`, or with `new_case=(reference, title)` to a case created with it."""
        return self.save_analysis(case_id, user, card=card, prediction=prediction, explanation=explanation,
                                  input_bytes=input_bytes, input_name=input_name, new_case=new_case,
                                  same_patient=same_patient, pixels_checked=pixels_checked)[0]

    def save_analysis(self, case_id: int | None, user: dict | Actor, *, card: ModelCard, prediction: Prediction,
                      explanation: Explanation | None, input_bytes: bytes, input_name: str,
                      new_case: tuple[str, str] | None = None, same_patient: bool = False,
                      pixels_checked: bool = False) -> tuple[int, bool]:
        """(analysis id, created): the save, stored once however often it is sent.

        The input is de-identified and stored first; the case, the analysis and their audit rows are then
        written in one transaction, so a failed save leaves no empty case behind. The same input analysed by
        the same model version and saved by the same user to the same existing case is the same analysis: a
        repeated save (a double click, a resent request) returns the stored one with created=False.

        An input naming another patient than the inputs already in an existing case (DICOM Patient IDs that
        differ) is refused with PatientMismatchError unless `same_patient` says the user checked it is one patient,
        and an input declaring text burned into its pixels with BurnedInTextError unless `pixels_checked` says the
        user looked at it.
        """
        actor = Actor.of(user)
        require(actor.role, "analyse")
        if (case_id is None) == (new_case is None):
            raise ValueError("give either case_id or new_case")
        if new_case is not None:  # refused before anything is stored, the input's blob included
            self.check_reference(new_case[0])
        burned_in = declares_burned_in_text(card.modality, input_bytes)
        if burned_in and not pixels_checked:
            raise BurnedInTextError()
        patient_key = self.patient_key(card.modality, input_bytes)  # read before de-identification removes it
        digest = self.blobs.put(deidentify(card.modality, input_bytes))
        card_sha = card_digest(card)  # once per save (a card's text is up to 250 KB)
        other_patient = False
        try:
            with self.Session.begin() as s:
                if new_case is not None:  # a reference taken already is refused (the user may have meant another)
                    case = self._insert_case(s, actor, *new_case)
                else:
                    case = self._locked_case(s, case_id)
                    if case is None:
                        raise self._gone(s, "case", case_id, "the analysis was not saved")
                    same = self._same_analysis(s, case, actor, card, card_sha, digest)
                    if same is not None:
                        return same, False
                if case.status == "closed":
                    raise self._closed(s, case, "adding analyses", "a reviewer must reopen it")
                if patient_key is not None and new_case is None:
                    other_patient = self._other_patient(s, case.id, patient_key)
                    if other_patient and not same_patient:
                        raise PatientMismatchError(case.reference)
                stored_prediction = prediction.to_dict()
                stored_explanation = explanation.to_dict() if explanation is not None else None
                analysis = SavedAnalysis(case_id=case.id, modality=card.modality, model_id=card.id,
                                    model_version=card.version, input_sha256=digest,
                                    input_name=stored_input_name(card.modality, input_name, digest),
                                    label=prediction.recorded_label, prediction=stored_prediction,
                                    explanation=stored_explanation,
                                    author=actor.username, patient_key=patient_key, app_version=build_id(),
                                    card_sha256=self._keep_card(s, card, card_sha))
                s.add(analysis)
                case.updated_at = utcnow()
                s.flush()
                analysis_id = analysis.id
                self.audit_in(s, actor.username, "analysis.save", f"analysis:{analysis_id}", case_id=case.id,
                              model=card.id, version=card.version, card=card_sha, app=build_id(),
                              result=result_digest(stored_prediction, stored_explanation), label=prediction.recorded_label,
                              input_sha256=digest,
                              **({"other_patient_id_confirmed": True} if other_patient else {}),
                              **({"burned_in_text_checked": True} if burned_in else {}))
        except IntegrityError:
            if new_case is None:
                raise
            raise self._reference_taken(new_case[0]) from None
        return analysis_id, True

    def collect_unreferenced_blobs(self, min_age_s: float = 3600.0) -> list[str]:
        """Delete the stored inputs no analysis refers to, written or touched at least `min_age_s` ago, and return
        their digests. An input is stored before its analysis's row, so a refused save (another patient, a closed
        case) leaves one behind (a review); `put` touches a blob it finds, so a save in progress keeps its own."""
        self.blobs.remove_stale_partials(min_age_s)  # a put killed mid-write; not a digest, so not listed
        with self.Session() as s:
            used = set(s.scalars(select(SavedAnalysis.input_sha256).distinct()))
        return [d for d, age in self.blobs.digests() if d not in used and age >= min_age_s
                and self.blobs.delete_if_untouched(d, min_age_s)]

    @staticmethod
    def _gone(s: Session, kind: str, id_: int, outcome: str) -> StoreError:
        """The refusal of a change to a case or analysis that is not there, saying who erased it, when and why when
        an administrator did (medapp/cases/erasure.py): a reviewer's verdict on it was otherwise answered "There is no
        analysis 12" with no way to tell a mistake from an erasure."""
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == f"{kind}.erase",
                                                   AuditEvent.target == f"{kind}:{id_}")
                          .order_by(AuditEvent.id.desc()).limit(1)).first()
        if event is None:
            return StoreError(f"There is no {kind} {id_}.")
        reason = (event.detail or {}).get("reason", "")
        return StoreError(f"{kind.capitalize()} #{id_} was erased by {event.username} on {event.at:%Y-%m-%d at %H:%M} "
                          f"UTC ({reason}); {outcome}.")

    @staticmethod
    def _last_status_change(s: Session, case: Case) -> AuditEvent | None:
        return s.scalars(select(AuditEvent).where(AuditEvent.action == "case.status",
                                                  AuditEvent.target == f"case:{case.id}")
                         .order_by(AuditEvent.id.desc()).limit(1)).first()

    def _closed_by(self, s: Session, case: Case) -> tuple[str | None, datetime | None]:
        """Who closed a closed case and when (its last status change; the case's last change when not audited)."""
        event = self._last_status_change(s, case)
        if event is not None and (event.detail or {}).get("new") == "closed":
            return event.username, event.at
        return None, case.updated_at

    def _closed(self, s: Session, case: Case, doing: str, reopen: str = "reopen it") -> CaseClosedError:
        """The refusal of a change to a closed case, naming who closed it and when (its last status change)."""
        return CaseClosedError(case.reference, *self._closed_by(s, case), doing, reopen)

    @staticmethod
    def _locked_case(s: Session, case_id: int) -> Case | None:
        """The case, held until this transaction ends, so that the same input saved twice at the same moment waits
        here and then finds the first copy stored. Taken by a write that changes nothing: SQLite has no row locks
        and ignores FOR UPDATE, and its driver reads outside the transaction until the first write, so two API
        calls with the same file both found none and both stored it (a review: 4 copies from 4 calls at once)."""
        s.execute(update(Case).where(Case.id == case_id).values(updated_at=Case.updated_at)
                  .execution_options(synchronize_session=False))
        return s.get(Case, case_id, with_for_update=True)

    @staticmethod
    def _same_analysis(s: Session, case: Case, actor: Actor, card: ModelCard, card_sha: str, digest: str) -> int | None:
        """The same input, model card, code and user: a repeated save. Under another card or build the result may
        differ, and the old record was returned for it (a quality auditor's review)."""
        if case.status == "closed":
            return None
        return s.scalar(select(SavedAnalysis.id).where(
            SavedAnalysis.case_id == case.id, SavedAnalysis.input_sha256 == digest, SavedAnalysis.model_id == card.id,
            SavedAnalysis.model_version == card.version, SavedAnalysis.author == actor.username,
            SavedAnalysis.card_sha256 == card_sha, SavedAnalysis.app_version == build_id(),
        ).order_by(SavedAnalysis.id))

    @staticmethod
    def _keep_card(s: Session, card: ModelCard, digest: str) -> str:
        """Keep the card's text once (two saves keeping the same new card at once: the second inserts nothing)."""
        dialect = s.get_bind().dialect.name
        insert = (postgresql_insert if dialect == "postgresql" else sqlite_insert)(KeptCard)
        s.execute(insert.values(sha256=digest, model_id=card.id, version=card.version, card=card.text(),
                                first_saved_at=utcnow()).on_conflict_do_nothing(index_elements=["sha256"]))
        return digest

    def input_bytes(self, digest: str) -> bytes | None:
        """The stored (de-identified) input of an analysis by its `input_sha256`, or None when its blob is missing."""
        try:
            return self.blobs.get(digest)
        except (OSError, ValueError):
            return None

    def case_named(self, reference: str) -> int | None:
        """The id of the case with this reference in any capitals (one per folded reference: 0004), or None."""
        with self.Session() as s:
            return s.scalar(select(Case.id).where(func.lower(Case.reference) == reference.strip().lower()))

    def case_of(self, analysis_id: int) -> dict:
        """The id and reference of the case an analysis belongs to."""
        with self.Session() as s:
            row = s.execute(select(Case.id, Case.reference).join(SavedAnalysis).where(SavedAnalysis.id == analysis_id)).one()
        return {"id": row.id, "reference": row.reference}

    @staticmethod
    def _still_allowed(s: Session, actor: Actor, permission: str) -> None:
        """The account as it is now, in the writing transaction: a reviewer demoted (or disabled) after the page was
        drawn recorded a verdict with the role the page was drawn with (a security review). An actor with no account
        row (the command line's, a test's) is taken as given."""
        account = s.scalar(select(User).where(User.username == actor.username))
        if account is None:
            return
        if not account.active:
            raise PermissionDenied(f"The account {actor.username} is disabled; nothing was stored.")
        require(account.role, permission)

    def set_verdict(self, analysis_id: int, user: dict | Actor, verdict: str, final_diagnosis: str = "",
                    comment: str = "", *, expected_version: int | None = None) -> int:
        """Store this reviewer's verdict; returns its new version.

        `expected_version` is the version of this reviewer's verdict the form showed (0: none yet). When
        it is given and the stored verdict has moved on (the same reviewer in another window), the change
        is refused with a ConflictError saying what is stored now; None skips the check (command line).
        """
        actor = Actor.of(user)
        require(actor.role, "review")
        if verdict not in VERDICTS:
            raise StoreError(f"A verdict is one of {', '.join(VERDICTS)}.")
        if (problem := verdict_text_problem(final_diagnosis, comment)) is not None:
            raise StoreError(problem)
        try:
            with self.Session.begin() as s:
                self._still_allowed(s, actor, "review")
                analysis = s.get(SavedAnalysis, analysis_id)
                if analysis is None:
                    raise self._gone(s, "analysis", analysis_id, f"your verdict '{verdict}' was not stored")
                if analysis.case.status == "closed":  # a closed case is the meeting's record; reopen to change it
                    raise self._closed(s, analysis.case, "changing a verdict")
                current = s.scalar(select(Verdict).where(Verdict.analysis_id == analysis_id,
                                                         Verdict.reviewer == actor.username).with_for_update())
                stored_version = current.version if current is not None else 0
                if expected_version is not None and expected_version != stored_version:
                    # what is stored, typed parts included: a second press replaces them with this form's, and a
                    # re-check saw a diagnosis and comment typed in the other window go without a word
                    now = "no verdict" if current is None else "".join((
                        f"'{current.verdict}' since {current.updated_at:%H:%M:%S} UTC",
                        f", final diagnosis '{_clipped(current.final_diagnosis)}'" if current.final_diagnosis else "",
                        f", comment '{_clipped(current.comment)}'" if current.comment else ""))
                    raise ConflictError(f"Your verdict on analysis #{analysis_id} was changed in another window "
                                        f"after this page was drawn (stored now: {now}). Your choice "
                                        f"'{verdict}' was not stored. Press Record verdict again to replace the stored "
                                        "verdict with this form's.")
                if current is None:
                    current = Verdict(analysis_id=analysis_id, reviewer=actor.username)
                    s.add(current)
                comment_before = current.comment or ""
                current.verdict, current.final_diagnosis, current.comment = verdict, final_diagnosis.strip()[:255], comment
                current.updated_at = utcnow()
                s.flush()  # UPDATE ... WHERE version = the one read: a concurrent write raises StaleDataError
                self.drop_draft_in(s, analysis_id, actor.username)  # recorded: no draft of it left
                self.audit_in(s, actor.username, "verdict", f"analysis:{analysis_id}", case_id=analysis.case_id,
                              verdict=verdict, final_diagnosis=current.final_diagnosis, version=current.version,
                              # the comment is not quoted (free text), but a change to it alone is seen: the row was
                              # otherwise identical to the one before (a review meeting's test)
                              **({"comment_changed": True, "comment_chars": len(comment or "")}
                                 if (comment or "") != comment_before else {}))
                new_version = current.version
            return new_version
        except (IntegrityError, StaleDataError):  # the same reviewer's first verdict, sent twice at the same moment
            with self.Session() as s:  # or the analysis erased meanwhile (PostgreSQL: the verdict's foreign key)
                if s.get(SavedAnalysis, analysis_id) is None:
                    raise self._gone(s, "analysis", analysis_id, f"your verdict '{verdict}' was not stored") from None
            raise ConflictError(f"Your verdict on analysis #{analysis_id} was recorded from another window at the "
                                "same moment; look at the stored verdict and record it again.") from None

    def set_status(self, case_id: int, user: dict | Actor, status: str, *, expected_version: int | None = None) -> int:
        """Change a case's status; returns the case's new version (refused when it moved on since `expected_version`)."""
        actor = Actor.of(user)
        require(actor.role, "review")
        if status not in STATUSES:
            raise StoreError(f"A case status is one of {', '.join(STATUSES)}.")
        with self.Session.begin() as s:
            self._still_allowed(s, actor, "review")
            case = s.get(Case, case_id)
            if case is None:
                raise self._gone(s, "case", case_id, f"the status '{status}' was not stored")
            seen = case.version if expected_version is None else expected_version
            if case.status == status and case.version == seen:
                # Nothing to change, and nothing to audit: a control sending back the status it showed wrote
                # "closed -> closed" in the name of a reviewer who never touched it, and pages then read "closed by"
                # that reviewer (a re-check)
                return seen
            # Compare-and-set in one statement: a status set by someone else in between matches no row.
            changed = s.execute(update(Case).where(Case.id == case_id, Case.version == seen)
                                .values(status=status, updated_at=utcnow(), version=Case.version + 1)
                                .execution_options(synchronize_session=False)).rowcount
            if changed != 1:
                s.expire(case)
                event = self._last_status_change(s, case)
                by = (closed_phrase(event.username, event.at).removeprefix("closed ")
                      if event is not None and (event.detail or {}).get("new") == case.status else "by someone else")
                raise ConflictError(f"Case {case.reference} was set to '{case.status}' {by} after this page was "
                                    f"drawn; your change to '{status}' was not stored.")
            self.audit_in(s, actor.username, "case.status", f"case:{case_id}", old=case.status, new=status)
        return seen + 1


def _stored_explanation(a: SavedAnalysis, card: ModelCard | None) -> Explanation | None:
    """A stored explanation, naming its target as the model's card does (those saved before it carried the name)."""
    if not a.explanation:
        return None
    explanation = Explanation.from_dict(a.explanation)
    if not explanation.target_label:
        try:
            explanation = labelled(card or get_card(a.model_id), explanation)
        except UnknownModel:  # a model no longer installed: its label as stored
            pass
    return explanation


def _has_disagreement(case: Case) -> bool:
    """A reviewer disagreed with the model, or reviewers gave different verdicts on one analysis."""
    for a in case.analyses:
        verdicts = {v.verdict for v in a.verdicts}
        if "disagree" in verdicts or len(verdicts) > 1:
            return True
    return False


__all__ = ["CaseStore", "StoreError", "BurnedInTextError", "ConflictError", "CaseClosedError", "PermissionDenied", "Actor", "STATUSES", "VERDICTS"]
