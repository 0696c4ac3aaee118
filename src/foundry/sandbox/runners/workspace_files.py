"""Reading and writing workspace files from the host without following the sandbox's symlinks.

The agent can plant a symlink pointing anywhere on the host; resolving a path and then opening it
would race with a swap. Instead every component is opened relative to its parent's descriptor with
O_NOFOLLOW, so a symlink anywhere on the path is an error, never a way out of the workspace.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path, PurePosixPath


class UnsafePath(ValueError):
    """The path leaves the workspace, passes through a symlink, or is not a regular file."""


def relative_path(path: str, roots: tuple[str, ...]) -> PurePosixPath:
    """`path` as a path inside the workspace; absolute paths must start with one of `roots`."""
    candidate = PurePosixPath(path)
    if candidate.is_absolute():
        for root in roots:
            if candidate == PurePosixPath(root) or candidate.is_relative_to(root):
                candidate = candidate.relative_to(root)
                break
        else:
            raise UnsafePath(f"{path}: absolute paths must be inside the workspace")
    parts = [p for p in candidate.parts if p not in ("", ".")]
    if ".." in parts:
        raise UnsafePath(f"{path}: '..' is not allowed")
    if not parts:
        raise UnsafePath(f"{path}: names the workspace itself, not a file")
    return PurePosixPath(*parts)


def _open(workspace: Path, rel: PurePosixPath, flags: int, *, make_dirs: bool) -> int:
    directory = os.open(workspace, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for part in rel.parts[:-1]:
            if make_dirs:
                with contextlib.suppress(FileExistsError):
                    os.mkdir(part, 0o755, dir_fd=directory)
            try:
                child = os.open(
                    part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=directory
                )
            except OSError as error:
                raise UnsafePath(
                    f"{rel}: {part} is not a plain directory ({error.strerror})"
                ) from None
            os.close(directory)
            directory = child
        try:
            # O_NONBLOCK: a planted FIFO must not hang the worker; regular files ignore it.
            fd = os.open(
                rel.parts[-1], flags | os.O_NOFOLLOW | os.O_NONBLOCK, 0o644, dir_fd=directory
            )
        except FileNotFoundError:
            raise
        except OSError as error:
            raise UnsafePath(f"{rel}: cannot open ({error.strerror})") from None
    finally:
        os.close(directory)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise UnsafePath(f"{rel}: not a regular file")
    return fd


def read_text(workspace: Path, rel: PurePosixPath) -> str:
    """The text of a workspace file (UTF-8 with replacement)."""
    fd = _open(workspace, rel, os.O_RDONLY, make_dirs=False)
    with os.fdopen(fd, "rb") as f:
        return f.read().decode("utf-8", errors="replace")


def write_text(workspace: Path, rel: PurePosixPath, content: str) -> int:
    """Create or replace a workspace file (and its missing directories); returns bytes written."""
    fd = _open(workspace, rel, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, make_dirs=True)
    data = content.encode()
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    return len(data)
