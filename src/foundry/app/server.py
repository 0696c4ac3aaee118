"""Start the backend process: the engine serving the product's functions."""

from __future__ import annotations

import functools
import logging
import os
import secrets
import socket
from pathlib import Path

import orjson
import uvicorn

from foundry.config import Settings
from foundry.engine import knobs
from foundry.engine.auth import AuthConfig, TokenVerifier
from foundry.engine.deployment import Deployment
from foundry.engine.files import LocalFileStore, UrlSigner
from foundry.engine.functions import Registry
from foundry.engine.replication import internal_commit_route, start_replica
from foundry.engine.server import build_app
from foundry.engine.storage import open_storage

log = logging.getLogger("foundry.backend")


def auth_configs_from_env() -> list[AuthConfig]:
    """Accepted token issuers from `FOUNDRY_AUTH_ISSUERS`, a JSON list of objects like
    `{"issuer": …, "jwksUrl": …, "audience": …, "orgClaim": …}` (`hs256Secret` for tests only)."""
    raw = os.environ.get("FOUNDRY_AUTH_ISSUERS")
    if not raw:
        return []
    try:
        entries = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise SystemExit("FOUNDRY_AUTH_ISSUERS must be a JSON list of issuer objects") from None
    return [
        AuthConfig(
            issuer=e["issuer"],
            audience=e.get("audience"),
            jwks_url=e.get("jwksUrl"),
            hs256_secret=e.get("hs256Secret"),
            org_claim=e.get("orgClaim", "org_id"),
        )
        for e in entries
    ]


def build_backend(settings: Settings) -> tuple[Deployment, dict[str, object]]:
    """The product's deployment and the options for its ASGI app."""
    from foundry.app.schema import schema

    registry = Registry()
    registry.add_package("foundry.app")
    files = LocalFileStore(settings.data_dir / "files")
    deployment = Deployment(open_storage(settings.database_url), schema, registry, files=files)
    secret = settings.instance_secret or secrets.token_urlsafe(32)
    configs = auth_configs_from_env()
    origins = [
        o.strip() for o in os.environ.get("FOUNDRY_ALLOWED_ORIGINS", "").split(",") if o.strip()
    ]
    options: dict[str, object] = {
        "verifier": TokenVerifier(configs) if configs else None,
        "allowed_origins": origins,
        "url_signer": UrlSigner(secret.encode()),
    }
    return deployment, options


def replication_options(
    deployment: Deployment, settings: Settings, host: str, port: int
) -> dict[str, object]:
    """On PostgreSQL, run as one replica among several: lease, commit forwarding, log tailing."""
    if not settings.database_url.startswith(("postgresql://", "postgres://")):
        return {}
    secret = settings.instance_secret
    if not secret:
        raise SystemExit("FOUNDRY_INSTANCE_SECRET must be set when the database is PostgreSQL")
    replica_id = os.environ.get("FOUNDRY_REPLICA_ID") or f"{socket.gethostname()}-{os.getpid()}"
    advertise = os.environ.get("FOUNDRY_ADVERTISE_URL") or f"http://{host}:{port}"
    start = functools.partial(
        start_replica, replica_id=replica_id, advertise_url=advertise, secret=secret
    )
    return {"start": start, "extra_routes": [internal_commit_route(deployment, secret)]}


def serve(host: str, port: int, data_dir: Path) -> None:
    """Run the backend until interrupted."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    data_dir.mkdir(parents=True, exist_ok=True)
    settings = Settings.from_env(data_dir)
    deployment, options = build_backend(settings)
    options.update(replication_options(deployment, settings, host, port))
    app = build_app(deployment, **options)  # type: ignore[arg-type]
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="info",
        ws_max_size=knobs.SYNC_MAX_FRAME_BYTES,
        ws_ping_interval=None,
    )
