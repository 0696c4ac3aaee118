"""Keeping a host directory tree and a sandbox's own copy of it in step, through tar archives.

Used by runtimes whose sandbox cannot bind-mount the host's workspace (a pod's emptyDirs).
`snapshot` records every path's mode, size and mtime; `delta` compares two snapshots into the
paths to send and the paths to delete on the sandbox's side, so a host-side edit never
overwrites what the sandbox changed elsewhere; `write_archive` packs the paths to send; and
`mirror_archive` makes a host tree hold exactly an archive from the sandbox without ever
writing through a host symlink or outside the tree.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tarfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

Snapshot = dict[str, tuple[int, int, int]]
"""Relative path → (st_mode, st_size, st_mtime_ns), symlinks not followed."""


def snapshot(root: Path) -> Snapshot:
    """Every path under `root` with its mode, size and modification time."""
    entries: Snapshot = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            with contextlib.suppress(FileNotFoundError):
                st = os.lstat(path)
                entries[os.path.relpath(path, root)] = (st.st_mode, st.st_size, st.st_mtime_ns)
    return entries


@dataclass(frozen=True)
class Delta:
    """What changed in a tree between two snapshots."""

    send: list[str]
    """Paths that are new or changed, parents before children."""
    remove: list[str]
    """Paths that are gone, or changed type, so the other side deletes them first."""

    def __bool__(self) -> bool:
        return bool(self.send or self.remove)


def delta(before: Snapshot, now: Snapshot) -> Delta:
    """The changes that turn the `before` tree into the `now` tree."""
    send = sorted(path for path, entry in now.items() if before.get(path) != entry)
    remove = sorted(
        path
        for path, entry in before.items()
        if path not in now or stat.S_IFMT(entry[0]) != stat.S_IFMT(now[path][0])
    )
    return Delta(send, remove)


def write_archive(root: Path, paths: Iterable[str], out: IO[bytes]) -> None:
    """A tar archive of `paths` (relative to `root`, each without its children) into `out`."""
    with tarfile.open(fileobj=out, mode="w") as tar:
        for rel in paths:
            with contextlib.suppress(FileNotFoundError):
                tar.add(root / rel, arcname=rel, recursive=False)


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "symlink"
    return "dir" if stat.S_ISDIR(mode) else "file"


def _member_kind(member: tarfile.TarInfo) -> str:
    if member.issym():
        return "symlink"
    return "dir" if member.isdir() else "file"


def mirror_archive(archive: IO[bytes], root: Path) -> None:
    """Make `root` hold exactly the archive's tree.

    Paths the archive lacks, or has with another type, are removed first (so extraction never
    writes through a host symlink); then members pass the `data` filter (no absolute or escaping
    names or links, no devices) and those it refuses are skipped.
    """
    with tarfile.open(fileobj=archive, mode="r:") as tar:
        members = tar.getmembers()
        kinds = {os.path.normpath(m.name): _member_kind(m) for m in members}
        for dirpath, dirnames, filenames in os.walk(root, topdown=False):
            for name in filenames + dirnames:
                path = os.path.join(dirpath, name)
                st = os.lstat(path)
                if kinds.get(os.path.relpath(path, root)) != _kind(st.st_mode):
                    if stat.S_ISDIR(st.st_mode):
                        shutil.rmtree(path)
                    else:
                        os.unlink(path)
        safe: list[tarfile.TarInfo] = []
        for member in members:
            try:
                safe.append(tarfile.data_filter(member, str(root)))
            except tarfile.FilterError:
                continue
        tar.extractall(root, members=safe, filter="data")
