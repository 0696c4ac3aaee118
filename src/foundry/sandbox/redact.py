"""Redaction of secrets from every log line before it is stored or sent."""

from __future__ import annotations

import re
from collections.abc import Iterable

# Token shapes worth hiding even when we were not told the value.
_PATTERNS = [
    re.compile(r"(https?://)[^/\s:@]+:[^/\s@]+@"),  # credentials in URLs
    re.compile(r"\b(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})"),
    re.compile(r"\bsk-(ant-)?[A-Za-z0-9_\-]{16,}"),
    re.compile(r"(?i)(authorization:\s*(bearer|basic|token)\s+)\S+"),
]
MASK = "***"


class Redactor:
    """Replaces known secret values and token-shaped strings with `***`."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        # Longest first so a secret that contains another is hidden whole.
        self._secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def add(self, secret: str | None) -> None:
        """Also hide `secret` from now on."""
        if secret and len(secret) >= 4 and secret not in self._secrets:
            self._secrets.append(secret)
            self._secrets.sort(key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        text = _PATTERNS[0].sub(lambda m: f"{m.group(1)}{MASK}@", text)
        text = _PATTERNS[1].sub(MASK, text)
        text = _PATTERNS[2].sub(MASK, text)
        return _PATTERNS[3].sub(lambda m: f"{m.group(1)}{MASK}", text)
