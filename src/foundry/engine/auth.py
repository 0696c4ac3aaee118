"""Verify the identity on a request: a JWT from a configured issuer becomes a `UserIdentity`.

Each accepted issuer has one `AuthConfig`. `TokenVerifier.verify` picks the config by the token's
(unverified) `iss`, checks the algorithm against the config's allow-list, finds the key (static PEM
keys, a cached JWKS document, or an explicitly configured HS256 secret) and then verifies signature
and claims. Every failure is an `AuthError` with a stable code:

    AuthError
    ├── code "InvalidToken"   malformed, bad signature, disallowed algorithm, missing or wrong claim
    ├── code "TokenExpired"   `exp` is in the past (beyond the leeway)
    ├── code "UnknownIssuer"  no `AuthConfig` for the token's `iss`
    └── code "KeyNotFound"    no key with the token's `kid`, or the JWKS could not be fetched

Messages never contain the token itself, so they are safe to log and to send to the client.

`LocalSigner` issues RS256 tokens and serves their JWKS; it is used by tests and by the built-in
account system.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import logging
import math
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from foundry.engine import knobs

logger = logging.getLogger(__name__)

AuthErrorCode = Literal["TokenExpired", "InvalidToken", "UnknownIssuer", "KeyNotFound"]

JWKS_TTL_S = 600.0
"""How long a fetched JWKS document is trusted before it is fetched again."""

JWKS_MIN_REFETCH_INTERVAL_S = 30.0
"""Minimum time between two JWKS fetches of one issuer (bounds fetches caused by unknown kids)."""

JWKS_FETCH_TIMEOUT_S = 5.0
"""Timeout of one JWKS HTTP request."""

MAX_TOKEN_BYTES = 16 * 1024
"""Tokens longer than this are refused before any parsing."""

_ASYMMETRIC_ALGORITHMS = ("RS256", "ES256")
_LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


class AuthError(Exception):
    """A refused token: a stable `code` and an actionable `message` that never holds the token."""

    def __init__(self, code: AuthErrorCode, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code: AuthErrorCode = code
        self.message = message


@dataclass(frozen=True)
class UserIdentity:
    """The verified identity of a caller.

    `token_identifier` (`"{issuer}|{subject}"`) is the stable key to store users under; `claims`
    holds every claim of the token, read-only.
    """

    token_identifier: str
    subject: str
    issuer: str
    claims: Mapping[str, Any] = field(hash=False, repr=False)
    org_claim: str = "org_id"

    @classmethod
    def from_claims(cls, claims: Mapping[str, Any], *, org_claim: str = "org_id") -> UserIdentity:
        """Build an identity from already verified claims (which must hold `iss` and `sub`)."""
        issuer, subject = str(claims["iss"]), str(claims["sub"])
        return cls(
            token_identifier=f"{issuer}|{subject}",
            subject=subject,
            issuer=issuer,
            claims=MappingProxyType(dict(claims)),
            org_claim=org_claim,
        )

    @property
    def name(self) -> str | None:
        """The `name` claim, if present."""
        return self._str_claim("name")

    @property
    def email(self) -> str | None:
        """The `email` claim, if present."""
        return self._str_claim("email")

    @property
    def org_id(self) -> str | None:
        """The organisation claim (named by `org_claim`), if present."""
        return self._str_claim(self.org_claim)

    @property
    def org_role(self) -> str | None:
        """The `org_role` claim, if present."""
        return self._str_claim("org_role")

    def _str_claim(self, name: str) -> str | None:
        value = self.claims.get(name)
        return value if isinstance(value, str) else None


@dataclass(frozen=True)
class AuthConfig:
    """One accepted token issuer and the keys its tokens may be signed with.

    `hs256_secret` enables HS256 for this issuer; use it only in tests and single-machine dev,
    where the verifier and the signer are the same process.
    """

    issuer: str
    audience: str | None = None
    jwks_url: str | None = None
    public_keys_pem: tuple[str, ...] = ()
    hs256_secret: str | None = field(default=None, repr=False)
    org_claim: str = "org_id"
    leeway_s: int = knobs.AUTH_LEEWAY_S

    def __post_init__(self) -> None:
        if not self.issuer:
            raise ValueError("AuthConfig.issuer must be a non-empty string")
        if self.jwks_url is None and not self.public_keys_pem and self.hs256_secret is None:
            raise ValueError(
                f"AuthConfig for {self.issuer!r} has no keys: set jwks_url, public_keys_pem"
                " or hs256_secret"
            )
        if self.jwks_url is not None:
            url = urlsplit(self.jwks_url)
            # Plain HTTP lets anyone on the path substitute keys; allow it only on loopback.
            if url.scheme != "https" and not (
                url.scheme == "http" and url.hostname in _LOOPBACK_HOSTS
            ):
                raise ValueError(
                    f"jwks_url for {self.issuer!r} must use https (http only for localhost)"
                )
        # RFC 7518 §3.2: an HS256 key must be at least as long as the hash output.
        if self.hs256_secret is not None and len(self.hs256_secret.encode()) < 32:
            raise ValueError(f"hs256_secret for {self.issuer!r} must be at least 32 bytes")
        if self.leeway_s < 0:
            raise ValueError("AuthConfig.leeway_s must not be negative")

    @property
    def algorithms(self) -> tuple[str, ...]:
        """The `alg` values allowed: RS256/ES256 with keys or a JWKS, HS256 only with a secret."""
        algorithms: tuple[str, ...] = ()
        if self.jwks_url is not None or self.public_keys_pem:
            algorithms += _ASYMMETRIC_ALGORITHMS
        if self.hs256_secret is not None:
            algorithms += ("HS256",)
        return algorithms


@dataclass(frozen=True)
class _Key:
    algorithm: str
    key: Any  # a cryptography public key object, or the HS256 secret bytes
    kid: str | None = None


def _static_keys(config: AuthConfig) -> list[_Key]:
    keys: list[_Key] = []
    for index, pem in enumerate(config.public_keys_pem):
        try:
            public_key = serialization.load_pem_public_key(pem.encode())
        except ValueError as exc:
            raise ValueError(
                f"public_keys_pem[{index}] for {config.issuer!r} is not a PEM public key"
            ) from exc
        if isinstance(public_key, rsa.RSAPublicKey):
            keys.append(_Key("RS256", public_key))
        elif isinstance(public_key, ec.EllipticCurvePublicKey) and isinstance(
            public_key.curve, ec.SECP256R1
        ):
            keys.append(_Key("ES256", public_key))
        else:
            raise ValueError(
                f"public_keys_pem[{index}] for {config.issuer!r} must be an RSA or P-256 key"
            )
    if config.hs256_secret is not None:
        keys.append(_Key("HS256", config.hs256_secret.encode()))
    return keys


class _JwksCache:
    """The keys of one issuer's JWKS document, fetched lazily and shared by all verifications."""

    def __init__(
        self,
        issuer: str,
        url: str,
        http: Callable[[], httpx.AsyncClient],
        ttl_s: float,
        min_refetch_interval_s: float,
        clock: Callable[[], float],
    ) -> None:
        self._issuer = issuer
        self._url = url
        self._http = http
        self._ttl_s = ttl_s
        self._min_interval_s = min_refetch_interval_s
        self._clock = clock
        self._lock = asyncio.Lock()
        self._keys: list[_Key] | None = None
        self._fetched_at = -math.inf
        self._last_attempt = -math.inf
        self._last_error = ""
        # Bumped on every successful fetch; lets a waiter see that someone else just fetched.
        self._generation = 0

    async def keys_for(self, kid: str | None) -> list[_Key]:
        generation = self._generation
        if self._keys is None or self._clock() - self._fetched_at >= self._ttl_s:
            await self._refresh(generation)
        found = self._lookup(kid)
        if found or kid is None:
            return found
        # An unknown kid usually means the issuer rotated its keys since our last fetch.
        await self._refresh(self._generation)
        return self._lookup(kid)

    def _lookup(self, kid: str | None) -> list[_Key]:
        return [key for key in self._keys or () if kid is None or key.kid == kid]

    async def _refresh(self, seen_generation: int) -> None:
        async with self._lock:
            if self._generation != seen_generation:
                return
            now = self._clock()
            if now - self._last_attempt < self._min_interval_s:
                if self._keys is None:
                    raise AuthError(
                        "KeyNotFound",
                        f"could not fetch the signing keys of issuer {self._issuer!r}"
                        f" ({self._last_error}); retrying in at most"
                        f" {self._min_interval_s:g} s",
                    )
                return
            self._last_attempt = now
            try:
                keys = await self._fetch()
            except AuthError as exc:
                self._last_error = exc.message
                if self._keys is None:
                    raise
                # A stale key set beats refusing every token while the JWKS endpoint is down.
                logger.warning("%s; keeping the previous keys", exc.message)
                return
            self._keys = keys
            self._fetched_at = now
            self._generation += 1

    async def _fetch(self) -> list[_Key]:
        try:
            response = await self._http().get(self._url, timeout=JWKS_FETCH_TIMEOUT_S)
            response.raise_for_status()
            document = response.json()
            jwk_set = jwt.PyJWKSet.from_dict(document if isinstance(document, dict) else {})
        except (httpx.HTTPError, ValueError, jwt.PyJWTError) as exc:
            raise AuthError(
                "KeyNotFound",
                f"could not fetch the signing keys of issuer {self._issuer!r} from"
                f" {self._url} ({type(exc).__name__}); check that the URL serves a JWKS document",
            ) from exc
        # Only signature keys of allowed asymmetric algorithms: an `oct` key would enable HS256.
        return [
            _Key(jwk.algorithm_name, jwk.key, jwk.key_id)
            for jwk in jwk_set
            if jwk.algorithm_name in _ASYMMETRIC_ALGORITHMS and jwk.public_key_use in (None, "sig")
        ]


