"""Token verification against a real JWKS endpoint served over HTTP on localhost."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import stat
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from foundry.engine.auth import (
    AuthConfig,
    AuthError,
    LocalSigner,
    TokenVerifier,
    UserIdentity,
)

ISSUER = "https://auth.example.test"
AUDIENCE = "foundry-app"
HS_SECRET = "s" * 40


class JwksServer:
    """A JWKS endpoint whose document and status can be changed between requests."""

    def __init__(self) -> None:
        self.document: dict[str, Any] = {"keys": []}
        self.status = 200
        self.fetches = 0
        self.url = ""

    def serve(self, *signers: LocalSigner) -> None:
        self.document = {"keys": [key for s in signers for key in s.jwks()["keys"]]}


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def jwks_server() -> Iterator[JwksServer]:
    state = JwksServer()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.fetches += 1
            body = json.dumps(state.document).encode()
            self.send_response(state.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json"
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def signer(jwks_server: JwksServer) -> LocalSigner:
    signer = LocalSigner.generate(issuer=ISSUER)
    jwks_server.serve(signer)
    return signer


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


MakeVerifier = Callable[..., TokenVerifier]


@pytest.fixture
def make_verifier(
    jwks_server: JwksServer, http: httpx.AsyncClient, clock: FakeClock
) -> MakeVerifier:
    def make(**overrides: Any) -> TokenVerifier:
        config = AuthConfig(
            **{"issuer": ISSUER, "audience": AUDIENCE, "jwks_url": jwks_server.url, **overrides}
        )
        return TokenVerifier([config], http, clock=clock)

    return make


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def forge(header: dict[str, Any], payload: dict[str, Any], hmac_key: bytes | None) -> str:
    """Build a token by hand, for algorithms PyJWT refuses to produce."""
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(payload).encode())}"
    signature = b""
    if hmac_key is not None:
        signature = hmac.new(hmac_key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def claims(**extra: Any) -> dict[str, Any]:
    return {"sub": "user-1", "aud": AUDIENCE, **extra}


async def expect_error(verifier: TokenVerifier, token: str, code: str) -> AuthError:
    with pytest.raises(AuthError) as info:
        await verifier.verify(token)
    error = info.value
    assert error.code == code, error.message
    # The token and its signature are credentials: never echo them.
    for secret in {token, token.rsplit(".", 1)[-1]} - {""}:
        assert secret not in str(error)
        assert secret not in repr(error)
    return error


async def test_valid_token_gives_identity(make_verifier: MakeVerifier, signer: LocalSigner) -> None:
    verifier = make_verifier()
    token = signer.sign(
        claims(name="Ada", email="ada@example.test", org_id="org-7", org_role="admin"), 300
    )

    identity = await verifier.verify(token)

    assert identity.token_identifier == f"{ISSUER}|user-1"
    assert (identity.subject, identity.issuer) == ("user-1", ISSUER)
    assert (identity.name, identity.email) == ("Ada", "ada@example.test")
    assert (identity.org_id, identity.org_role) == ("org-7", "admin")
    assert identity.claims["aud"] == AUDIENCE
    with pytest.raises(TypeError):
        identity.claims["sub"] = "someone-else"  # type: ignore[index]
    assert "ada@example.test" not in repr(identity)


async def test_org_claim_is_configurable(make_verifier: MakeVerifier, signer: LocalSigner) -> None:
    verifier = make_verifier(org_claim="https://example.test/org")
    token = signer.sign(claims(**{"https://example.test/org": "org-9", "org_id": "other"}), 300)

    identity = await verifier.verify(token)

    assert identity.org_id == "org-9"
    assert identity.name is None


async def test_expired_token(make_verifier: MakeVerifier, signer: LocalSigner) -> None:
    error = await expect_error(make_verifier(), signer.sign(claims(), -120), "TokenExpired")
    assert "fresh token" in error.message


async def test_expiry_within_leeway_is_accepted(
    make_verifier: MakeVerifier, signer: LocalSigner
) -> None:
    identity = await make_verifier(leeway_s=30).verify(signer.sign(claims(), -10))
    assert identity.subject == "user-1"


async def test_wrong_audience(make_verifier: MakeVerifier, signer: LocalSigner) -> None:
    token = signer.sign(claims(aud="another-app"), 300)
    error = await expect_error(make_verifier(), token, "InvalidToken")
    assert AUDIENCE in error.message


async def test_missing_audience_when_configured(
    make_verifier: MakeVerifier, signer: LocalSigner
) -> None:
    token = signer.sign({"sub": "user-1"}, 300)
    error = await expect_error(make_verifier(), token, "InvalidToken")
    assert "'aud'" in error.message


async def test_audience_not_checked_when_not_configured(
    make_verifier: MakeVerifier, signer: LocalSigner
) -> None:
    identity = await make_verifier(audience=None).verify(signer.sign(claims(aud="any"), 300))
    assert identity.subject == "user-1"


async def test_unknown_issuer(make_verifier: MakeVerifier) -> None:
    stranger = LocalSigner.generate(issuer="https://evil.example.test")
    error = await expect_error(make_verifier(), stranger.sign(claims(), 300), "UnknownIssuer")
    assert "https://evil.example.test" in error.message
    assert ISSUER in error.message


async def test_forged_signature_with_the_real_kid(
    make_verifier: MakeVerifier, signer: LocalSigner
) -> None:
    attacker_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    payload = {"iss": ISSUER, "exp": 2**40, **claims()}
    token = jwt.encode(payload, attacker_key, algorithm="RS256", headers={"kid": signer.kid})

    error = await expect_error(make_verifier(), token, "InvalidToken")
    assert "signature" in error.message


async def test_forged_signature_with_an_unknown_kid(
    make_verifier: MakeVerifier, signer: LocalSigner, jwks_server: JwksServer
) -> None:
    verifier = make_verifier()
    await verifier.verify(signer.sign(claims(), 300))
    attacker = LocalSigner.generate(issuer=ISSUER)

    await expect_error(verifier, attacker.sign(claims(), 300), "KeyNotFound")


async def test_tampered_payload(make_verifier: MakeVerifier, signer: LocalSigner) -> None:
    header, _, signature = signer.sign(claims(), 300).split(".")
    payload = _b64(json.dumps({"iss": ISSUER, "exp": 2**40, **claims(sub="admin")}).encode())

    await expect_error(make_verifier(), f"{header}.{payload}.{signature}", "InvalidToken")


async def test_alg_none_is_refused(make_verifier: MakeVerifier, signer: LocalSigner) -> None:
    token = forge({"alg": "none", "typ": "JWT"}, {"iss": ISSUER, "exp": 2**40, **claims()}, None)
    error = await expect_error(make_verifier(), token, "InvalidToken")
    assert "'none'" in error.message


async def test_hs256_refused_when_not_configured(make_verifier: MakeVerifier) -> None:
    payload = {"iss": ISSUER, "exp": 2**40, **claims()}
    token = jwt.encode(payload, HS_SECRET, algorithm="HS256")
    error = await expect_error(make_verifier(), token, "InvalidToken")
    assert "HS256" in error.message


async def test_hs256_accepted_when_configured(http: httpx.AsyncClient) -> None:
    verifier = TokenVerifier([AuthConfig(issuer=ISSUER, hs256_secret=HS_SECRET)], http)
    token = jwt.encode({"iss": ISSUER, "exp": 2**40, "sub": "dev"}, HS_SECRET, algorithm="HS256")

    assert (await verifier.verify(token)).subject == "dev"


@pytest.mark.parametrize("with_hs256_secret", [False, True])
async def test_hs_rs_confusion_attack(http: httpx.AsyncClient, with_hs256_secret: bool) -> None:
    """An HS256 token keyed with the issuer's *public* key must never verify."""
    signer = LocalSigner.generate(issuer=ISSUER)
    public_pem = signer.public_key_pem()
    config = AuthConfig(
        issuer=ISSUER,
        public_keys_pem=(public_pem,),
        hs256_secret=HS_SECRET if with_hs256_secret else None,
    )
    verifier = TokenVerifier([config], http)
    payload = {"iss": ISSUER, "exp": 2**40, "sub": "admin"}
    token = forge({"alg": "HS256", "typ": "JWT"}, payload, public_pem.encode())

    await expect_error(verifier, token, "InvalidToken")
    assert (await verifier.verify(signer.sign({"sub": "admin"}, 60))).subject == "admin"


