"""The worker's own git commands, hardened against whatever the agent left in the workspace.

The git directory lives in the session's private area (`--separate-git-dir`), outside the
agent-writable tree, and every command names it explicitly (`--git-dir`/`--work-tree`), so a
`.git` the agent plants is never discovered. Hooks, fsmonitor, external diff and textconv are
off; system and global config are ignored, so no filter driver can be defined. Credentials come
from a host-side credential helper reading a 0600 file in the private area: the token is never
in a URL, an argument, the sandbox or a log line.
"""

from __future__ import annotations

import asyncio
import os
import re
import shlex
import shutil
import time
from pathlib import Path

from foundry.sandbox import knobs
from foundry.sandbox.redact import Redactor
from foundry.sandbox.runner_protocol import ExecResult

AUTHOR = ("Foundry Agent", "agent@foundry.local")
_SAFE = [
    "-c",
    "core.hooksPath=/dev/null",
    "-c",
    "core.fsmonitor=false",
    "-c",
    "safe.directory=*",
    "-c",
    "protocol.ext.allow=never",
    "-c",
    "diff.external=",
    "-c",
    "core.askPass=",
]


def branch_name(task_id: str, title: str) -> str:
    """The reference's branch: `agent/<last 10 of task id>-<slug of title, 40 chars>`."""
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:40].strip("-") or "task"
    return f"agent/{task_id[-10:]}-{slug}"


class Git:
    """Git for one session: its private git dir and its workspace."""

    def __init__(self, git_dir: Path, work_tree: Path, private: Path, redact: Redactor) -> None:
        self.git_dir = git_dir
        self.work_tree = work_tree
        self.private = private
        self.credentials = private / "credentials"
        self.redact = redact

    def set_token(self, token: str | None) -> None:
        """Store (or clear) the token the credential helper hands to git."""
        if token:
            fd = os.open(self.credentials, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(token)
        else:
            self.credentials.unlink(missing_ok=True)

    def exclude(self, *patterns: str) -> None:
        """Never commit files matching `patterns` (the worker's own scratch files)."""
        info = self.git_dir / "info"
        info.mkdir(parents=True, exist_ok=True)
        with (info / "exclude").open("a") as f:
            f.write("".join(f"{pattern}\n" for pattern in patterns))

    def _helper(self) -> list[str]:
        path = shlex.quote(str(self.credentials))
        script = (
            f'!f() {{ test "$1" = get && test -s {path} && '
            f'echo username=x-access-token && printf "password=%s\\n" "$(cat {path})"; }}; f'
        )
        return ["-c", "credential.helper=", "-c", f"credential.helper={script}"]

    def _env(self) -> dict[str, str]:
        return {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.private),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": "/dev/null",
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_AUTHOR_NAME": AUTHOR[0],
            "GIT_AUTHOR_EMAIL": AUTHOR[1],
            "GIT_COMMITTER_NAME": AUTHOR[0],
            "GIT_COMMITTER_EMAIL": AUTHOR[1],
            "LANG": "C",
        }

    async def run(
        self, *args: str, timeout: float = knobs.GIT_TIMEOUT_S, env: dict[str, str] | None = None
    ) -> ExecResult:
        """Run one hardened git command against this session's repository."""
        argv = ["git", "--git-dir", str(self.git_dir), "--work-tree", str(self.work_tree)]
        return await self._exec([*argv, *_SAFE, *self._helper(), *args], timeout, env)

    async def _exec(
        self, argv: list[str], timeout: float, env: dict[str, str] | None = None
    ) -> ExecResult:
        started = time.monotonic()
        proc = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env={**self._env(), **(env or {})},
            cwd=self.private,
            start_new_session=True,
        )
        try:
            out, err = await asyncio.wait_for(proc.communicate(), timeout)
        except TimeoutError:
            proc.kill()
            out, err = await proc.communicate()
            return ExecResult(-1, "", f"git timed out after {timeout:g}s", True)
        return ExecResult(
            proc.returncode or 0,
            self.redact(out.decode("utf-8", "replace")),
            self.redact(err.decode("utf-8", "replace")),
            duration_ms=(time.monotonic() - started) * 1000,
        )

    async def clone(self, url: str, branch: str) -> ExecResult:
        """Clone `branch` of `url` into the (empty) workspace, git dir in the private area.

        git refuses an existing git dir, but a running sandbox may already bind the (empty)
        directory, so the clone lands in a staging directory and its entries move in.
        """
        staging = self.private / "git.clone"
        shutil.rmtree(staging, ignore_errors=True)
        argv = ["git", *_SAFE, *self._helper(), "clone", "--no-recurse-submodules"]
        argv += ["--separate-git-dir", str(staging), "--branch", branch, "--", url]
        result = await self._exec([*argv, str(self.work_tree)], knobs.GIT_TIMEOUT_S)
        if result.ok:
            self.git_dir.mkdir(exist_ok=True)
            for entry in staging.iterdir():
                entry.rename(self.git_dir / entry.name)
            staging.rmdir()
            (self.work_tree / ".git").write_text(f"gitdir: {self.git_dir}\n")
        return result

    async def head(self) -> str | None:
        """The current commit, or None."""
        result = await self.run("rev-parse", "HEAD")
        return result.stdout.strip() if result.ok else None

    async def checkout_branch(self, branch: str) -> ExecResult:
        """Check out `branch`, from the remote's copy when it exists there."""
        fetched = await self.run(
            "fetch", "origin", f"refs/heads/{branch}:refs/remotes/origin/{branch}"
        )
        if fetched.ok:
            return await self.run("checkout", "-B", branch, f"origin/{branch}")
        return await self.run("checkout", "-B", branch)

    async def commit_all(self, message: str) -> str | None:
        """Stage everything and commit; return the new sha, or None when nothing changed."""
        added = await self.run("add", "-A")
        if not added.ok:
            raise GitError(f"git add failed: {added.stderr.strip()}")
        if (await self.run("diff", "--cached", "--quiet")).ok:
            return None
        committed = await self.run("commit", "--no-verify", "-q", "-m", message)
        if not committed.ok:
            raise GitError(f"git commit failed: {committed.stderr.strip()}")
        return await self.head()

    async def push(self, branch: str) -> ExecResult:
        """Push HEAD to `branch` on origin."""
        return await self.run("push", "origin", f"HEAD:refs/heads/{branch}")

    async def changes(self, base: str) -> tuple[list[dict[str, str]], dict[str, str]]:
        """Files changed since `base` (committed, staged or not, untracked) and their diffs."""
        index = self.private / "summary.index"
        index.unlink(missing_ok=True)
        env = {"GIT_INDEX_FILE": str(index)}
        await self.run("read-tree", "HEAD", env=env)
        await self.run("add", "-A", env=env)
        listed = await self.run("diff", "--cached", "--name-status", "--no-renames", base, env=env)
        files: list[dict[str, str]] = []
        diffs: dict[str, str] = {}
        names = {"A": "added", "M": "modified", "D": "deleted", "T": "modified"}
        for line in listed.stdout.splitlines():
            code, _, path = line.partition("\t")
            files.append({"path": path, "status": names.get(code[:1], "modified")})
        for item in files:
            diff = await self.run(
                "diff",
                "--cached",
                "--no-textconv",
                "--no-ext-diff",
                base,
                "--",
                item["path"],
                env=env,
            )
            diffs[item["path"]] = diff.stdout
        index.unlink(missing_ok=True)
        return files, diffs


class GitError(Exception):
    """A git command the worker needed failed; the message is already redacted."""
