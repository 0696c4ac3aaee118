"""The sync protocol over real WebSockets: live updates, ordering, consistency, bad input."""

from __future__ import annotations

import random
import time
from collections.abc import AsyncIterator
from typing import Any

import jwt
import orjson
import pytest
import websockets

from foundry.engine import knobs
from foundry.engine.auth import AuthConfig, TokenVerifier
from foundry.engine.deployment import Deployment
from foundry.engine.testing import serve_for_testing
from tests.engine.rawsync import RawSync

ISSUER = "https://issuer.test"
SECRET = "s" * 40


def token(subject: str, ttl: float = 3600, secret: str = SECRET) -> str:
    return jwt.encode(
        {"iss": ISSUER, "sub": subject, "exp": int(time.time() + ttl)}, secret, "HS256"
    )


@pytest.fixture
async def url(deployment: Deployment) -> AsyncIterator[str]:
    verifier = TokenVerifier([AuthConfig(issuer=ISSUER, hs256_secret=SECRET)])
    async with serve_for_testing(
        deployment, verifier=verifier, allowed_origins=["http://allowed.test"], start=_started
    ) as base:
        yield base


async def _started(dep: Deployment) -> None:
    """The fixture already started the deployment."""


async def test_subscription_updates_only_when_its_data_changes(url: str) -> None:
    watcher, writer = await RawSync.connect(url), await RawSync.connect(url)
    try:
        a = await watcher.subscribe("messages:count", {"channel": "a"})
        b = await watcher.subscribe("messages:count", {"channel": "b"})
        assert await watcher.value(a) == 0 and await watcher.value(b) == 0
        before = len(watcher.transitions)
        response = await writer.mutation("messages:send", {"channel": "a", "body": "hi"})
        assert response["success"]
        await watcher.wait(lambda c: c.values[a] == 1)
        updated = [m["queryId"] for t in watcher.transitions[before:] for m in t["modifications"]]
        assert updated == [a], "the untouched query is not re-sent"
        assert watcher.version["ts"] >= response["ts"]
    finally:
        await watcher.close()
        await writer.close()


async def test_own_write_is_visible_before_the_response(url: str) -> None:
    client = await RawSync.connect(url)
    try:
        q = await client.subscribe("messages:bodies", {"channel": "own"})
        assert await client.value(q) == []
        for i in range(5):
            response = await client.mutation("messages:send", {"channel": "own", "body": f"m{i}"})
            assert response["_seen_ts"] >= response["ts"], "transition arrived before the response"
            assert f"m{i}" in client.values[q]
    finally:
        await client.close()


async def test_failed_query_reports_and_recovers(url: str) -> None:
    client = await RawSync.connect(url)
    try:
        q = await client.subscribe("messages:nope", {})
        await client.wait(lambda c: q in c.errors)
        assert "Could not find public function" in client.errors[q]["errorMessage"]
        bad = await client.subscribe("messages:count", {"channel": 5})
        await client.wait(lambda c: bad in c.errors)
        assert client.errors[bad]["errorData"]["path"] == "args.channel"
        good = await client.subscribe("messages:count", {"channel": "z"})
        assert await client.value(good) == 0
    finally:
        await client.close()


async def test_random_operations_match_a_model_at_every_pushed_timestamp(url: str) -> None:
    """Every value pushed at ts T equals the query evaluated on the model after commits <= T."""
    rng = random.Random(7)
    channels = ["x", "y", "z"]
    clients = [await RawSync.connect(url) for _ in range(3)]
    try:
        subs = {
            (i, ch): await c.subscribe("messages:bodies", {"channel": ch})
            for i, c in enumerate(clients)
            for ch in channels
        }
        for (i, _), q in subs.items():
            await clients[i].value(q)
        log: list[tuple[int, str, str, str | None]] = []  # ts, op, id, body/channel
        live: dict[str, str] = {}
        pending = []
        for n in range(60):
            client = rng.choice(clients)
            if live and rng.random() < 0.3:
                doc_id = rng.choice(sorted(live))
                if rng.random() < 0.5:
                    pending.append(
                        (
                            "edit",
                            doc_id,
                            f"e{n}",
                            client.mutation("messages:edit", {"id": doc_id, "body": f"e{n}"}),
                        )
                    )
                else:
                    live.pop(doc_id)
                    pending.append(
                        ("remove", doc_id, None, client.mutation("messages:remove", {"id": doc_id}))
                    )
            else:
                channel = rng.choice(channels)
                response = await client.mutation(
                    "messages:send", {"channel": channel, "body": f"b{n}"}
                )
                live[response["result"]] = channel
                log.append((response["ts"], "send", response["result"], f"{channel}:b{n}"))
            if len(pending) >= 4 or n == 59:
                for op, doc_id, body, call in pending:
                    response = await call
                    if response["success"]:
                        log.append((response["ts"], op, doc_id, body))
                pending.clear()
        final_ts = max(ts for ts, *_ in log)
        for c in clients:
            await c.wait(lambda c: c.version["ts"] >= final_ts)

        def model_at(ts: int) -> dict[str, list[str]]:
            docs: dict[str, tuple[str, str]] = {}
            for commit_ts, op, doc_id, body in sorted(log):
                if commit_ts > ts:
                    break
                if op == "send":
                    channel, text = body.split(":", 1)
                    docs[doc_id] = (channel, text)
                elif op == "edit" and doc_id in docs:
                    docs[doc_id] = (docs[doc_id][0], body)
                elif op == "remove":
                    docs.pop(doc_id, None)
            return {ch: sorted(text for c, text in docs.values() if c == ch) for ch in channels}

        checked = 0
        for i, c in enumerate(clients):
            current: dict[int, Any] = {}
            for transition in c.transitions:
                ts = transition["endVersion"]["ts"]
                for mod in transition["modifications"]:
                    current[mod["queryId"]] = mod["value"]
                model = model_at(ts)
                for ch in channels:
                    q = subs[(i, ch)]
                    if q in current:
                        assert current[q] == model[ch], (ts, ch)
                        checked += 1
        assert checked > 50
        # And everyone converges to the fresh result.
        for (i, ch), q in subs.items():
            expected = model_at(final_ts)[ch]
            await clients[i].wait(lambda c, q=q, expected=expected: c.values.get(q) == expected)
    finally:
        for c in clients:
            await c.close()


