"""Verifying webhooks signed with Svix's scheme (what Clerk uses).

The sender signs `"{svix-id}.{svix-timestamp}.{raw body}"` with HMAC-SHA256, keyed by the base64
secret after the `whsec_` prefix, and sends `svix-signature: v1,<base64> [v1,<base64> …]` (several
entries while a secret is being rotated). We accept the message when any `v1` entry matches, in
constant time, and its timestamp is within five minutes of our clock either way, so a captured
request cannot be replayed later.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Mapping

from foundry.engine.errors import AppError

TOLERANCE_S = 5 * 60
SECRET_PREFIX = "whsec_"


class WebhookSignatureError(AppError):
    """A webhook whose signature, headers or timestamp do not check out."""

    code = "InvalidWebhookSignature"
    http_status = 400


def secret_key(secret: str) -> bytes:
    """The HMAC key inside a `whsec_…` secret; ValueError when it is not valid base64."""
    try:
        return base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except binascii.Error:
        raise ValueError("the webhook secret must be 'whsec_' followed by base64") from None


def sign(key: bytes, msg_id: str, timestamp: str, body: bytes) -> str:
    """The base64 signature of one message (the part after `v1,`)."""
    signed = msg_id.encode() + b"." + timestamp.encode() + b"." + body
    return base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def verify(secret: str, headers: Mapping[str, str], body: bytes, now_s: float) -> str:
    """The message id of a correctly signed, fresh message; WebhookSignatureError otherwise."""
    msg_id = headers.get("svix-id", "")
    timestamp = headers.get("svix-timestamp", "")
    signatures = headers.get("svix-signature", "")
    if not msg_id or not timestamp or not signatures:
        raise WebhookSignatureError(
            "Missing svix-id, svix-timestamp or svix-signature header.", {"code": "MissingHeaders"}
        )
    try:
        sent_at = int(timestamp)
    except ValueError:
        raise WebhookSignatureError(
            "svix-timestamp must be whole seconds.", {"code": "BadTimestamp"}
        ) from None
    if abs(now_s - sent_at) > TOLERANCE_S:
        raise WebhookSignatureError(
            "The webhook timestamp is more than five minutes off; check the clocks.",
            {"code": "StaleTimestamp"},
        )
    expected = sign(secret_key(secret), msg_id, timestamp, body).encode()
    matched = False
    for entry in signatures.split():
        version, _, signature = entry.partition(",")
        # Check every entry (no early exit), so timing does not tell which one matched.
        if version == "v1" and hmac.compare_digest(signature.encode(), expected):
            matched = True
    if not matched:
        raise WebhookSignatureError(
            "The webhook signature does not match; check CLERK_WEBHOOK_SECRET.",
            {"code": "BadSignature"},
        )
    return msg_id
