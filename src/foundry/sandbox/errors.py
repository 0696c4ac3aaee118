"""Errors the sandbox API answers with, in the reference's `{ok:false, error:{code,…}}` shape.

SandboxError                 code, HTTP status, actionable message, details
├── BadRequest               400 BAD_REQUEST: the input failed validation
├── Unauthorized             401 UNAUTHORIZED: missing or wrong secret or token
├── NotFound                 404 NOT_FOUND: no such sandbox (or file)
├── Conflict                 409 CONFLICT: the session is in the wrong state for this
├── SdkUnavailable           503 SDK_UNAVAILABLE: the session failed and cannot run agents
└── InternalError            500 INTERNAL_ERROR: anything unexpected (details hold a request id)
"""

from __future__ import annotations

from typing import Any


class SandboxError(Exception):
    """Base of every error the API reports on purpose."""

    code = "INTERNAL_ERROR"
    http_status = 500

    def __init__(self, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def to_json(self) -> dict[str, Any]:
        """The `error` member of the response envelope."""
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details is not None:
            body["details"] = self.details
        return body


class BadRequest(SandboxError):
    """The request body or query failed validation; details name the field."""

    code = "BAD_REQUEST"
    http_status = 400


class Unauthorized(SandboxError):
    """The bearer secret or the terminal token is missing or wrong."""

    code = "UNAUTHORIZED"
    http_status = 401


class NotFound(SandboxError):
    """No sandbox (or file) by that id or path."""

    code = "NOT_FOUND"
    http_status = 404


class Conflict(SandboxError):
    """The session's status does not allow this now ("expected X, got Y")."""

    code = "CONFLICT"
    http_status = 409


class SdkUnavailable(SandboxError):
    """The session cannot run an agent (setup failed or the runner is missing)."""

    code = "SDK_UNAVAILABLE"
    http_status = 503


class InternalError(SandboxError):
    """Something unexpected; the log has the traceback under the request id."""

    code = "INTERNAL_ERROR"
    http_status = 500
