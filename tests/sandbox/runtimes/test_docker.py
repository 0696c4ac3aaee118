"""The docker runtime against a fake engine on a unix socket (and a real one when reachable)."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from foundry.sandbox import knobs
from foundry.sandbox.runtimes import backend
from foundry.sandbox.runtimes.base import RuntimePolicy, SandboxSpec
from foundry.sandbox.runtimes.docker import (
    ContainerRuntimeError,
    DockerBackend,
    DockerRuntime,
    StreamDemux,
)
from tests.sandbox.runtimes.fake_docker import FakeDocker


@pytest.fixture
def root() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="fdk-"))  # short: a unix socket path has 108 bytes
    path.chmod(0o755)  # the fake's unprivileged processes bind the session's directories
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
async def engine(root: Path) -> AsyncIterator[FakeDocker]:
    fake = FakeDocker(root)
    await fake.start()
    try:
        yield fake
    finally:
        await fake.close()


def make_spec(root: Path, policy: RuntimePolicy | None = None, sid: str = "s1") -> SandboxSpec:
    workspace, home, gitdir = root / sid / "ws", root / sid / "home", root / sid / "git"
    for path in (workspace, home, gitdir):
        path.mkdir(parents=True, exist_ok=True)
    (gitdir / "HEAD").write_text("ref: refs/heads/main\n")
    return SandboxSpec(
        session_id=sid,
        workspace=workspace,
        home=home,
        policy=policy or RuntimePolicy(memory_bytes=2 * 1024**3, cpu_seconds=600),
        ro_binds=((gitdir, "/srv/git"),),
        env={"FOUNDRY_SESSION": sid},
    )


@pytest.fixture
async def runtime(root: Path, engine: FakeDocker) -> AsyncIterator[DockerRuntime]:
    rt = await DockerBackend(docker_host=engine.host).start(make_spec(root))
    try:
        yield rt
    finally:
        await rt.close()


def test_the_backend_is_registered() -> None:
    assert backend("docker").name == "docker"


async def test_the_container_carries_the_whole_policy(
    runtime: DockerRuntime, engine: FakeDocker, root: Path
) -> None:
    _, create = engine.calls("POST", "/containers/create")  # 404 No such image, then pulled
    body, host = create.body, create.body["HostConfig"]
    assert body["Image"] == knobs.CONTAINER_IMAGE
    (pull,) = engine.calls("POST", "/images/create")
    assert pull.query["fromImage"] == [knobs.CONTAINER_IMAGE]
    uid = body["User"].split(":")[0]
    assert uid.isdigit() and uid != "0"
    assert host["CapDrop"] == ["ALL"] and host["Privileged"] is False
    assert "no-new-privileges:true" in host["SecurityOpt"]
    assert host["ReadonlyRootfs"] is True
    assert host["Tmpfs"]["/tmp"].startswith("rw,nosuid,nodev,size=")
    assert host["PidsLimit"] == knobs.CONTAINER_PIDS
    assert host["Memory"] == host["MemorySwap"] == 2 * 1024**3
    assert host["NanoCpus"] == int(knobs.CONTAINER_CPUS * 1e9)
    assert {"Name": "cpu", "Soft": 600, "Hard": 600} in host["Ulimits"]
    assert host["NetworkMode"] == "none"
    assert not engine.calls("POST", "/networks/create")
    mounts = {m["Target"]: m for m in host["Mounts"]}
    assert mounts["/workspace"]["Source"] == str(root / "s1" / "ws")
    assert not mounts["/workspace"].get("ReadOnly")
    assert mounts["/srv/git"]["ReadOnly"] is True
    assert "FOUNDRY_SESSION=s1" in body["Env"]
    assert not any(e.startswith("HTTP_PROXY=") for e in body["Env"])


async def test_execute_returns_output_and_exit_codes(runtime: DockerRuntime, root: Path) -> None:
    result = await runtime.execute("echo out; echo err >&2; exit 3")
    assert (result.exit_code, result.stdout, result.stderr) == (3, "out\n", "err\n")
    assert not result.timed_out
    (root / "s1" / "ws" / "sub").mkdir()
    result = await runtime.execute(["pwd"], cwd="sub")
    assert result.ok and result.stdout == "/workspace/sub\n"
    big = await runtime.execute("head -c 300000 /dev/zero | tr '\\0' x; echo; echo e >&2")
    assert big.ok and len(big.stdout) == 300001 and big.stderr == "e\n"
    await runtime.execute("echo made > /workspace/made.txt")
    assert (root / "s1" / "ws" / "made.txt").read_text() == "made\n"
    missing = await runtime.execute("true", cwd="/nowhere")
    assert missing.exit_code != 0 and "nowhere" in missing.stderr
    gitdir = await runtime.execute("cat /srv/git/HEAD; echo x > /srv/git/HEAD")
    assert "refs/heads/main" in gitdir.stdout and gitdir.exit_code != 0


async def test_a_timeout_kills_the_whole_process_group(runtime: DockerRuntime, root: Path) -> None:
    started = time.monotonic()
    result = await runtime.execute(
        "sleep 30 & echo $! > /workspace/bg.pid; echo started; sleep 30", timeout=1.0
    )
    assert result.timed_out and result.exit_code == -1
    assert result.stdout == "started\n" and "timed out after 1s" in result.stderr
    assert time.monotonic() - started < 10
    background = int((root / "s1" / "ws" / "bg.pid").read_text())
    assert await gone(background), "the background child outlived the timeout"


async def gone(pid: int) -> bool:
    for _ in range(100):
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return True
        if state == "Z":
            return True
        await asyncio.sleep(0.05)
    return False


async def test_the_terminal_is_a_tty_exec_over_the_hijacked_stream(runtime: DockerRuntime) -> None:
    pty = await runtime.open_pty(80, 24)
    await pty.write(b"echo $((6*7)); stty size\n")
    seen = await read_until(pty, b"24 80")
    assert b"42" in seen
    pty.resize(100, 30)
    await asyncio.sleep(0.2)
    await pty.write(b"stty size\n")
    await read_until(pty, b"30 100")
    await pty.close()
    assert await pty.read() == b""


async def read_until(pty: object, needle: bytes, timeout: float = 10.0) -> bytes:
    seen = b""
    deadline = time.monotonic() + timeout
    while needle not in seen:
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"{needle!r} never came; got {seen!r}"
        seen += await asyncio.wait_for(pty.read(), remaining)  # type: ignore[attr-defined]
    return seen


async def test_close_removes_the_container_and_kills_everything(
    root: Path, engine: FakeDocker
) -> None:
    rt = await DockerBackend(docker_host=engine.host).start(make_spec(root))
    await rt.execute("nohup sleep 30 >/dev/null 2>&1 & echo $! > /workspace/bg.pid")
    pid = int((root / "s1" / "ws" / "bg.pid").read_text())
    await rt.close()
    (delete,) = engine.calls("DELETE", "/containers/[0-9a-f]{32}")
    assert delete.query["force"] == ["true"]
    assert engine.containers == {}
    assert await gone(pid)


async def test_a_restart_replaces_the_stale_container(root: Path, engine: FakeDocker) -> None:
    spec = make_spec(root)
    first = await DockerBackend(docker_host=engine.host).start(spec)
    second = await DockerBackend(docker_host=engine.host).start(spec)
    try:
        assert list(engine.containers) == [second.container_id]
        assert (await second.execute("echo hi")).stdout == "hi\n"
    finally:
        await second.close()
        await first.close()


async def test_egress_goes_only_through_the_sessions_proxy(root: Path, engine: FakeDocker) -> None:
    policy = RuntimePolicy(egress_allow=("allowed.test",))
    rt = await DockerBackend(docker_host=engine.host).start(make_spec(root, policy))
    try:
        (network,) = engine.calls("POST", "/networks/create")
        assert network.body["Internal"] is True
        create = engine.calls("POST", "/containers/create")[-1]
        assert create.body["HostConfig"]["NetworkMode"] == network.body["Name"]
        assert rt.relay is not None and rt.proxy is not None
        assert f"HTTPS_PROXY=http://127.0.0.1:{rt.relay.port}" in create.body["Env"]
        probe = (
            "import urllib.request, urllib.error\n"
            "try: urllib.request.urlopen('http://denied.test/', timeout=5)\n"
            "except urllib.error.HTTPError as e: print(e.code)\n"
        )
        result = await rt.execute(["python3", "-c", probe])
        assert result.stdout.strip() == "403", result.stderr
        assert "denied.test" in rt.proxy.denied
    finally:
        await rt.close()
    assert engine.networks == {}


async def test_a_failed_pull_fails_start_and_leaves_nothing(root: Path, engine: FakeDocker) -> None:
    policy = RuntimePolicy(image="example/missing:1", egress_allow=("allowed.test",))
    with pytest.raises(ContainerRuntimeError, match="manifest unknown"):
        await DockerBackend(docker_host=engine.host).start(make_spec(root, policy))
    assert engine.containers == {} and engine.networks == {}


async def test_a_root_sandbox_user_is_refused(
    root: Path, engine: FakeDocker, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(knobs, "CONTAINER_USER", "0:0")
    with pytest.raises(ContainerRuntimeError, match="must not be root"):
        await DockerBackend(docker_host=engine.host).start(make_spec(root))
    assert engine.containers == {}


def test_the_demultiplexer_reassembles_frames_split_anywhere() -> None:
    frames = b"".join(
        bytes([kind, 0, 0, 0]) + len(data).to_bytes(4, "big") + data
        for kind, data in [(1, b"hello "), (2, b"oops"), (1, b""), (1, b"world")]
    )
    demux = StreamDemux()
    got = [frame for i in range(len(frames)) for frame in demux.feed(frames[i : i + 1])]
    assert got == [(1, b"hello "), (2, b"oops"), (1, b""), (1, b"world")]


async def test_a_routed_gateway_is_reachable_without_any_allowed_domain(
    root: Path, engine: FakeDocker
) -> None:
    async def gateway(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\nConnection: close\r\n\r\ngateway-ok"
        )
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(gateway, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    policy = RuntimePolicy(egress_routes=(("model-gateway.internal", 80, "127.0.0.1", port),))
    rt = await DockerBackend(docker_host=engine.host).start(make_spec(root, policy))
    try:
        assert engine.calls("POST", "/networks/create"), "routes alone still need the network"
        probe = (
            "import urllib.request\n"
            "print(urllib.request.urlopen('http://model-gateway.internal/', timeout=5).read())\n"
        )
        result = await rt.execute(["python3", "-c", probe])
        assert result.stdout.strip() == "b'gateway-ok'", result.stderr
    finally:
        await rt.close()
        server.close()
        await server.wait_closed()