async def test_oct_keys_in_the_jwks_are_ignored(
    make_verifier: MakeVerifier, jwks_server: JwksServer
) -> None:
    jwks_server.document = {"keys": [{"kty": "oct", "kid": "k", "k": _b64(HS_SECRET.encode())}]}
    payload = {"iss": ISSUER, "exp": 2**40, **claims()}
    token = jwt.encode(payload, HS_SECRET, algorithm="HS256", headers={"kid": "k"})

    await expect_error(make_verifier(), token, "InvalidToken")


async def test_missing_sub(make_verifier: MakeVerifier, signer: LocalSigner) -> None:
    error = await expect_error(make_verifier(), signer.sign({"aud": AUDIENCE}, 300), "InvalidToken")
    assert "'sub'" in error.message


async def test_empty_sub(make_verifier: MakeVerifier, signer: LocalSigner) -> None:
    error = await expect_error(make_verifier(), signer.sign(claims(sub=""), 300), "InvalidToken")
    assert "'sub'" in error.message


async def test_missing_exp(http: httpx.AsyncClient) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    signer = LocalSigner(key, issuer=ISSUER)
    verifier = TokenVerifier(
        [AuthConfig(issuer=ISSUER, public_keys_pem=(signer.public_key_pem(),))]
    )
    token = jwt.encode({"iss": ISSUER, "sub": "user-1"}, key, algorithm="RS256")

    error = await expect_error(verifier, token, "InvalidToken")
    assert "'exp'" in error.message