FUZZ_FRAMES: list[Any] = [
    "not json",
    "[]",
    "42",
    orjson.dumps({"type": "Nope"}).decode(),
    orjson.dumps(
        {"type": "ModifyQuerySet", "baseVersion": 7, "newVersion": 8, "modifications": []}
    ).decode(),
    orjson.dumps(
        {"type": "ModifyQuerySet", "baseVersion": 0, "newVersion": 1, "modifications": "x"}
    ).decode(),
    orjson.dumps(
        {
            "type": "ModifyQuerySet",
            "baseVersion": 0,
            "newVersion": 1,
            "modifications": [{"type": "Remove", "queryId": 9}],
        }
    ).decode(),
    orjson.dumps(
        {
            "type": "ModifyQuerySet",
            "baseVersion": 0,
            "newVersion": 1,
            "modifications": [{"type": "Add", "queryId": "a"}],
        }
    ).decode(),
    orjson.dumps({"type": "Mutation", "requestId": "x", "udfPath": "messages:send"}).decode(),
    orjson.dumps({"type": "Authenticate", "baseVersion": 5, "tokenType": "None"}).decode(),
    orjson.dumps({"type": "Authenticate", "baseVersion": 0, "tokenType": "Weird"}).decode(),
    orjson.dumps({"type": "Connect"}).decode(),  # a second Connect
]


async def test_protocol_fuzz_breaks_only_the_offending_connection(
    url: str, deployment: Deployment
) -> None:
    bystander = await RawSync.connect(url)
    rng = random.Random(3)
    frames = FUZZ_FRAMES + [
        bytes(rng.randrange(256) for _ in range(rng.randrange(1, 64))).decode("latin-1")
        for _ in range(10)
    ]
    frames += [
        orjson.dumps(
            {k: rng.choice([None, 1, "x", [], {}]) for k in ("type", "baseVersion", "requestId")}
        ).decode()
        for _ in range(10)
    ]
    try:
        q = await bystander.subscribe("messages:count", {"channel": "fuzz"})
        assert await bystander.value(q) == 0
        for frame in frames:
            victim = await RawSync.connect(url)
            await victim.send(
                {
                    "type": "Mutation",
                    "requestId": 1,
                    "udfPath": "messages:send",
                    "args": {"channel": "fuzz", "body": "ok"},
                }
            )
            await victim.ws.send(frame)
            await victim.wait(lambda c: c.closed is not None)
            assert victim.closed is not None and victim.closed.rcvd is not None
            assert victim.closed.rcvd.code == 4000, frame
            assert any(m["type"] == "FatalError" for m in victim.other)
            await victim.close()
        # The bystander kept its live query through all of it, and nothing was half-written.
        response = await bystander.mutation("messages:send", {"channel": "fuzz", "body": "after"})
        assert response["success"]
        run = await deployment.run_query("messages:count", {"channel": "fuzz"}, None)
        await bystander.wait(lambda c: c.values[q] == run.outcome.value)
    finally:
        await bystander.close()


