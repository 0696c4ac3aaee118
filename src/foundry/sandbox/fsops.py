"""The editor's file API: list, read and write inside a workspace and nowhere else.

Paths are resolved with every symlink followed and must stay inside the workspace; a write
opens the final component with O_NOFOLLOW, and intermediate directories are re-checked after
they are created, so a symlink the agent plants cannot redirect the worker (which runs with
the worker's privileges) outside the tree.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

from foundry.sandbox import knobs
from foundry.sandbox.errors import BadRequest, NotFound


def resolve_inside(root: Path, path: str) -> Path:
    """`path` (relative to `root`, or absolute under /workspace) resolved inside `root`."""
    if "\x00" in path:
        raise BadRequest("path contains a NUL byte", {"path": path})
    rel = path.removeprefix("/workspace").lstrip("/") if path.startswith("/") else path
    root = root.resolve()
    target = (root / rel).resolve()
    if target != root and root not in target.parents:
        raise BadRequest("path leaves the workspace", {"path": path})
    return target


def list_dir(root: Path, path: str) -> dict[str, Any]:
    """Entries of a directory, directories first."""
    target = resolve_inside(root, path or ".")
    if not target.is_dir():
        raise NotFound(f"no directory {path!r}", {"path": path})
    entries = []
    for entry in os.scandir(target):
        st = entry.stat(follow_symlinks=False)
        kind = (
            "directory"
            if stat.S_ISDIR(st.st_mode)
            else "file"
            if stat.S_ISREG(st.st_mode)
            else "other"
        )
        entries.append({"name": entry.name, "type": kind, "size": st.st_size})
    entries.sort(key=lambda e: (e["type"] != "directory", e["name"]))
    cwd = "/workspace" + (
        "" if target == root.resolve() else "/" + str(target.relative_to(root.resolve()))
    )
    return {"cwd": cwd, "entries": entries}


def read_file(root: Path, path: str) -> dict[str, Any]:
    """A text file's content."""
    target = resolve_inside(root, path)
    try:
        fd = os.open(target, os.O_RDONLY | os.O_NOFOLLOW)
    except FileNotFoundError:
        raise NotFound(f"no file {path!r}", {"path": path}) from None
    except OSError as error:
        raise BadRequest(f"cannot read {path!r}: {error.strerror}", {"path": path}) from None
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            raise BadRequest(f"{path!r} is not a regular file", {"path": path})
        data = f.read(knobs.FS_READ_MAX_BYTES + 1)
    if len(data) > knobs.FS_READ_MAX_BYTES:
        raise BadRequest(f"{path!r} is larger than {knobs.FS_READ_MAX_BYTES} bytes")
    return {"path": path, "content": data.decode("utf-8", "replace"), "size": len(data)}


def write_file(root: Path, path: str, content: str) -> dict[str, Any]:
    """Write a text file, creating directories; refuse anything that leaves the workspace."""
    target = resolve_inside(root, path)
    if target == root.resolve():
        raise BadRequest("cannot write the workspace root", {"path": path})
    target.parent.mkdir(parents=True, exist_ok=True)
    resolve_inside(root, str(target.parent.relative_to(root.resolve())))  # raced symlink check
    data = content.encode()
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
    except OSError as error:
        raise BadRequest(f"cannot write {path!r}: {error.strerror}", {"path": path}) from None
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    return {"path": path, "bytes": len(data)}
