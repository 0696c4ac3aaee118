"""Auto-commit while the agent works, driven by watching the workspace (inotify via watchfiles).

Runners need not say when they change files: every change under the workspace (but the usual
build and dependency directories and the worker's own scratch files) is logged as
`File <change>: <path>`, sent as a `FileChanged` hook event, and marks the tree dirty. The
committer commits once the tree has been quiet for `AUTOCOMMIT_DEBOUNCE_S` (the reference's
five seconds), or after three times that while changes keep coming, so a busy agent still gets
regular commits.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path
from typing import Any

import watchfiles

from foundry.sandbox import knobs
from foundry.sandbox.gitops import GitError
from foundry.sandbox.session import Session

log = logging.getLogger("foundry.sandbox.watcher")
_LOGGED_PER_BATCH = 20
_MAX_WAIT_FACTOR = 3


class _WorkspaceFilter(watchfiles.DefaultFilter):
    def __init__(self) -> None:
        super().__init__(
            ignore_dirs=(*watchfiles.DefaultFilter.ignore_dirs, "dist", "build", ".next"),
            ignore_entity_patterns=(
                *watchfiles.DefaultFilter.ignore_entity_patterns,
                r"^\.foundry-agent-.*\.log$",
                r"^\.foundry-prompt-.*\.txt$",
                r"^\.git$",
            ),
        )


async def watch(session: Session, dirty: asyncio.Event, stop: asyncio.Event) -> None:
    """Report workspace changes until `stop` is set (the watch thread checks it every step)."""
    root = session.paths.workspace
    async for batch in watchfiles.awatch(
        root,
        watch_filter=_WorkspaceFilter(),
        step=knobs.WATCH_STEP_MS,
        debounce=max(knobs.WATCH_STEP_MS * 4, 200),
        stop_event=stop,
        rust_timeout=500,
    ):
        _report(session, root, batch)
        dirty.set()


def _report(session: Session, root: Path, batch: set[tuple[watchfiles.Change, str]]) -> None:
    items: list[dict[str, Any]] = []
    for change, path in sorted(batch, key=lambda c: c[1]):
        with contextlib.suppress(ValueError):
            items.append({"type": change.name, "path": str(Path(path).relative_to(root))})
    for item in items[:_LOGGED_PER_BATCH]:
        session.log.append("system", f"File {item['type']}: {item['path']}", {"fileChange": item})
    if items:
        session.hook("FileChanged", {"changes": items[:500], "totalChanges": len(items)})


async def autocommit(session: Session, dirty: asyncio.Event) -> None:
    """Commit the workspace after each quiet spell until cancelled."""
    debounce = knobs.AUTOCOMMIT_DEBOUNCE_S
    while True:
        await dirty.wait()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + debounce * _MAX_WAIT_FACTOR
        while loop.time() < deadline:
            dirty.clear()
            try:
                # asyncio.timeout, not wait_for: 3.11's wait_for can swallow a cancellation.
                async with asyncio.timeout(min(debounce, deadline - loop.time())):
                    await dirty.wait()
            except TimeoutError:
                break  # quiet long enough
        dirty.clear()
        try:
            await session.sync_from_sandbox()
            sha = await session.git.commit_all(f"wip: auto-sync [sandbox:{session.id}]")
        except (GitError, RuntimeError, OSError) as error:  # or a sync the sandbox refused
            session.log.append("error", f"Auto-commit failed: {error}")
            continue
        if sha:
            session.log.append("system", f"Auto-committed {sha[:12]}", {"commitSha": sha})
