"""`HttpClient` and `SyncHttpClient`: one request per call, for callers that need no live updates.

    async with HttpClient("http://127.0.0.1:8000", token=jwt) as client:
        count = await client.query("messages:count", {"channel": "a"})

Each call is `POST {url}/api/query|mutation|action` with `{"path", "args"}` and, with a token,
`Authorization: Bearer <token>`. Like Convex's `ConvexHttpClient`, nothing is cached and nothing
is ordered between calls beyond what the server's commit order gives.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import TracebackType
from typing import Any

import httpx
import orjson

from foundry.client.errors import AuthenticationError, ClientError, ConnectionLost, FunctionError

DEFAULT_TIMEOUT_S = 60.0
"""Timeout of one HTTP call (connect, write, read); actions may run longer than queries."""

# The codes the server's token verification uses (engine/auth.py); a 401 with another shape is
# a function that required a signed-in caller, which is a FunctionError like any other.
_TOKEN_ERROR_CODES = frozenset({"TokenExpired", "InvalidToken", "UnknownIssuer", "KeyNotFound"})


def _request_parts(
    kind: str, path: str, args: Mapping[str, Any] | None, token: str | None
) -> tuple[str, bytes, dict[str, str]]:
    body = orjson.dumps({"path": path, "args": dict(args or {})})
    headers = {"content-type": "application/json"}
    if token is not None:
        headers["authorization"] = f"Bearer {token}"
    return f"/api/{kind}", body, headers


def decode_response(response: httpx.Response) -> Any:
    """The `value` of a success answer; raise FunctionError / AuthenticationError otherwise."""
    try:
        payload = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        payload = None
    if not isinstance(payload, dict) or payload.get("status") not in ("success", "error"):
        raise ClientError(
            f"unexpected answer from {response.request.url}: HTTP {response.status_code} "
            f"{response.text[:200]!r}"
        )
    if payload["status"] == "success":
        return payload.get("value")
    message = str(payload.get("errorMessage"))
    data = payload.get("errorData")
    if response.status_code == 401 and isinstance(data, dict):
        code = data.get("code")
        if code in _TOKEN_ERROR_CODES:
            raise AuthenticationError(message, code)
    raise FunctionError(message, data)


def _lost(error: httpx.TransportError) -> ConnectionLost:
    return ConnectionLost(
        f"HTTP request failed ({type(error).__name__}: {error}); a mutation or action may or may "
        "not have run"
    )


class HttpClient:
    """Async HTTP client: `query`, `mutation` and `action`, each one POST.

    Pass `http` to reuse an `httpx.AsyncClient` (its base URL is ignored: calls use `url`); a
    client this object created is closed by `aclose()` or `async with`.
    """

    def __init__(
        self,
        url: str,
        token: str | None = None,
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self.token = token
        self._owned = http is None
        self._http = http or httpx.AsyncClient(timeout=timeout_s)

    def set_auth(self, token: str | None) -> None:
        """Use `token` (or no token) for the following calls."""
        self.token = token

    async def query(self, path: str, args: Mapping[str, Any] | None = None) -> Any:
        """Run a query at the latest commit and return its value."""
        return await self._call("query", path, args)

    async def mutation(self, path: str, args: Mapping[str, Any] | None = None) -> Any:
        """Run a mutation and return its value once it committed."""
        return await self._call("mutation", path, args)

    async def action(self, path: str, args: Mapping[str, Any] | None = None) -> Any:
        """Run an action and return its value."""
        return await self._call("action", path, args)

    async def _call(self, kind: str, path: str, args: Mapping[str, Any] | None) -> Any:
        route, body, headers = _request_parts(kind, path, args, self.token)
        try:
            response = await self._http.post(self.url + route, content=body, headers=headers)
        except httpx.TransportError as error:
            raise _lost(error) from error
        return decode_response(response)

    async def aclose(self) -> None:
        """Close the HTTP connection pool (only if this client created it)."""
        if self._owned:
            await self._http.aclose()

    async def __aenter__(self) -> HttpClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


class SyncHttpClient:
    """The blocking twin of `HttpClient`, for scripts and the CLI."""

    def __init__(
        self,
        url: str,
        token: str | None = None,
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        http: httpx.Client | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self.token = token
        self._owned = http is None
        self._http = http or httpx.Client(timeout=timeout_s)

    def set_auth(self, token: str | None) -> None:
        """Use `token` (or no token) for the following calls."""
        self.token = token

    def query(self, path: str, args: Mapping[str, Any] | None = None) -> Any:
        """Run a query at the latest commit and return its value."""
        return self._call("query", path, args)

    def mutation(self, path: str, args: Mapping[str, Any] | None = None) -> Any:
        """Run a mutation and return its value once it committed."""
        return self._call("mutation", path, args)

    def action(self, path: str, args: Mapping[str, Any] | None = None) -> Any:
        """Run an action and return its value."""
        return self._call("action", path, args)

    def _call(self, kind: str, path: str, args: Mapping[str, Any] | None) -> Any:
        route, body, headers = _request_parts(kind, path, args, self.token)
        try:
            response = self._http.post(self.url + route, content=body, headers=headers)
        except httpx.TransportError as error:
            raise _lost(error) from error
        return decode_response(response)

    def close(self) -> None:
        """Close the HTTP connection pool (only if this client created it)."""
        if self._owned:
            self._http.close()

    def __enter__(self) -> SyncHttpClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