async def test_missing_iss(make_verifier: MakeVerifier, signer: LocalSigner) -> None:
    token = forge({"alg": "HS256"}, {"sub": "user-1", "exp": 2**40}, HS_SECRET.encode())
    error = await expect_error(make_verifier(), token, "InvalidToken")
    assert "'iss'" in error.message


async def test_not_yet_valid(make_verifier: MakeVerifier, signer: LocalSigner) -> None:
    token = signer.sign(claims(nbf=2**40), 300)
    await expect_error(make_verifier(), token, "InvalidToken")


@pytest.mark.parametrize("token", ["", "not-a-jwt", "a.b.c", "x" * 20_000])
async def test_malformed_tokens(make_verifier: MakeVerifier, token: str) -> None:
    await expect_error(make_verifier(), token, "InvalidToken")


async def test_key_rotation_is_picked_up_after_a_refetch(
    make_verifier: MakeVerifier, signer: LocalSigner, jwks_server: JwksServer, clock: FakeClock
) -> None:
    verifier = make_verifier()
    assert (await verifier.verify(signer.sign(claims(), 300))).subject == "user-1"
    assert jwks_server.fetches == 1

    rotated = LocalSigner.generate(issuer=ISSUER)
    jwks_server.serve(signer, rotated)
    clock.now += 31
    identity = await verifier.verify(rotated.sign(claims(sub="user-2"), 300))

    assert identity.subject == "user-2"
    assert jwks_server.fetches == 2
    # The old key is still served and cached: no further fetch.
    await verifier.verify(signer.sign(claims(), 300))
    assert jwks_server.fetches == 2


async def test_unknown_kid_refetch_is_rate_limited(
    make_verifier: MakeVerifier, signer: LocalSigner, jwks_server: JwksServer, clock: FakeClock
) -> None:
    verifier = make_verifier()
    await verifier.verify(signer.sign(claims(), 300))
    rotated = LocalSigner.generate(issuer=ISSUER)
    jwks_server.serve(signer, rotated)
    token = rotated.sign(claims(), 300)

    clock.now += 5
    for _ in range(3):
        await expect_error(verifier, token, "KeyNotFound")
    assert jwks_server.fetches == 1

    clock.now += 30
    assert (await verifier.verify(token)).subject == "user-1"
    assert jwks_server.fetches == 2


async def test_concurrent_verifications_share_one_fetch(
    make_verifier: MakeVerifier, signer: LocalSigner, jwks_server: JwksServer
) -> None:
    verifier = make_verifier()
    tokens = [signer.sign(claims(sub=f"user-{i}"), 300) for i in range(20)]

    identities = await asyncio.gather(*(verifier.verify(token) for token in tokens))

    assert [identity.subject for identity in identities] == [f"user-{i}" for i in range(20)]
    assert jwks_server.fetches == 1


async def test_jwks_is_refetched_after_its_ttl(
    make_verifier: MakeVerifier, signer: LocalSigner, jwks_server: JwksServer, clock: FakeClock
) -> None:
    verifier = make_verifier()
    await verifier.verify(signer.sign(claims(), 300))
    clock.now += 599
    await verifier.verify(signer.sign(claims(), 300))
    assert jwks_server.fetches == 1

    clock.now += 2
    await verifier.verify(signer.sign(claims(), 300))
    assert jwks_server.fetches == 2


async def test_stale_keys_are_kept_while_the_jwks_endpoint_fails(
    make_verifier: MakeVerifier, signer: LocalSigner, jwks_server: JwksServer, clock: FakeClock
) -> None:
    verifier = make_verifier()
    await verifier.verify(signer.sign(claims(), 300))
    jwks_server.status = 500
    clock.now += 601

    assert (await verifier.verify(signer.sign(claims(), 300))).subject == "user-1"
    assert jwks_server.fetches == 2


async def test_unreachable_jwks(
    make_verifier: MakeVerifier, signer: LocalSigner, jwks_server: JwksServer, clock: FakeClock
) -> None:
    jwks_server.status = 503
    verifier = make_verifier()
    token = signer.sign(claims(), 300)

    error = await expect_error(verifier, token, "KeyNotFound")
    assert jwks_server.url in error.message
    # A failed fetch is not retried on every request.
    await expect_error(verifier, token, "KeyNotFound")
    assert jwks_server.fetches == 1

    jwks_server.status = 200
    clock.now += 31
    assert (await verifier.verify(token)).subject == "user-1"


