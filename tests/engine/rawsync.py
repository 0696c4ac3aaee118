"""A bare sync-protocol client speaking raw frames, for testing the server side of the protocol."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from typing import Any

import orjson
import websockets
from websockets.asyncio.client import ClientConnection


class RawSync:
    """One WebSocket; remembers query values and every transition received."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.version = {"querySet": 0, "identity": 0, "ts": 0}
        self.values: dict[int, Any] = {}
        self.errors: dict[int, Any] = {}
        self.transitions: list[dict[str, Any]] = []
        self.responses: dict[int, dict[str, Any]] = {}
        self.other: list[dict[str, Any]] = []
        self._request_ids = itertools.count(1)
        self._query_ids = itertools.count(1)
        self._changed = asyncio.Condition()
        self._reader = asyncio.create_task(self._read())
        self.closed: websockets.ConnectionClosed | None = None

    @classmethod
    async def connect(cls, url: str, **kwargs: Any) -> RawSync:
        ws = await websockets.connect(url.replace("http", "ws", 1) + "/api/sync", **kwargs)
        client = cls(ws)
        await client.send({"type": "Connect", "sessionId": "test", "connectionCount": 0})
        return client

    async def send(self, message: dict[str, Any]) -> None:
        await self.ws.send(orjson.dumps(message).decode())

    async def _read(self) -> None:
        try:
            async for raw in self.ws:
                message = orjson.loads(raw)
                async with self._changed:
                    self._apply(message)
                    self._changed.notify_all()
        except websockets.ConnectionClosed as closed:
            self.closed = closed
        finally:
            async with self._changed:
                if self.closed is None:
                    self.closed = websockets.ConnectionClosedOK(None, None)
                self._changed.notify_all()

    def _apply(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind == "Transition":
            assert message["startVersion"] == self.version, (message["startVersion"], self.version)
            self.version = message["endVersion"]
            self.transitions.append(message)
            for mod in message["modifications"]:
                if mod["type"] == "QueryUpdated":
                    self.values[mod["queryId"]] = mod["value"]
                    self.errors.pop(mod["queryId"], None)
                elif mod["type"] == "QueryFailed":
                    self.errors[mod["queryId"]] = mod
                    self.values.pop(mod["queryId"], None)
                else:
                    self.values.pop(mod["queryId"], None)
        elif kind in ("MutationResponse", "ActionResponse"):
            message["_seen_ts"] = self.version["ts"]
            self.responses[message["requestId"]] = message
        else:
            self.other.append(message)

    async def wait(self, predicate: Any, timeout: float = 10.0) -> None:
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(lambda: predicate(self))

    async def subscribe(self, path: str, args: dict[str, Any]) -> int:
        query_id = next(self._query_ids)
        base = self.sets_sent
        self.sets_sent += 1
        await self.send(
            {
                "type": "ModifyQuerySet",
                "baseVersion": base,
                "newVersion": base + 1,
                "modifications": [
                    {"type": "Add", "queryId": query_id, "udfPath": path, "args": args}
                ],
            }
        )
        return query_id

    sets_sent = 0

    async def unsubscribe(self, query_id: int) -> None:
        base = self.sets_sent
        self.sets_sent += 1
        await self.send(
            {
                "type": "ModifyQuerySet",
                "baseVersion": base,
                "newVersion": base + 1,
                "modifications": [{"type": "Remove", "queryId": query_id}],
            }
        )

    async def value(self, query_id: int, timeout: float = 10.0) -> Any:
        await self.wait(lambda c: query_id in c.values or query_id in c.errors, timeout)
        return self.values.get(query_id)

    async def request(
        self, kind: str, path: str, args: dict[str, Any], timeout: float = 10.0
    ) -> dict[str, Any]:
        request_id = next(self._request_ids)
        await self.send({"type": kind, "requestId": request_id, "udfPath": path, "args": args})
        await self.wait(lambda c: request_id in c.responses, timeout)
        return self.responses[request_id]

    async def mutation(self, path: str, args: dict[str, Any]) -> dict[str, Any]:
        return await self.request("Mutation", path, args)

    async def close(self) -> None:
        await self.ws.close()
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader
