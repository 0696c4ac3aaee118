"""The kubernetes runtime against a fake API server (REST and the pods/exec WebSocket)."""

from __future__ import annotations

import asyncio
import io
import shutil
import tarfile
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import uvicorn

from foundry.engine.testing import free_port
from foundry.sandbox import knobs
from foundry.sandbox.runtimes import backend
from foundry.sandbox.runtimes.base import RuntimePolicy, SandboxSpec
from foundry.sandbox.runtimes.container import ContainerRuntimeError
from foundry.sandbox.runtimes.kubeapi import exit_code_of
from foundry.sandbox.runtimes.kubernetes import KubernetesBackend, KubernetesRuntime
from foundry.sandbox.runtimes.treesync import mirror_archive
from tests.sandbox.runtimes.fake_kube import TOKEN, FakeKube
from tests.sandbox.runtimes.test_docker import gone, read_until


@pytest.fixture
def root() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="fk8-"))
    path.chmod(0o755)  # the fake's unprivileged processes bind the pod's volumes
    yield path
    shutil.rmtree(path, ignore_errors=True)


async def serve(fake: FakeKube) -> AsyncIterator[str]:
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(fake.app(), host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
        if task.done():
            task.result()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await fake.close()
        server.should_exit = True
        await asyncio.wait_for(task, 15)


@pytest.fixture
async def cluster(root: Path) -> AsyncIterator[tuple[FakeKube, str]]:
    fake = FakeKube(root)
    async for url in serve(fake):
        yield fake, url


def make_spec(root: Path, policy: RuntimePolicy | None = None) -> SandboxSpec:
    workspace, home, gitdir = root / "ws", root / "home", root / "git"
    for path in (workspace, home, gitdir):
        path.mkdir(exist_ok=True)
    (workspace / "README.md").write_text("# demo\n")
    (workspace / "src").mkdir(exist_ok=True)
    (workspace / "src" / "app.py").write_text("print('hi')\n")
    (gitdir / "HEAD").write_text("ref: refs/heads/main\n")
    return SandboxSpec(
        session_id="S1",
        workspace=workspace,
        home=home,
        policy=policy or RuntimePolicy(runtime_class="gvisor", memory_bytes=1024**3),
        ro_binds=((gitdir, "/srv/git"),),
    )


def kube(url: str, **extra: object) -> KubernetesBackend:
    return KubernetesBackend(api_url=url, token=TOKEN, namespace="sbx", **extra)  # type: ignore[arg-type]


@pytest.fixture
async def runtime(root: Path, cluster: tuple[FakeKube, str]) -> AsyncIterator[KubernetesRuntime]:
    rt = await kube(cluster[1]).start(make_spec(root))
    try:
        yield rt
    finally:
        await rt.close()


def test_the_backend_is_registered() -> None:
    assert backend("kubernetes").name == "kubernetes"


async def test_the_pod_carries_the_whole_policy(
    runtime: KubernetesRuntime, cluster: tuple[FakeKube, str]
) -> None:
    fake, _ = cluster
    (pod,) = fake.calls("POST", "/namespaces/sbx/pods")
    spec = pod["spec"]
    assert spec["runtimeClassName"] == "gvisor"
    assert spec["automountServiceAccountToken"] is False and spec["enableServiceLinks"] is False
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["securityContext"]["runAsUser"] != 0
    assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert spec["activeDeadlineSeconds"] == knobs.K8S_POD_DEADLINE_S
    (container,) = spec["containers"]
    security = container["securityContext"]
    assert security["capabilities"] == {"drop": ["ALL"]}
    assert security["allowPrivilegeEscalation"] is False
    assert security["readOnlyRootFilesystem"] is True and security["privileged"] is False
    assert container["resources"]["limits"] == {
        "cpu": str(knobs.CONTAINER_CPUS),
        "memory": str(1024**3),
    }
    assert container["image"] == knobs.CONTAINER_IMAGE
    assert all("emptyDir" in v for v in spec["volumes"])
    assert {m["mountPath"] for m in container["volumeMounts"]} == {
        "/workspace", "/home/sandbox", "/tmp", "/srv/git",
    }  # fmt: skip
    (policy,) = fake.calls("POST", "/namespaces/sbx/networkpolicies")
    assert policy["spec"]["policyTypes"] == ["Ingress", "Egress"]
    assert policy["spec"]["ingress"] == [] and policy["spec"]["egress"] == []
    assert policy["spec"]["podSelector"]["matchLabels"].items() <= pod["metadata"]["labels"].items()
    assert fake.chosen_protocols[0] == "v5.channel.k8s.io"


async def test_the_workspace_is_copied_in_and_synced_back_on_request(
    runtime: KubernetesRuntime, root: Path
) -> None:
    result = await runtime.execute("cat README.md src/app.py; cat /srv/git/HEAD")
    assert result.ok, result.stderr
    assert result.stdout == "# demo\nprint('hi')\nref: refs/heads/main\n"
    changed = await runtime.execute(
        "echo new > new.txt && rm src/app.py && mkdir -p d/e && echo x > d/e/f"
        " && ln -s /etc/passwd esc && ln -s README.md ok && echo h > /home/sandbox/.h"
    )
    assert changed.ok, changed.stderr
    ws = root / "ws"
    assert not (ws / "new.txt").exists(), "commands copy nothing back by themselves"
    await runtime.sync_from_sandbox()
    assert (ws / "new.txt").read_text() == "new\n"
    assert not (ws / "src" / "app.py").exists()
    assert (ws / "d" / "e" / "f").read_text() == "x\n"
    assert not (ws / "esc").exists() and not (ws / "esc").is_symlink(), "an escaping link came back"
    assert (ws / "ok").is_symlink() and (ws / "ok").read_text() == "# demo\n"
    assert (root / "home" / ".h").read_text() == "h\n"
    (ws / "host.txt").write_text("from the editor\n")  # a host-side write reaches the next command
    seen = await runtime.execute("cat host.txt")
    assert seen.stdout == "from the editor\n"


async def test_output_exit_codes_and_timeouts(runtime: KubernetesRuntime, root: Path) -> None:
    result = await runtime.execute("echo out; echo err >&2; exit 7")
    assert (result.exit_code, result.stdout, result.stderr) == (7, "out\n", "err\n")
    (root / "ws" / "sub").mkdir()
    assert (await runtime.execute(["pwd"], cwd="sub")).stdout == "/workspace/sub\n"
    started = time.monotonic()
    timed = await runtime.execute(
        "sleep 30 & echo $! > /tmp/bg.pid; echo started; sleep 30", timeout=1.0
    )
    assert timed.timed_out and timed.exit_code == -1 and timed.stdout == "started\n"
    assert "timed out after 1s" in timed.stderr
    assert time.monotonic() - started < 10
    pid = int((await runtime.execute("cat /tmp/bg.pid")).stdout)
    assert await gone(pid)


async def test_the_v4_protocol_works_too(root: Path) -> None:
    fake = FakeKube(root, protocols=("v4.channel.k8s.io",))
    async for url in serve(fake):
        rt = await kube(url).start(make_spec(root))
        try:
            result = await rt.execute("wc -c < README.md; exit 3")
            assert (result.exit_code, result.stdout.strip()) == (3, "7")
            assert set(fake.chosen_protocols) == {"v4.channel.k8s.io"}
        finally:
            await rt.close()


async def test_the_terminal_is_a_tty_exec_with_a_resize_channel(
    runtime: KubernetesRuntime, root: Path
) -> None:
    pty = await runtime.open_pty(80, 24)
    await pty.write(b"echo $((6*7)); stty size\n")
    assert b"42" in await read_until(pty, b"24 80")
    pty.resize(120, 40)
    await asyncio.sleep(0.2)
    await pty.write(b"stty size; echo typed > t.txt\n")
    await read_until(pty, b"40 120")
    await asyncio.sleep(0.2)
    await pty.close()
    assert await pty.read() == b""
    await runtime.sync_from_sandbox()
    assert (root / "ws" / "t.txt").read_text() == "typed\n", "terminal edits reach the host"


async def test_syncs_send_only_host_changes_and_never_undo_the_pods(
    runtime: KubernetesRuntime, root: Path
) -> None:
    ws = root / "ws"
    pod_side = await runtime.execute("echo pod > pod.txt && echo pod > README.md")
    assert pod_side.ok, pod_side.stderr
    (ws / "editor.txt").write_text("editor\n")  # host-side writes the pod has not seen
    (ws / "src" / "app.py").unlink()
    await runtime.sync_to_sandbox()
    seen = await runtime.execute("cat editor.txt pod.txt README.md; ls src")
    assert seen.stdout == "editor\npod\npod\n", "the push kept the pod's own changes"
    (ws / "late.txt").write_text("late\n")  # not yet sent: a pull must not delete it
    await runtime.sync_from_sandbox()
    assert (ws / "late.txt").read_text() == "late\n"
    assert (ws / "pod.txt").read_text() == "pod\n" and (ws / "README.md").read_text() == "pod\n"
    assert (await runtime.execute("cat late.txt")).stdout == "late\n"
    assert not (ws / "src" / "app.py").exists()


async def test_close_deletes_the_pod_and_its_policy(
    root: Path, cluster: tuple[FakeKube, str]
) -> None:
    fake, url = cluster
    rt = await kube(url).start(make_spec(root))
    await rt.execute("nohup sleep 30 >/dev/null 2>&1 & echo $! > /tmp/bg.pid")
    pid = int((await rt.execute("cat /tmp/bg.pid")).stdout)
    await rt.close()
    assert fake.pods == {} and fake.policies == {}
    assert fake.calls("DELETE", "/pods/foundry-sbx-s1")
    assert await gone(pid)


async def test_egress_needs_the_workers_address_and_allows_only_its_relay(
    root: Path, cluster: tuple[FakeKube, str]
) -> None:
    fake, url = cluster
    policy = RuntimePolicy(egress_allow=("allowed.test",))
    with pytest.raises(ContainerRuntimeError, match="K8S_EGRESS_HOST"):
        await kube(url).start(make_spec(root, policy))
    assert fake.pods == {}
    rt = await kube(url, egress_host="127.0.0.1").start(make_spec(root, policy))
    try:
        assert rt.relay is not None and rt.proxy is not None
        netpol = fake.calls("POST", "/networkpolicies")[-1]
        assert netpol["spec"]["egress"] == [
            {
                "to": [{"ipBlock": {"cidr": "127.0.0.1/32"}}],
                "ports": [{"protocol": "TCP", "port": rt.relay.port}],
            }
        ]
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


async def test_an_image_pull_failure_fails_start_and_cleans_up(
    root: Path, cluster: tuple[FakeKube, str]
) -> None:
    fake, url = cluster
    with pytest.raises(ContainerRuntimeError, match="ErrImagePull"):
        await kube(url).start(make_spec(root, RuntimePolicy(image="example/missing:1")))
    assert fake.pods == {} and fake.policies == {}


async def test_a_wrong_token_is_refused(root: Path, cluster: tuple[FakeKube, str]) -> None:
    _, url = cluster
    bad = KubernetesBackend(api_url=url, token="wrong", namespace="sbx")
    with pytest.raises(ContainerRuntimeError, match="401"):
        await bad.start(make_spec(root))


def test_exit_status_parsing() -> None:
    assert exit_code_of({"status": "Success"}) == (0, "")
    failure = {"status": "Failure", "details": {"causes": [{"reason": "ExitCode", "message": "9"}]}}
    assert exit_code_of(failure) == (9, "")
    code, message = exit_code_of({"status": "Failure", "message": "exec: not found"})
    assert code == 126 and "not found" in message


def test_mirroring_refuses_escapes_and_writes_through_no_host_symlink(root: Path) -> None:
    outside = root / "outside.txt"
    outside.write_text("keep\n")
    target = root / "tree"
    target.mkdir()
    (target / "link").symlink_to(outside)  # e.g. a link the clone put there
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, data in [("./link", b"overwritten\n"), ("../evil", b"x"), ("./a", b"a\n")]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    buffer.seek(0)
    mirror_archive(buffer, target)
    assert outside.read_text() == "keep\n"
    assert (target / "link").read_text() == "overwritten\n" and not (target / "link").is_symlink()
    assert not (root / "evil").exists()
    assert (target / "a").read_text() == "a\n"
