"""Start the backend process: the engine serving the product's functions."""

from __future__ import annotations

import functools
import logging
import os
import secrets
import socket
from collections.abc import Mapping, Sequence
from pathlib import Path

import orjson
import uvicorn

from foundry.app.accounts import config as accounts
from foundry.app.accounts.svix import secret_key
from foundry.config import Settings
from foundry.engine import knobs
from foundry.engine.auth import AuthConfig, LocalSigner, TokenVerifier
from foundry.engine.deployment import Deployment
from foundry.engine.files import LocalFileStore, UrlSigner
from foundry.engine.functions import Registry
from foundry.engine.replication import internal_commit_route, start_replica
from foundry.engine.server import build_app
from foundry.engine.storage import open_storage

log = logging.getLogger("foundry.backend")


def auth_configs_from_env(environ: Mapping[str, str] | None = None) -> list[AuthConfig]:
    """Outside token issuers from `FOUNDRY_AUTH_ISSUERS`, a JSON list of objects like
    `{"issuer": …, "jwksUrl": …, "audience": …, "orgClaim": …}` (`publicKeysPem` for a static
    key; `hs256Secret` for tests only)."""
    env = os.environ if environ is None else environ
    raw = env.get("FOUNDRY_AUTH_ISSUERS")
    if not raw:
        return []
    try:
        entries = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise SystemExit("FOUNDRY_AUTH_ISSUERS must be a JSON list of issuer objects") from None
    if not isinstance(entries, list):
        raise SystemExit("FOUNDRY_AUTH_ISSUERS must be a JSON list of issuer objects")
    configs = []
    for index, e in enumerate(entries):
        if not isinstance(e, dict) or not isinstance(e.get("issuer"), str):
            raise SystemExit(f"FOUNDRY_AUTH_ISSUERS[{index}] needs a string 'issuer'")
        try:
            configs.append(
                AuthConfig(
                    issuer=e["issuer"],
                    audience=e.get("audience"),
                    jwks_url=e.get("jwksUrl"),
                    public_keys_pem=tuple(e.get("publicKeysPem") or ()),
                    hs256_secret=e.get("hs256Secret"),
                    org_claim=e.get("orgClaim") or "org_id",
                )
            )
        except ValueError as exc:
            raise SystemExit(f"FOUNDRY_AUTH_ISSUERS[{index}]: {exc}") from None
    return configs


def accounts_config_from_env(
    settings: Settings, environ: Mapping[str, str] | None = None
) -> accounts.AccountsConfig:
    """The built-in account system: our issuer and signing key, single-tenant mode, Clerk.

    The key lives at `<data-dir>/jwt-signing-key.pem` (or `FOUNDRY_JWT_SIGNING_KEY_FILE`, which
    replicas on several hosts must share); the issuer is `FOUNDRY_AUTH_LOCAL_ISSUER` or the
    backend's URL.
    """
    env = os.environ if environ is None else environ
    issuer = env.get("FOUNDRY_AUTH_LOCAL_ISSUER") or settings.backend_url
    key_file = env.get("FOUNDRY_JWT_SIGNING_KEY_FILE")
    key_path = Path(key_file) if key_file else settings.data_dir / "jwt-signing-key.pem"
    webhook_secret = env.get("CLERK_WEBHOOK_SECRET") or None
    if webhook_secret is not None:
        try:
            secret_key(webhook_secret)
        except ValueError as exc:
            raise SystemExit(f"CLERK_WEBHOOK_SECRET: {exc}") from None
    return accounts.AccountsConfig(
        issuer=issuer,
        signer=LocalSigner.load_or_create(key_path, issuer=issuer),
        single_tenant=env.get("FOUNDRY_SINGLE_TENANT", "").lower() in ("1", "true", "yes"),
        single_tenant_org_name=env.get("FOUNDRY_ORG_NAME") or "Foundry",
        clerk_webhook_secret=webhook_secret,
        clerk_issuer=env.get("CLERK_ISSUER") or None,
    )


def build_verifier(
    settings: accounts.AccountsConfig, configs: Sequence[AuthConfig]
) -> TokenVerifier:
    """A verifier accepting our own tokens (static key, no HTTP) and every outside issuer."""
    local = accounts.local_auth_config(settings)
    if any(c.issuer == local.issuer for c in configs):
        raise SystemExit(
            f"FOUNDRY_AUTH_ISSUERS lists {local.issuer!r}, the backend's own issuer;"
            " set FOUNDRY_AUTH_LOCAL_ISSUER to something else"
        )
    return TokenVerifier([local, *configs])


def build_backend(settings: Settings) -> tuple[Deployment, dict[str, object]]:
    """The product's deployment and the options for its ASGI app."""
    from foundry.app.schema import schema

    registry = Registry()
    registry.add_package("foundry.app")
    files = LocalFileStore(settings.data_dir / "files")
    secret = settings.instance_secret or secrets.token_urlsafe(32)
    signer = UrlSigner(secret.encode())
    deployment = Deployment(
        open_storage(settings.database_url), schema, registry, files=files, url_signer=signer
    )
    settings_accounts = accounts_config_from_env(settings)
    accounts.configure(settings_accounts)
    configs = auth_configs_from_env()
    origins = [
        o.strip() for o in os.environ.get("FOUNDRY_ALLOWED_ORIGINS", "").split(",") if o.strip()
    ]
    options: dict[str, object] = {
        "verifier": build_verifier(settings_accounts, configs),
        "allowed_origins": origins,
        "url_signer": signer,
    }
    if os.environ.get("FOUNDRY_SEED_DEMO") == "1":
        options["on_started"] = seed_demo_if_empty
    return deployment, options


async def seed_demo_if_empty(deployment: Deployment) -> None:
    """Create the demo organisation on an empty database (development only)."""
    from foundry.app.seed.demo import database_is_empty, seed_demo

    if not await database_is_empty(deployment):
        return
    seed = await seed_demo(deployment)
    log.info("created the AcmeCorp demo data; sign in as %s", seed.email)


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
