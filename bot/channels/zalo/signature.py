"""The Zalo OA webhook signature: the one place its formula lives.

Zalo sends `X-ZEvent-Signature: mac=<hex>` where hex is the SHA-256 (a plain digest, not an
HMAC) of `app_id + raw body + timestamp + OA secret key`, `timestamp` being the string inside
the body (CONTRACT §4.3).
Zalo's own sources disagree on this formula (some community code signs with the OA id in
place of the app id, some with the app secret): should live traffic prove another reading,
change `expected_signature` here and the recorded examples in
tests/channels/zalo/fixtures/signatures.json, and nothing else.
"""

from __future__ import annotations

import hashlib
import hmac

HEADER = "x-zevent-signature"
_PREFIX = "mac"


def expected_signature(*, app_id: str, raw_body: bytes, timestamp: str, oa_secret_key: str) -> str:
    """Lower-case hex SHA-256 of `app_id + raw_body + timestamp + oa_secret_key`."""
    digest = hashlib.sha256()
    digest.update(app_id.encode("utf-8"))
    digest.update(raw_body)
    digest.update(timestamp.encode("utf-8"))
    digest.update(oa_secret_key.encode("utf-8"))
    return digest.hexdigest()


def verify_signature(
    header_value: str | None,
    *,
    app_id: str,
    raw_body: bytes,
    timestamp: str,
    oa_secret_key: str,
) -> bool:
    """True when `header_value` is `mac=<hex>` with the expected digest (constant-time)."""
    if not header_value:
        return False
    prefix, sep, mac = header_value.strip().partition("=")
    if not sep or prefix.strip().lower() != _PREFIX:
        return False
    expected = expected_signature(
        app_id=app_id, raw_body=raw_body, timestamp=timestamp, oa_secret_key=oa_secret_key
    )
    return hmac.compare_digest(mac.strip().lower().encode("utf-8"), expected.encode("ascii"))
