"""The one-stop system's push webhook (CONTRACT §4.5): signed batches of dossier rows.

`X-Motcua-Signature: sha256=<hex HMAC-SHA256 of the raw body>` with
MOTCUA_ONESTOP_WEBHOOK_SECRET; body `{"dossiers": [<§6 rows>]}`. Rows are upserted by code
through the same path as CSV imports and pulls; a change of `status` is a status change.
A batch with invalid rows still imports its valid rows; the invalid ones are reported with
their index, so the sender can fix and resend them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, tzinfo

from core.dossiers.model import ChangeSource, DossierData, StatusChange
from core.dossiers.repository import DossierRepository
from core.dossiers.rows import RowError, parse_row

SIGNATURE_HEADER = "x-motcua-signature"
MAX_ROWS = 5000


class BadSignature(Exception):
    """Missing or wrong signature: nothing is read."""


class BadBatch(ValueError):
    """The body is not a §4.5 batch (one-line reason)."""


@dataclass(frozen=True, slots=True)
class PushResult:
    received: int
    created: int
    updated: int
    unchanged: int
    rejected: tuple[tuple[int, str], ...]
    changes: tuple[StatusChange, ...]

    def as_json(self) -> dict[str, object]:
        return {
            "received": self.received,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "status_changes": len(self.changes),
            "rejected": [{"index": i, "reason": reason} for i, reason in self.rejected],
        }


def sign(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(body: bytes, header: str | None, secret: str) -> None:
    if not header or not hmac.compare_digest(header.strip().lower(), sign(body, secret)):
        raise BadSignature("bad or missing X-Motcua-Signature")


def parse_batch(body: bytes, *, tz: tzinfo) -> tuple[list[DossierData], list[tuple[int, str]]]:
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise BadBatch("body is not valid JSON") from None
    if not isinstance(data, dict) or not isinstance(data.get("dossiers"), list):
        raise BadBatch("body must be an object with a 'dossiers' list")
    rows = data["dossiers"]
    if len(rows) > MAX_ROWS:
        raise BadBatch(f"at most {MAX_ROWS} dossiers per request")
    good: list[DossierData] = []
    bad: list[tuple[int, str]] = []
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            bad.append((index, "not an object"))
            continue
        cells = {k: (None if v is None else str(v)) for k, v in row.items()}
        try:
            good.append(parse_row(cells, tz=tz))
        except RowError as exc:
            bad.append((index, str(exc)))
    return good, bad


def receive(
    body: bytes,
    *,
    signature: str | None,
    secret: str,
    repository: DossierRepository,
    tz: tzinfo,
    now: datetime,
) -> PushResult:
    """Verifies, validates and upserts one pushed batch."""
    verify(body, signature, secret)
    rows, rejected = parse_batch(body, tz=tz)
    result = repository.upsert_many(rows, source=ChangeSource.PUSH, now=now)
    return PushResult(
        received=len(rows) + len(rejected),
        created=result.created,
        updated=result.updated,
        unchanged=result.unchanged,
        rejected=tuple(rejected),
        changes=result.changes,
    )
