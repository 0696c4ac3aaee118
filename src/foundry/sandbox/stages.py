"""The ten setup stages, run in the reference's groups (a group's stages run in parallel).

Each stage records pending → running → completed | failed | skipped with timestamps in the
session's `setupProgress`, and streams `Stage started: X` lines to log subscribers. A failed
stage fails the session with its message, and the session's runtime and files are cleaned up.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import shlex
from collections.abc import Awaitable, Callable
from pathlib import Path

from foundry.sandbox import fsops, knobs
from foundry.sandbox.model_access import ModelAccess
from foundry.sandbox.runtimes.base import HOME, WORKDIR, RuntimeBackend, RuntimePolicy, SandboxSpec
from foundry.sandbox.session import Session
from foundry.sandbox.status import STAGE_GROUPS, RuntimeMode, SandboxStatus


class StageFailed(Exception):
    """A stage failed; the message is shown to the user."""


class Skip(Exception):
    """A stage has nothing to do for this session."""


StageFn = Callable[[Session, "Provisioner"], Awaitable[None]]


def detect_install_command(workspace: Path) -> str | None:
    """The install command for the project's package manager, or None when there is none."""
    rules = [
        ("bun.lockb", "bun install --frozen-lockfile"),
        ("bun.lock", "bun install --frozen-lockfile"),
        ("pnpm-lock.yaml", "pnpm install --frozen-lockfile"),
        ("yarn.lock", "yarn install --frozen-lockfile"),
        ("package-lock.json", "npm ci"),
        ("package.json", "npm install"),
        ("uv.lock", "uv sync --frozen"),
        ("poetry.lock", "poetry install --no-interaction"),
        ("requirements.txt", "python3 -m pip install --user -r requirements.txt"),
        ("pyproject.toml", "python3 -m pip install --user -e ."),
        ("Gemfile.lock", "bundle install"),
        ("go.mod", "go mod download"),
        ("Cargo.lock", "cargo fetch"),
    ]
    for marker, command in rules:
        if (workspace / marker).exists():
            return command
    return None


class Provisioner:
    """Runs a session's setup stages against one runtime backend."""

    def __init__(
        self,
        backend: RuntimeBackend,
        policy: RuntimePolicy,
        model_access: ModelAccess | None = None,
    ) -> None:
        self.backend = backend
        self.policy = policy
        self.model_access = model_access

    async def provision(self, session: Session) -> None:
        """Run every stage group in order; on failure mark the session failed and clean up."""
        for group in STAGE_GROUPS:
            results = await asyncio.gather(
                *(self._stage(session, name) for name in group), return_exceptions=True
            )
            errors = [r for r in results if isinstance(r, BaseException)]
            if errors:
                error = errors[0]
                if isinstance(error, asyncio.CancelledError):
                    raise error
                message = str(error) if isinstance(error, StageFailed) else repr(error)
                if session.status not in (SandboxStatus.FAILED, SandboxStatus.DELETED):
                    await session.transition(
                        SandboxStatus.FAILED, f"Setup failed: {message}", error=message
                    )
                    await session.release_runtime()
                    session.end_model_access()
                    session.paths.remove()
                return

    async def _stage(self, session: Session, name: str) -> None:
        progress = session.record["setupProgress"].get(name, {})
        if progress.get("status") in ("completed", "skipped"):
            return  # the reference skips stages that already ran
        await session.set_stage(name, "running")
        try:
            await STAGES[name](session, self)
        except Skip as why:
            await session.set_stage(name, "skipped", str(why) or None)
        except Exception as error:
            message = str(error) if isinstance(error, StageFailed) else repr(error)
            await session.set_stage(name, "failed", message)
            raise StageFailed(f"{name}: {message}") from error
        else:
            await session.set_stage(name, "completed")

    async def start_runtime(self, session: Session) -> None:
        """Create the session's sandbox (also used by wake)."""
        record = session.record
        policy = self.policy
        host = _remote_host(record.get("repoUrl", ""))
        if host and policy.egress_allow:
            policy = dataclasses.replace(policy, egress_allow=(*policy.egress_allow, host))
        env: dict[str, str] = {}
        access, token = self.model_access, session.gateway_token
        if access is not None and token:
            # The session reaches the gateway (and only it on the host) with its own token.
            policy = dataclasses.replace(
                policy, egress_routes=(*policy.egress_routes, access.route())
            )
            env = access.sandbox_env(token)
        ro_binds = ((session.paths.git_dir, str(session.paths.git_dir)),)
        spec = SandboxSpec(
            session_id=session.id,
            workspace=session.paths.workspace,
            home=session.paths.home,
            policy=policy,
            ro_binds=ro_binds if session.paths.git_dir.exists() else (),
            env=env,
        )
        session.runtime = await self.backend.start(spec)


def _remote_host(url: str) -> str | None:
    if "://" not in url:
        return None
    rest = url.split("://", 1)[1]
    host = rest.split("/", 1)[0].rsplit("@", 1)[-1].split(":", 1)[0]
    return host or None


async def container_provision(session: Session, p: Provisioner) -> None:
    session.paths.create()
    await p.start_runtime(session)


