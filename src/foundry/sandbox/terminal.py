"""GET /sandbox/:id/terminal: a WebSocket bridged to a shell on a PTY inside the sandbox.

Authenticated by the HMAC token (`?token=`), not the bearer secret, because browsers cannot
set headers on WebSockets. Binary frames (or plain text) are keystrokes; a text frame
`{"type":"resize","cols":…,"rows":…}` resizes. Output is sent as binary frames.
"""

from __future__ import annotations

import asyncio
import contextlib

import orjson
from starlette.websockets import WebSocket, WebSocketDisconnect

from foundry.sandbox.auth import verify_terminal_token
from foundry.sandbox.errors import SandboxError
from foundry.sandbox.manager import Manager
from foundry.sandbox.runtimes.base import Pty
from foundry.sandbox.status import RuntimeMode, SandboxStatus


async def terminal(websocket: WebSocket) -> None:
    """Serve one terminal connection."""
    manager: Manager = websocket.app.state.manager
    sandbox_id = str(websocket.path_params["id"])
    try:
        verify_terminal_token(
            websocket.app.state.secret, sandbox_id, websocket.query_params.get("token", "")
        )
        session = manager.get(sandbox_id)
        cols = _size(websocket.query_params.get("cols"), 80)
        rows = _size(websocket.query_params.get("rows"), 24)
    except SandboxError as error:
        await websocket.close(
            code=4401 if error.code == "UNAUTHORIZED" else 4404, reason=error.message[:120]
        )
        return
    runtime = session.runtime
    if runtime is None or session.status not in (SandboxStatus.READY, SandboxStatus.EXECUTING):
        await websocket.close(code=4409, reason=f"sandbox is {session.status.value}")
        return
    await websocket.accept()
    pty = await runtime.open_pty(cols, rows)
    if session.status is SandboxStatus.READY:
        await session.set_runtime_mode(RuntimeMode.INTERACTIVE)

    async def pump_out() -> None:
        while data := await pty.read():
            await websocket.send_bytes(data)
        with contextlib.suppress(Exception):
            await websocket.close(code=1000, reason="shell exited")

    out = asyncio.ensure_future(pump_out())
    try:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                break
            if message.get("bytes"):
                await pty.write(message["bytes"])
            elif text := message.get("text"):
                await _on_text(pty, text)
    except WebSocketDisconnect:
        pass
    finally:
        out.cancel()
        await pty.close()
        if session.status is SandboxStatus.READY:
            await session.set_runtime_mode(RuntimeMode.IDLE)


async def _on_text(pty: Pty, text: str) -> None:
    if text.startswith("{"):
        with contextlib.suppress(ValueError):
            control = orjson.loads(text)
            if isinstance(control, dict) and control.get("type") == "resize":
                pty.resize(_size(control.get("cols"), 80), _size(control.get("rows"), 24))
                return
            if isinstance(control, dict) and control.get("type") == "input":
                await pty.write(str(control.get("data", "")).encode())
                return
    await pty.write(text.encode())


def _size(value: object, default: int) -> int:
    try:
        return min(max(int(str(value)), 1), 1000)
    except (TypeError, ValueError):
        return default
