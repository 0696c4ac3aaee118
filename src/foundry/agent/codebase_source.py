"""Reading a repository for analysis: any git URL (cloned shallowly) or a local directory."""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from foundry.agent.errors import BadRequest, UpstreamError

SKIP_DIRS = frozenset(
    {".git", "node_modules", "dist", "build", "__pycache__", ".venv", "venv", "target", "vendor"}
)
SOURCE_SUFFIXES = frozenset(
    {
        ".py",
        ".ts",
        ".tsx",
        ".js",
        ".jsx",
        ".go",
        ".rs",
        ".java",
        ".rb",
        ".php",
        ".cs",
        ".kt",
        ".swift",
        ".c",
        ".h",
        ".cpp",
        ".hpp",
        ".scala",
        ".sql",
        ".toml",
        ".yaml",
        ".yml",
        ".json",
    }
)
MAX_FILE_BYTES = 100_000
SAMPLE_FILES = 30
SAMPLE_CHARS = 3000
CLONE_TIMEOUT_S = 120
_GIT_URL = re.compile(r"^(https?|ssh|git|file)://|^[\w.-]+@[\w.-]+:")


def list_source_files(root: Path) -> list[Path]:
    """Source files under `root`, skipping vendored/build directories, dotfiles and big files."""
    found = []
    for directory, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
        for name in sorted(files):
            path = Path(directory) / name
            if name.startswith(".") or path.suffix not in SOURCE_SUFFIXES:
                continue
            if path.is_symlink() or path.stat().st_size >= MAX_FILE_BYTES:
                continue
            found.append(path)
    return found


def _with_token(url: str, token: str | None) -> str:
    parts = urlsplit(url)
    if not token or parts.scheme not in ("http", "https"):
        return url
    netloc = f"x-access-token:{quote(token, safe='')}@{parts.hostname}"
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit(parts._replace(netloc=netloc))


def clone(url: str, token: str | None, into: Path) -> None:
    """Shallow-clone `url` into `into` with hooks off and no prompts; errors name the URL only."""
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "true"}
    result = subprocess.run(
        [
            "git",
            "-c",
            "core.hooksPath=/dev/null",
            "clone",
            "--depth",
            "1",
            "--quiet",
            _with_token(url, token),
            str(into),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=CLONE_TIMEOUT_S,
        check=False,
    )
    if result.returncode != 0:
        # git's message may echo the URL with the token in it: never pass it on.
        raise UpstreamError(
            f"Could not clone {url}.",
            code="GIT_CLONE_FAILED",
            details={"exitCode": result.returncode},
        )


def is_git_url(value: str) -> bool:
    """Whether `value` looks like a git remote URL (https, ssh, git, file or scp-like)."""
    return bool(_GIT_URL.match(value))


def sample_repository(repo_url: str, access_token: str | None = None) -> list[dict[str, Any]]:
    """Up to SAMPLE_FILES source files `{path, content}` (truncated) of a git URL or directory."""
    local = Path(repo_url).expanduser()
    if local.is_dir():
        return _sample(local)
    if not is_git_url(repo_url):
        raise BadRequest(
            "repoUrl must be a git URL (https, ssh, git, file) or an existing directory.",
            code="INVALID_REPO_URL",
        )
    with tempfile.TemporaryDirectory(prefix="foundry-codebase-") as tmp:
        clone(repo_url, access_token, Path(tmp) / "repo")
        return _sample(Path(tmp) / "repo")


def _sample(root: Path) -> list[dict[str, Any]]:
    files = list_source_files(root)
    step = max(1, len(files) // SAMPLE_FILES)
    return [
        {"path": str(p.relative_to(root)), "content": p.read_text(errors="replace")[:SAMPLE_CHARS]}
        for p in files[::step][:SAMPLE_FILES]
    ]