async def system_setup(session: Session, p: Provisioner) -> None:
    for sub in (".claude", ".config", ".cache"):
        (session.paths.home / sub).mkdir(parents=True, exist_ok=True)


async def auth_setup(session: Session, p: Provisioner) -> None:
    if session.record.get("modelKey") != "session":
        raise Skip("no model key: model calls use the host gateway's key")
    # The key stays in the gateway's memory: the sandbox holds only its session token.
    session.log.append("system", "Model calls use the session's own key, held by the gateway")


async def claude_config(session: Session, p: Provisioner) -> None:
    settings = session.paths.home / ".claude" / "settings.json"
    settings.parent.mkdir(parents=True, exist_ok=True)
    if not settings.exists():
        settings.write_text("{}\n")


async def git_clone(session: Session, p: Provisioner) -> None:
    record = session.record
    await session.transition(SandboxStatus.CLONING)
    for child in session.paths.workspace.iterdir():
        raise StageFailed(f"workspace is not empty ({child.name})")
    cloned = await session.git.clone(record["repoUrl"], record["branch"])
    if not cloned.ok:
        raise StageFailed(f"git clone failed: {_last_line(cloned.stderr)}")
    session.log.append("system", f"Cloned {record['repoUrl']} ({record['branch']})")
    session.git.exclude(".foundry-agent-*.log", ".foundry-prompt-*.txt")
    checked = await session.git.checkout_branch(record["worktreeBranch"])
    if not checked.ok:
        raise StageFailed(
            f"cannot check out {record['worktreeBranch']}: {_last_line(checked.stderr)}"
        )
    await session.update(baseSha=await session.git.head(), gitRoot=WORKDIR)
    # The sandbox has bound the (then empty) git dir since it started: hand it the clone.
    await session.sync_to_sandbox()


async def deps_install(session: Session, p: Provisioner) -> None:
    command = session.record.get("installCommand") or detect_install_command(
        session.paths.workspace
    )
    if not command:
        raise Skip("no package manager detected")
    session.log.append("system", f"Installing dependencies: {command}")
    result = await _runtime(session).execute(command, WORKDIR, knobs.INSTALL_TIMEOUT_S)
    for line in (result.stdout + result.stderr).splitlines()[-50:]:
        session.log.append("stdout", line)
    if not result.ok:
        raise StageFailed(
            f"install command failed ({command}): {_last_line(result.stderr or result.stdout)}"
        )


async def mcp_install(session: Session, p: Provisioner) -> None:
    servers = session.record.get("mcpServers") or []
    if not servers:
        raise Skip("no MCP servers")
    packages = " ".join(shlex.quote(s["package"]) for s in servers)
    result = await _runtime(session).execute(
        f"npm install --prefix {HOME}/.local {packages}", WORKDIR, knobs.INSTALL_TIMEOUT_S
    )
    if not result.ok:
        raise StageFailed(f"MCP install failed: {_last_line(result.stderr)}")
    settings_path = session.paths.home / ".claude" / "settings.json"
    settings = json.loads(settings_path.read_text() or "{}")
    merged = settings.setdefault("mcpServers", {})
    for server in servers:
        key = server["package"].rsplit("/", 1)[-1]
        merged[key] = {
            "command": "npx",
            "args": ["-y", server["package"], *server.get("args", [])],
            "env": server.get("env", {}),
        }
    settings_path.write_text(json.dumps(settings, indent=2))


async def workspace_customization(session: Session, p: Provisioner) -> None:
    bashrc = session.paths.home / ".bashrc"
    bashrc.write_text(f"cd {WORKDIR}\nexport PS1='sandbox:\\w$ '\n")
    for name, content in (session.record.get("designFiles") or {}).items():
        fsops.write_file(session.paths.workspace, f".foundry/design/{Path(name).name}", content)
    await session.sync_to_sandbox()


async def health_check(session: Session, p: Provisioner) -> None:
    result = await _runtime(session).execute(
        "test -w /workspace && echo ok", WORKDIR, knobs.STAGE_TIMEOUT_S
    )
    if result.stdout.strip() != "ok":
        raise StageFailed(
            f"workspace is not writable inside the sandbox: {_last_line(result.stderr)}"
        )
    if await session.git.head() is None:
        raise StageFailed("the workspace's repository has no commit checked out")


async def ready(session: Session, p: Provisioner) -> None:
    await session.transition(SandboxStatus.READY, "Sandbox ready")
    await session.set_runtime_mode(RuntimeMode.IDLE)


def _runtime(session: Session) -> SessionRuntimeLike:
    if session.runtime is None:
        raise StageFailed("the sandbox runtime is not running")
    return session.runtime


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


from foundry.sandbox.runtimes.base import SessionRuntime as SessionRuntimeLike  # noqa: E402

STAGES: dict[str, StageFn] = {
    "containerProvision": container_provision,
    "systemSetup": system_setup,
    "authSetup": auth_setup,
    "claudeConfig": claude_config,
    "gitClone": git_clone,
    "depsInstall": deps_install,
    "mcpInstall": mcp_install,
    "workspaceCustomization": workspace_customization,
    "healthCheck": health_check,
    "ready": ready,
}
