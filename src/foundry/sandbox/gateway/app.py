"""The model gateway: the only way a sandbox reaches a model API.

The sandbox holds a revocable per-session token; the gateway, on the host, checks it, checks the
session's budget, swaps it for the host's API key, forwards the call upstream with httpx, relays
the answer (streams pass through chunk by chunk) and charges the reported usage to the session.

    POST /v1/messages          Anthropic Messages API (JSON or SSE)
    POST /v1/chat/completions  OpenAI-compatible chat completions (JSON or SSE)

The session token never goes upstream and neither it nor a provider key is ever logged. A session
issued with its own provider key (`issue(..., own_keys=...)`) is forwarded with that key instead
of the host's; the key lives only in the ledger's memory and goes when the token is revoked.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from foundry.sandbox.gateway import knobs
from foundry.sandbox.gateway.ledger import (
    GatewayRefusal,
    Ledger,
    OwnKeys,
    SessionUsage,
    UpstreamUnavailable,
)
from foundry.sandbox.gateway.pricing import Usage
from foundry.sandbox.gateway.usage import Provider, StreamMeter, usage_from_body

log = logging.getLogger("foundry.sandbox.gateway")

_TOKEN_PATTERN = re.compile(r"fgw_[0-9a-f]+\.[A-Za-z0-9_\-]+")
_RELAYED_RESPONSE_HEADERS = ("content-type", "request-id", "x-request-id", "retry-after")
_RELAYED_REQUEST_HEADERS = ("anthropic-version", "anthropic-beta", "accept")


@dataclass(frozen=True)
class UpstreamConfig:
    """Where the real model APIs are and the host's keys for them (never shown by repr)."""

    anthropic_base_url: str = "https://api.anthropic.com"
    anthropic_api_key: str | None = None
    openai_base_url: str = "https://api.openai.com/v1"
    openai_api_key: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> UpstreamConfig:
        """Read ANTHROPIC_BASE_URL/ANTHROPIC_API_KEY and OPENAI_BASE_URL/OPENAI_API_KEY."""
        env = os.environ if environ is None else environ
        return cls(
            anthropic_base_url=env.get("ANTHROPIC_BASE_URL") or cls.anthropic_base_url,
            anthropic_api_key=env.get("ANTHROPIC_API_KEY") or None,
            openai_base_url=env.get("OPENAI_BASE_URL") or cls.openai_base_url,
            openai_api_key=env.get("OPENAI_API_KEY") or None,
        )

    def __repr__(self) -> str:
        return (
            f"UpstreamConfig(anthropic_base_url={self.anthropic_base_url!r}, "
            f"openai_base_url={self.openai_base_url!r}, keys=***)"
        )