class TokenVerifier:
    """Verifies JWTs against a fixed set of issuers. Safe to share between tasks.

    Pass an `httpx.AsyncClient` to control how JWKS documents are fetched, or a factory that is
    called once, on the first fetch; a client the verifier created is closed by `aclose()`.
    """

    def __init__(
        self,
        configs: Sequence[AuthConfig],
        http: httpx.AsyncClient | Callable[[], httpx.AsyncClient] | None = None,
        *,
        jwks_ttl_s: float = JWKS_TTL_S,
        jwks_min_refetch_interval_s: float = JWKS_MIN_REFETCH_INTERVAL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._configs: dict[str, AuthConfig] = {}
        for config in configs:
            if config.issuer in self._configs:
                raise ValueError(f"issuer {config.issuer!r} is configured twice")
            self._configs[config.issuer] = config
        self._static = {config.issuer: _static_keys(config) for config in configs}
        self._http_arg = http
        self._owned_http: httpx.AsyncClient | None = None
        self._jwks = {
            config.issuer: _JwksCache(
                config.issuer,
                config.jwks_url,
                self._client,
                jwks_ttl_s,
                jwks_min_refetch_interval_s,
                clock,
            )
            for config in configs
            if config.jwks_url is not None
        }

    def _client(self) -> httpx.AsyncClient:
        if isinstance(self._http_arg, httpx.AsyncClient):
            return self._http_arg
        if self._owned_http is None:
            self._owned_http = (self._http_arg or httpx.AsyncClient)()
        return self._owned_http

    async def aclose(self) -> None:
        """Close the HTTP client the verifier created (directly or via the factory)."""
        if self._owned_http is not None:
            await self._owned_http.aclose()
            self._owned_http = None

    async def verify(self, token: str) -> UserIdentity:
        """Verify `token` and return its identity, or raise `AuthError`."""
        if len(token) > MAX_TOKEN_BYTES:
            raise AuthError("InvalidToken", f"token is longer than {MAX_TOKEN_BYTES} bytes")
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            raise AuthError(
                "InvalidToken", "token is not a well-formed JWT (three base64url segments)"
            ) from None
        issuer = unverified.get("iss")
        if not isinstance(issuer, str):
            raise AuthError("InvalidToken", "token has no 'iss' claim")
        config = self._configs.get(issuer)
        if config is None:
            raise AuthError(
                "UnknownIssuer",
                f"token issuer {issuer[:200]!r} is not configured; accepted issuers:"
                f" {', '.join(sorted(self._configs)) or '(none)'}",
            )
        algorithm = header.get("alg")
        if algorithm not in config.algorithms:
            raise AuthError(
                "InvalidToken",
                f"algorithm {str(algorithm)[:20]!r} is not accepted for issuer {issuer!r};"
                f" accepted: {', '.join(config.algorithms)}",
            )
        kid = header.get("kid")
        kid = kid if isinstance(kid, str) else None
        candidates = [key for key in self._static[issuer] if key.algorithm == algorithm]
        if algorithm != "HS256" and issuer in self._jwks:
            jwks_keys = await self._jwks[issuer].keys_for(kid)
            candidates += [key for key in jwks_keys if key.algorithm == algorithm]
        if not candidates:
            raise AuthError(
                "KeyNotFound",
                f"issuer {issuer!r} has no {algorithm} key with kid {str(kid)[:100]!r};"
                " the token may be signed with a retired key, sign in again",
            )
        claims = self._decode(token, config, candidates, unverified)
        if not isinstance(claims.get("sub"), str) or not claims["sub"]:
            raise AuthError("InvalidToken", "token's 'sub' claim must be a non-empty string")
        return UserIdentity.from_claims(claims, org_claim=config.org_claim)

    def _decode(
        self,
        token: str,
        config: AuthConfig,
        candidates: list[_Key],
        unverified: Mapping[str, Any],
    ) -> dict[str, Any]:
        for key in candidates:
            try:
                return jwt.decode(
                    token,
                    key.key,
                    algorithms=[key.algorithm],
                    audience=config.audience,
                    issuer=config.issuer,
                    leeway=config.leeway_s,
                    options={
                        "require": ["exp", "sub", "iss"],
                        "verify_aud": config.audience is not None,
                        "enforce_minimum_key_length": True,
                    },
                )
            except jwt.InvalidSignatureError:
                continue
            except jwt.PyJWTError as exc:
                raise _claim_error(exc, config, unverified) from None
        raise AuthError("InvalidToken", "token signature does not match any key of its issuer")


def _claim_error(
    exc: jwt.PyJWTError, config: AuthConfig, unverified: Mapping[str, Any]
) -> AuthError:
    if isinstance(exc, jwt.ExpiredSignatureError):
        expired_at = datetime.fromtimestamp(float(unverified["exp"]), UTC).isoformat()
        return AuthError(
            "TokenExpired",
            f"token expired at {expired_at}; fetch a fresh token and authenticate again",
        )
    if isinstance(exc, jwt.MissingRequiredClaimError):
        return AuthError("InvalidToken", f"token has no {exc.claim!r} claim")
    if isinstance(exc, jwt.InvalidAudienceError):
        return AuthError(
            "InvalidToken",
            f"token audience does not include {config.audience!r}; request a token for this app",
        )
    if isinstance(exc, jwt.ImmatureSignatureError):
        return AuthError(
            "InvalidToken",
            "token is not valid yet ('nbf' or 'iat' in the future); check the clocks",
        )
    return AuthError("InvalidToken", f"token has a malformed claim ({type(exc).__name__})")


def _b64url_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class LocalSigner:
    """Issues RS256 tokens with a local RSA key and publishes the matching JWKS document.

    The `kid` is the key's RFC 7638 thumbprint, so it is stable across restarts for a stored key.
    """

    def __init__(self, private_key: rsa.RSAPrivateKey, *, issuer: str | None = None) -> None:
        self._private_key = private_key
        self.issuer = issuer
        numbers = private_key.public_key().public_numbers()
        self._public_jwk = {
            "e": _b64url_uint(numbers.e),
            "kty": "RSA",
            "n": _b64url_uint(numbers.n),
        }
        canonical = json.dumps(self._public_jwk, separators=(",", ":"), sort_keys=True)
        digest = hashlib.sha256(canonical.encode()).digest()
        self.kid = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    @classmethod
    def generate(cls, *, issuer: str | None = None, key_size: int = 2048) -> LocalSigner:
        """A signer with a fresh RSA key that lives only in memory."""
        key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
        return cls(key, issuer=issuer)

    @classmethod
    def load_or_create(cls, path: Path, *, issuer: str | None = None) -> LocalSigner:
        """Load the PEM private key at `path`, or generate one and write it there (mode 0600)."""
        if path.exists():
            key = serialization.load_pem_private_key(path.read_bytes(), password=None)
            if not isinstance(key, rsa.RSAPrivateKey):
                raise ValueError(f"{path} does not hold an RSA private key")
            return cls(key, issuer=issuer)
        signer = cls.generate(issuer=issuer)
        pem = signer._private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(pem)
        # Rename so a crash never leaves a truncated key that later fails to load.
        temp.replace(path)
        return signer

    def __repr__(self) -> str:
        return f"LocalSigner(kid={self.kid!r}, issuer={self.issuer!r})"

    def public_key_pem(self) -> str:
        """The public key in PEM form, for `AuthConfig.public_keys_pem`."""
        return (
            self._private_key.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode()
        )

    def sign(self, claims: Mapping[str, Any], ttl_s: int) -> str:
        """Sign `claims` with `iat` now and `exp` in `ttl_s` seconds (and `iss`, if set and absent).

        A negative `ttl_s` yields an already expired token; explicit `iat`/`exp` claims win.
        """
        now = int(time.time())
        payload: dict[str, Any] = {"iat": now, "exp": now + ttl_s}
        if self.issuer is not None:
            payload["iss"] = self.issuer
        payload.update(claims)
        return jwt.encode(payload, self._private_key, algorithm="RS256", headers={"kid": self.kid})

    def jwks(self) -> dict[str, Any]:
        """The public JWKS document (`{"keys": [...]}`) to serve at the issuer's JWKS URL."""
        return {"keys": [{**self._public_jwk, "kid": self.kid, "alg": "RS256", "use": "sig"}]}
