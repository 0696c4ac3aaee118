"""The agent service's HTTP app: every analysis route, embed, auth status, Atlassian and health."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import uvicorn
from pydantic import BaseModel
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

import foundry
from foundry.agent import embedding, integrations
from foundry.agent.analyses import ANALYSES
from foundry.agent.config import AgentConfig
from foundry.agent.http import (
    event_stream,
    guarded,
    json_response,
    parse_body,
    wants_event_stream,
)
from foundry.agent.middleware import AccessLogMiddleware, BearerAuthMiddleware
from foundry.agent.providers.base import Progress, Provider
from foundry.agent.providers.factory import build_provider
from foundry.agent.schemas.codebase import EmbedRequest
from foundry.agent.schemas.service import AtlassianOAuthRequest, HealthData, HealthResponse
from foundry.agent.service import Analysis, analyse

log = logging.getLogger("foundry.agent")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


async def health(request: Request) -> JSONResponse:
    """Answer liveness probes in the reference agent worker's `{ok, data}` envelope."""
    body = HealthResponse(data=HealthData(timestamp=_now(), version=foundry.__version__))
    return JSONResponse(body.model_dump(mode="json"))


def analysis_endpoint(spec: Analysis) -> Callable[[Request], Awaitable[Response]]:
    """The POST handler of one analysis route."""

    async def endpoint(request: Request) -> Response:
        body = await parse_body(
            request,
            spec.request_type,
            missing_code=spec.missing_code,
            invalid_code=spec.invalid_code,
            missing_codes=dict(spec.missing_codes),
        )
        provider: Provider = request.app.state.provider
        extra = await spec.prepare(body) if spec.prepare and provider.name != "local" else {}
        org_id = request.state.org_id

        config: AgentConfig = request.app.state.config

        async def run(progress: Progress | None) -> BaseModel:
            return await analyse(
                spec, body, provider, config, org_id=org_id, progress=progress, extra=extra
            )

        if spec.streams and wants_event_stream(request):
            return event_stream(run)
        return json_response(await run(None))

    endpoint.__name__ = spec.route.replace("-", "_")
    return endpoint


async def embed(request: Request) -> Response:
    """POST /embed: a vector from the local embedding model, its name and length beside it."""
    body = await parse_body(request, EmbedRequest, missing_code="MISSING_TEXT")
    return json_response(await embedding.embed_response(body.text))


async def auth_status(request: Request) -> Response:
    """GET /auth/status: whether the configured provider has credentials."""
    return json_response(integrations.auth_status(request.app.state.config))


async def atlassian_health(request: Request) -> Response:
    """GET /atlassian/connection-health: 200 when configured, 503 when degraded."""
    body = integrations.atlassian_health(request.app.state.config)
    return json_response(body, status=200 if body.status == "ok" else 503)


async def atlassian_oauth(request: Request) -> Response:
    """POST /atlassian/oauth: exchange a code or refresh a token at Atlassian's token endpoint."""
    body = await parse_body(request, AtlassianOAuthRequest, missing_code="INVALID_REQUEST")
    return json_response(await integrations.atlassian_oauth(request.app.state.config, body))


def create_app(config: AgentConfig | None = None, provider: Provider | None = None) -> Starlette:
    """Build the agent service's ASGI app (configuration from the environment by default)."""
    config = config or AgentConfig.from_env()
    routes = [Route("/health", health)]
    routes += [Route(s.path, guarded(analysis_endpoint(s)), methods=["POST"]) for s in ANALYSES]
    routes += [
        Route("/embed", guarded(embed), methods=["POST"]),
        Route("/auth/status", guarded(auth_status)),
        Route("/atlassian/connection-health", guarded(atlassian_health)),
        Route("/atlassian/oauth", guarded(atlassian_oauth), methods=["POST"]),
    ]
    chosen = provider or build_provider(config)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await chosen.aclose()

    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.config = config
    app.state.provider = chosen
    app.add_middleware(BearerAuthMiddleware, secret=config.service_secret)
    app.add_middleware(AccessLogMiddleware)
    return app


def serve(host: str, port: int, data_dir: Path) -> None:
    """Run the agent service until interrupted."""
    data_dir.mkdir(parents=True, exist_ok=True)
    if not log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s:     %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False
    uvicorn.run(create_app(), host=host, port=port, log_level="info")