class Gateway:
    """Session tokens plus the ASGI app that forwards model calls; mount `app` or serve it."""

    def __init__(
        self,
        upstream: UpstreamConfig | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.upstream = upstream or UpstreamConfig.from_env()
        self.ledger = Ledger()
        timeout = httpx.Timeout(
            knobs.UPSTREAM_READ_TIMEOUT_S, connect=knobs.UPSTREAM_CONNECT_TIMEOUT_S
        )
        self._client = httpx.AsyncClient(timeout=timeout, transport=transport)
        self.app = Starlette(
            routes=[
                Route("/v1/messages", self._messages, methods=["POST"]),
                Route("/v1/chat/completions", self._chat_completions, methods=["POST"]),
            ]
        )

    def issue(
        self,
        session_id: str,
        budget_usd: float,
        max_tokens: int,
        own_keys: OwnKeys | None = None,
    ) -> str:
        """A new per-session token to hand to the sandbox (as its API key); with `own_keys`,
        calls on it go upstream with the session's key for that provider, not the host's."""
        return self.ledger.issue(session_id, budget_usd, max_tokens, own_keys)

    def set_own_key(self, session_id: str, provider: Provider, key: str) -> int:
        """Use the session's own `key` upstream for `provider` on its live tokens."""
        return self.ledger.set_own_key(session_id, provider, key)

    def holds_own_keys(self, session_id: str) -> bool:
        """True while the gateway still holds an own provider key of `session_id`."""
        return self.ledger.holds_own_keys(session_id)

    def revoke(self, token: str) -> bool:
        """Stop accepting `token`; calls already streaming finish and are still charged."""
        return self.ledger.revoke(token)

    def revoke_session(self, session_id: str) -> int:
        """Revoke every token issued to `session_id`."""
        return self.ledger.revoke_session(session_id)

    def usage(self, session_id: str) -> SessionUsage | None:
        """What `session_id` has spent so far."""
        return self.ledger.usage(session_id)

    async def aclose(self) -> None:
        """Close upstream connections (call on worker shutdown)."""
        await self._client.aclose()

    async def _messages(self, request: Request) -> Response:
        try:
            return await self.forward("anthropic", request)
        except GatewayRefusal as refusal:
            return _anthropic_error(refusal.status, refusal.kind, refusal.message)

    async def _chat_completions(self, request: Request) -> Response:
        try:
            return await self.forward("openai", request)
        except GatewayRefusal as refusal:
            return _openai_error(refusal.status, refusal.kind, refusal.message)

    async def forward(self, provider: Provider, request: Request) -> Response:
        """Authorize, forward one call upstream and relay the answer, charging its usage."""
        admission = self.ledger.admit(_presented_token(request))
        session = admission.session
        body = await _read_json(request)
        url, headers = self._target(provider, request, admission.own_keys)
        if provider == "openai" and body.get("stream") is True:
            options = body.get("stream_options")
            body["stream_options"] = {
                **(options if isinstance(options, dict) else {}),
                "include_usage": True,
            }
        requested = body.get("model")
        model = requested if isinstance(requested, str) else "unknown"
        outgoing = self._client.build_request(
            "POST", url, content=orjson.dumps(body), headers=headers
        )
        try:
            upstream = await self._client.send(outgoing, stream=True)
        except httpx.HTTPError as error:
            log.warning(
                "upstream %s unreachable for session %s: %s",
                provider,
                session.session_id,
                self._redact(str(error), *admission.own_keys.values()),
            )
            raise _BadGateway(
                f"upstream {provider} API unreachable: {type(error).__name__}"
            ) from None
        relayed = {
            k: v for k, v in upstream.headers.items() if k.lower() in _RELAYED_RESPONSE_HEADERS
        }
        is_stream = upstream.headers.get("content-type", "").startswith("text/event-stream")
        if upstream.status_code >= 400 or not is_stream:
            content = await upstream.aread()
            await upstream.aclose()
            if upstream.is_success:
                stated, usage = usage_from_body(provider, _loads(content))
                self._charge(session, stated or model, usage, upstream.status_code)
            else:
                log.info("session %s %s -> %d", session.session_id, provider, upstream.status_code)
            return Response(content, status_code=upstream.status_code, headers=relayed)
        return StreamingResponse(
            self._relay(upstream, StreamMeter(provider), session, model),
            status_code=upstream.status_code,
            headers=relayed,
        )

    async def _relay(
        self, upstream: httpx.Response, meter: StreamMeter, session: SessionUsage, model: str
    ) -> AsyncIterator[bytes]:
        try:
            async for chunk in upstream.aiter_raw():
                meter.feed(chunk)
                yield chunk
        finally:
            meter.close()
            await upstream.aclose()
            # Charged even when the client hangs up early: the upstream already did the work.
            self._charge(session, meter.model or model, meter.usage, upstream.status_code)

    def _target(
        self, provider: Provider, request: Request, own_keys: OwnKeys
    ) -> tuple[str, dict[str, str]]:
        headers = {"content-type": "application/json", "accept-encoding": "identity"}
        for name in _RELAYED_REQUEST_HEADERS:
            if name in request.headers:
                headers[name] = request.headers[name]
        key = self._key(provider, own_keys)
        if provider == "anthropic":
            headers["x-api-key"] = key
            headers.setdefault("anthropic-version", "2023-06-01")
            return self.upstream.anthropic_base_url.rstrip("/") + "/v1/messages", headers
        headers["authorization"] = f"Bearer {key}"
        return self.upstream.openai_base_url.rstrip("/") + "/chat/completions", headers

    def _key(self, provider: Provider, own_keys: OwnKeys) -> str:
        if provider in own_keys:
            own = own_keys[provider]
            if not own:  # never fall back to the host's key for a session that brought its own
                raise UpstreamUnavailable(
                    f"this session's own {provider} key is no longer held by the worker"
                    " (it restarted); send it again with the next execute"
                )
            return own
        host = (
            self.upstream.anthropic_api_key
            if provider == "anthropic"
            else self.upstream.openai_api_key
        )
        if not host:
            raise UpstreamUnavailable(f"the host has no {provider.upper()}_API_KEY configured")
        return host

    def _charge(self, session: SessionUsage, model: str, usage: Usage, status: int) -> None:
        cost = self.ledger.charge(session, model, usage)
        log.info(
            "session %s model=%s -> %d in=%d out=%d cost=$%.6f total=$%.6f",
            session.session_id,
            model,
            status,
            usage.input_tokens,
            usage.output_tokens,
            cost,
            session.cost_usd,
        )

    def _redact(self, text: str, *own: str | None) -> str:
        return redact(text, self.upstream.anthropic_api_key, self.upstream.openai_api_key, *own)


class _BadGateway(GatewayRefusal):
    status = 502
    kind = "api_error"


def redact(text: str, *secrets: str | None) -> str:
    """`text` with every given secret and anything shaped like a session token masked."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return _TOKEN_PATTERN.sub("fgw_***", text)


def _presented_token(request: Request) -> str:
    key = request.headers.get("x-api-key")
    if key:
        return key
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" else ""


async def _read_json(request: Request) -> dict[str, Any]:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > knobs.MAX_REQUEST_BYTES:
        raise GatewayRefusal(f"request body over {knobs.MAX_REQUEST_BYTES} bytes")
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > knobs.MAX_REQUEST_BYTES:
            raise GatewayRefusal(f"request body over {knobs.MAX_REQUEST_BYTES} bytes")
    body = _loads(raw)
    if not isinstance(body, dict):
        raise GatewayRefusal("the request body must be a JSON object")
    return body


def _loads(raw: bytes) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None


def _anthropic_error(status: int, kind: str, message: str) -> JSONResponse:
    return JSONResponse(
        {"type": "error", "error": {"type": kind, "message": message}}, status_code=status
    )


def _openai_error(status: int, kind: str, message: str) -> JSONResponse:
    return JSONResponse(
        {"error": {"message": message, "type": kind, "code": kind}}, status_code=status
    )
