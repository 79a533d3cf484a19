"""`python -m medapp audit --verify`: does every saved analysis still say what its save's audit row says?

The database refuses UPDATE of analyses and kept cards, and narrows what may change in the audit trail; but an
analysis deleted and inserted again under its own id, or anything written by whoever can drop the triggers, passes
them. The `analysis.save` row recorded the model, version, card, build, label, input and (since 0008_provenance)
a digest of the stored result when it was saved; each kept card is named by the SHA-256 of its text. This reads them
all and says where they no longer agree (a quality auditor's re-check, 2026-12-07).
"""
from __future__ import annotations

import hashlib

from sqlalchemy import select

from ..build import result_digest
from ..db.tables import AuditEvent, KeptCard, SavedAnalysis

# audit detail key -> the analysis column it recorded
_RECORDED = {"model": "model_id", "version": "model_version", "card": "card_sha256", "app": "app_version",
             "label": "label", "input_sha256": "input_sha256"}


def verify_records(store) -> tuple[list[str], int, int]:
    """(problems in words, analyses checked, kept cards checked)."""
    problems: list[str] = []
    with store.Session() as s:
        saves: dict[str, list[dict]] = {}
        for target, detail in s.execute(select(AuditEvent.target, AuditEvent.detail).where(
                AuditEvent.action == "analysis.save")):
            saves.setdefault(target, []).append(detail or {})
        analyses = 0
        for a in s.scalars(select(SavedAnalysis).order_by(SavedAnalysis.id)):
            analyses += 1
            rows = saves.get(f"analysis:{a.id}", [])
            if len(rows) != 1:
                problems.append(f"analysis #{a.id}: {len(rows)} save rows in the audit trail, not 1")
                continue
            row = rows[0]
            for key, column in _RECORDED.items():
                if key in row and row[key] != "[erased]" and row[key] != getattr(a, column):
                    problems.append(f"analysis #{a.id}: {column} is {getattr(a, column)!r}, saved as {row[key]!r}")
            if "result" in row and row["result"] != result_digest(a.prediction, a.explanation):
                problems.append(f"analysis #{a.id}: its stored prediction or explanation is not the one saved")
        cards = 0
        for k in s.scalars(select(KeptCard)):
            cards += 1
            if hashlib.sha256(k.card.encode("utf-8")).hexdigest() != k.sha256:
                problems.append(f"kept card {k.sha256[:12]} ({k.model_id} v{k.version}): its text is not the one "
                                "named by its SHA-256")
    return problems, analyses, cards