async def test_oversized_frame_closes_with_1009(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    client = await RawSync.connect(url, max_size=None)
    try:
        await client.ws.send("x" * (9 * 1024 * 1024))
        await client.wait(lambda c: c.closed is not None)
        assert client.closed is not None and client.closed.rcvd is not None
        assert client.closed.rcvd.code == 1009
    finally:
        await client.close()


async def test_origin_is_checked(url: str) -> None:
    with pytest.raises(websockets.InvalidStatus):
        await websockets.connect(url.replace("http", "ws") + "/api/sync", origin="http://evil.test")
    ok = await RawSync.connect(url, origin="http://allowed.test")
    await ok.close()


async def test_authentication_refresh_and_bad_tokens(url: str) -> None:
    client = await RawSync.connect(url)
    try:
        await client.send(
            {"type": "Authenticate", "baseVersion": 0, "tokenType": "User", "value": token("alice")}
        )
        q = await client.subscribe("messages:whoami", {})
        await client.wait(lambda c: c.values.get(q) == "alice")
        sets = len(client.transitions)
        # Refreshing the same user's token keeps the subscription without a re-run.
        await client.send(
            {
                "type": "Authenticate",
                "baseVersion": 1,
                "tokenType": "User",
                "value": token("alice", 7200),
            }
        )
        response = await client.mutation("messages:send", {"channel": "auth", "body": "x"})
        assert response["success"]
        assert all(m["queryId"] != q for t in client.transitions[sets:] for m in t["modifications"])
        # A forged token is refused and the current identity stays.
        await client.send(
            {
                "type": "Authenticate",
                "baseVersion": 2,
                "tokenType": "User",
                "value": token("mallory", secret="m" * 40),
            }
        )
        await client.wait(lambda c: any(m["type"] == "AuthError" for m in c.other))
        assert "mallory" not in str(client.other)
        # Another user's token changes what the query sees, on the same socket.
        await client.send(
            {"type": "Authenticate", "baseVersion": 2, "tokenType": "User", "value": token("bob")}
        )
        await client.wait(lambda c: c.values.get(q) == "bob")
        # An expired token is refused.
        await client.send(
            {
                "type": "Authenticate",
                "baseVersion": 3,
                "tokenType": "User",
                "value": token("carol", ttl=-120),
            }
        )
        await client.wait(lambda c: sum(m["type"] == "AuthError" for m in c.other) == 2)
        assert client.values.get(q) == "bob"
    finally:
        await client.close()


async def test_token_expiry_on_an_open_socket_drops_the_identity(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(knobs, "AUTH_LEEWAY_S", 0)
    client = await RawSync.connect(url)
    try:
        await client.send(
            {
                "type": "Authenticate",
                "baseVersion": 0,
                "tokenType": "User",
                "value": token("dora", ttl=1.5),
            }
        )
        q = await client.subscribe("messages:whoami", {})
        await client.wait(lambda c: c.values.get(q) == "dora")
        await client.wait(lambda c: q in c.values and c.values[q] is None, timeout=10)
        assert any(m["type"] == "AuthError" for m in client.other)
    finally:
        await client.close()


async def test_http_api(url: str) -> None:
    import httpx

    async with httpx.AsyncClient(base_url=url) as http:
        ok = await http.post(
            "/api/mutation", json={"path": "messages:send", "args": {"channel": "h", "body": "x"}}
        )
        assert ok.status_code == 200 and ok.json()["status"] == "success" and ok.json()["ts"] > 0
        value = await http.post(
            "/api/query", json={"path": "messages:count", "args": {"channel": "h"}}
        )
        assert value.json()["value"] == 1
        act = await http.post(
            "/api/action",
            json={"path": "messages:send_via_action", "args": {"channel": "h", "body": "y"}},
        )
        assert act.json()["value"]["count"] == 2
        refused = await http.post(
            "/api/mutation",
            json={"path": "messages:send_then_fail", "args": {"channel": "h", "body": "x"}},
        )
        assert refused.status_code == 400 and refused.json()["errorData"] == {"reason": "test"}
        missing = await http.post("/api/query", json={"path": "nope:nope", "args": {}})
        assert missing.status_code == 404
        bad = await http.post("/api/query", content=b"{nope")
        assert bad.status_code == 400
        crash = await http.post(
            "/api/mutation", json={"path": "messages:crash", "args": {"channel": "h"}}
        )
        assert (
            crash.status_code == 500 and "secret" not in crash.text and "request id" in crash.text
        )
        unauth = await http.post(
            "/api/query",
            json={"path": "messages:whoami", "args": {}},
            headers={"Authorization": "Bearer junk"},
        )
        assert unauth.status_code == 401 and "junk" not in unauth.text
        me = await http.post(
            "/api/query",
            json={"path": "messages:whoami", "args": {}},
            headers={"Authorization": f"Bearer {token('erin')}"},
        )
        assert me.json()["value"] == "erin"
        hook = await http.post("/hooks/echo", json={"body": "from a webhook"})
        assert hook.status_code == 200
        value = await http.post(
            "/api/query", json={"path": "messages:count", "args": {"channel": "http"}}
        )
        assert value.json()["value"] == 1


async def test_client_leaving_mid_request_writes_all_or_nothing(
    url: str, deployment: Deployment
) -> None:
    for n in range(10):
        client = await RawSync.connect(url)
        await client.send(
            {
                "type": "Mutation",
                "requestId": 1,
                "udfPath": "messages:send_many",
                "args": {"channel": f"gone{n}", "bodies": ["x"] * 20},
            }
        )
        await client.close()
    watcher = await RawSync.connect(url)
    try:
        for n in range(10):
            run = await deployment.run_query("messages:count", {"channel": f"gone{n}"}, None)
            assert run.outcome.value in (0, 20)
        q = await watcher.subscribe("messages:count", {"channel": "alive"})
        assert await watcher.value(q) == 0
    finally:
        await watcher.close()
