"""Errors the agent service answers with, always in the `{error: {code, message, details}}` form.

AgentError                   base: a stable code, an HTTP status, a sentence and details
├── BadRequest (400)         input missing or malformed; the code is the route's (MISSING_PROMPT, …)
├── Unauthorized (401)       a bearer secret is configured and the request did not present it
├── PayloadTooLarge (413)    the body exceeds knobs.MAX_BODY_BYTES
├── UpstreamError (502)      the model provider failed after retries (UPSTREAM_ERROR, …)
├── ModelOutputError (502)   the model answered, but not a valid object (MODEL_OUTPUT_INVALID, …)
└── ServiceUnavailable (503) a dependency of the route is not configured
"""

from __future__ import annotations

from typing import Any


class AgentError(Exception):
    """An error answered to the caller with its code, message and details."""

    http_status = 500
    default_code = "INTERNAL_ERROR"

    def __init__(self, message: str, *, code: str | None = None, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.details = details

    def envelope(self) -> dict[str, Any]:
        """The JSON body answered to the caller."""
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


class BadRequest(AgentError):
    """The request body is missing a field or has a malformed one."""

    http_status = 400
    default_code = "INVALID_REQUEST"


class Unauthorized(AgentError):
    """A bearer secret is configured and the request's token did not match it."""

    http_status = 401
    default_code = "UNAUTHORIZED"


class PayloadTooLarge(AgentError):
    """The request body is larger than the service accepts."""

    http_status = 413
    default_code = "PAYLOAD_TOO_LARGE"


class UpstreamError(AgentError):
    """The model provider could not be reached or kept failing after the retry budget."""

    http_status = 502
    default_code = "UPSTREAM_ERROR"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        details: Any = None,
        status: int | None = None,
        retryable: bool = False,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, code=code, details=details)
        self.status = status
        self.retryable = retryable
        self.retry_after = retry_after


class ModelOutputError(AgentError):
    """The model answered, but its answer is not a valid object even after normalisation."""

    http_status = 502
    default_code = "MODEL_OUTPUT_INVALID"


class ServiceUnavailable(AgentError):
    """The route needs configuration the service does not have."""

    http_status = 503
    default_code = "SERVICE_UNAVAILABLE"
