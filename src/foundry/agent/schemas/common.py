"""Shared schema machinery: strict request models, lenient result models, metadata, errors.

Result models (what a provider produces) are lenient: enum values are mapped to the closest
allowed value and missing fields with a non-None default are filled in. Every such coercion is
recorded in the validation context (`{"coercions": [...]}`) so the service can log and count it.
"""

from __future__ import annotations

import difflib
import re
from typing import Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationInfo, model_validator


def record_coercion(info: ValidationInfo, note: str) -> None:
    """Append `note` to the validation context's coercion list, if the caller passed one."""
    context = info.context
    if isinstance(context, dict) and isinstance(context.get("coercions"), list):
        context["coercions"].append(note)


def _canon(value: str) -> str:
    return re.sub(r"[\s\-/]+", "_", value.strip().lower())


def closest(*allowed: str, default: str | None = None) -> BeforeValidator:
    """A validator mapping a string to the closest of `allowed` (or `default`), recorded."""
    canon = {_canon(a): a for a in allowed}

    def coerce(value: Any, info: ValidationInfo) -> Any:
        if not isinstance(value, str) or value in allowed:
            if value is None and default is not None:
                record_coercion(info, f"{info.field_name}: null -> {default!r}")
                return default
            return value
        key = _canon(value)
        match = canon.get(key)
        if match is None:
            near = difflib.get_close_matches(key, list(canon), n=1, cutoff=0.6)
            if near:
                match = canon[near[0]]
            else:
                match = next((a for c, a in canon.items() if c in key or key in c), default)
        if match is None:
            return value
        record_coercion(info, f"{info.field_name}: {value!r} -> {match!r}")
        return match

    return BeforeValidator(coerce)


def clamp(low: float, high: float) -> BeforeValidator:
    """A validator clamping a number into [low, high], recording the change."""

    def coerce(value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, int | float) and not isinstance(value, bool):
            bounded = min(max(value, low), high)
            if bounded != value:
                record_coercion(info, f"{info.field_name}: {value!r} -> {bounded!r}")
                return type(value)(bounded)
        return value

    return BeforeValidator(coerce)


class RequestModel(BaseModel):
    """Base of request bodies: unknown keys are ignored, known ones are validated strictly."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class ResultModel(BaseModel):
    """Base of provider output: lenient, and records every default it fills in."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    @model_validator(mode="before")
    @classmethod
    def _record_defaults(cls, data: Any, info: ValidationInfo) -> Any:
        if isinstance(data, dict):
            for name, field in cls.model_fields.items():
                key = field.alias or name
                if key in data or field.is_required():
                    continue
                if field.get_default(call_default_factory=True) is not None:
                    record_coercion(info, f"{cls.__name__}.{key}: missing -> default")
        return data


class Metadata(BaseModel):
    """What a call cost and who answered it; present on every successful response."""

    provider: str
    model: str
    inputTokens: int = 0
    outputTokens: int = 0
    cacheReadTokens: int = 0
    cacheWriteTokens: int = 0
    totalTokensUsed: int = 0
    estimatedCostUsd: float = 0.0
    durationMs: float = 0.0
    processedAt: str
    heuristic: bool = False
    confidence: float | None = None
    coercions: int = 0
    retries: int = 0


class WithMetadata(BaseModel):
    """Mixin adding `metadata` to a result, making it a response."""

    metadata: Metadata


class ErrorBody(BaseModel):
    """The inside of an error envelope."""

    code: str
    message: str
    details: Any = None


class ErrorResponse(BaseModel):
    """`{error: {code, message, details}}`, the body of every non-2xx answer."""

    error: ErrorBody