async def test_owned_client_from_a_factory_is_closed(
    jwks_server: JwksServer, signer: LocalSigner
) -> None:
    created: list[httpx.AsyncClient] = []

    def factory() -> httpx.AsyncClient:
        created.append(httpx.AsyncClient())
        return created[-1]

    verifier = TokenVerifier([AuthConfig(issuer=ISSUER, jwks_url=jwks_server.url)], factory)
    await verifier.verify(signer.sign({"sub": "a"}, 60))
    await verifier.verify(signer.sign({"sub": "b"}, 60))
    await verifier.aclose()

    assert len(created) == 1
    assert created[0].is_closed


async def test_every_static_key_is_tried(http: httpx.AsyncClient, signer: LocalSigner) -> None:
    retired = LocalSigner.generate(issuer=ISSUER)
    pems = (retired.public_key_pem(), signer.public_key_pem())
    verifier = TokenVerifier([AuthConfig(issuer=ISSUER, public_keys_pem=pems)], http)

    assert (await verifier.verify(signer.sign({"sub": "new"}, 60))).subject == "new"
    assert (await verifier.verify(retired.sign({"sub": "old"}, 60))).subject == "old"
    stranger = LocalSigner.generate(issuer=ISSUER)
    await expect_error(verifier, stranger.sign({"sub": "x"}, 60), "InvalidToken")


async def test_malformed_iat(make_verifier: MakeVerifier, signer: LocalSigner) -> None:
    error = await expect_error(
        make_verifier(), signer.sign(claims(iat="yesterday"), 300), "InvalidToken"
    )
    assert "malformed" in error.message


async def test_es256_static_key(http: httpx.AsyncClient) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    verifier = TokenVerifier([AuthConfig(issuer=ISSUER, public_keys_pem=(pem,))], http)
    token = jwt.encode({"iss": ISSUER, "sub": "ec", "exp": 2**40}, key, algorithm="ES256")

    assert (await verifier.verify(token)).subject == "ec"


def _ed25519_pem() -> str:
    public_key = ed25519.Ed25519PrivateKey.generate().public_key()
    pem = public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return pem.decode()


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({}, "has no keys"),
        ({"issuer": "", "hs256_secret": HS_SECRET}, "non-empty"),
        ({"hs256_secret": HS_SECRET, "leeway_s": -1}, "leeway_s"),
        ({"jwks_url": "http://keys.example.test/jwks"}, "https"),
        ({"hs256_secret": "short"}, "32 bytes"),
        ({"public_keys_pem": ("not a key",)}, "PEM public key"),
        ({"public_keys_pem": (_ed25519_pem(),)}, "RSA or P-256"),
    ],
)
def test_invalid_configs_are_refused(kwargs: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        TokenVerifier([AuthConfig(**{"issuer": ISSUER, **kwargs})])


def test_duplicate_issuers_are_refused() -> None:
    config = AuthConfig(issuer=ISSUER, hs256_secret=HS_SECRET)
    with pytest.raises(ValueError, match="twice"):
        TokenVerifier([config, config])


def test_algorithms_follow_the_configured_keys() -> None:
    assert AuthConfig(issuer=ISSUER, jwks_url="https://k.test/jwks").algorithms == (
        "RS256",
        "ES256",
    )
    assert AuthConfig(issuer=ISSUER, hs256_secret=HS_SECRET).algorithms == ("HS256",)
    assert HS_SECRET not in repr(AuthConfig(issuer=ISSUER, hs256_secret=HS_SECRET))


def test_local_signer_persists_its_key(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "signing.pem"
    first = LocalSigner.load_or_create(path, issuer=ISSUER)
    second = LocalSigner.load_or_create(path, issuer=ISSUER)

    assert first.kid == second.kid
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "PRIVATE" not in repr(first)
    assert first.jwks()["keys"][0] == {**second.jwks()["keys"][0]}
    assert "d" not in first.jwks()["keys"][0]


def test_local_signer_refuses_a_non_rsa_key_file(tmp_path: Path) -> None:
    path = tmp_path / "ec.pem"
    key = ec.generate_private_key(ec.SECP256R1())
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    with pytest.raises(ValueError, match="RSA"):
        LocalSigner.load_or_create(path)


def test_identity_from_claims_is_comparable() -> None:
    a = UserIdentity.from_claims({"iss": ISSUER, "sub": "u", "name": "A"})
    b = UserIdentity.from_claims({"iss": ISSUER, "sub": "u", "name": "A"})
    assert a == b
    assert hash(a) == hash(b)
