"""The built-in skill templates: one markdown file per domain, loaded once at import time.

Each file starts with `# Name` and a `> one-line description`; the rest is the guidance an agent
receives. Templates are data: edit the `.md` files, not this loader.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

DOMAINS = (
    "architecture", "backend", "frontend", "integration", "deployment", "testing", "review",
    "project",
)  # fmt: skip


@dataclass(frozen=True)
class SkillTemplate:
    """A built-in skill a program can fork."""

    key: str
    name: str
    domain: str
    description: str
    content: str

    @property
    def line_count(self) -> int:
        """Lines of markdown in the template."""
        return len(self.content.splitlines())


def _load(key: str) -> SkillTemplate:
    content = resources.files(__name__).joinpath(f"{key}.md").read_text(encoding="utf-8")
    lines = content.splitlines()
    if len(lines) < 2 or not lines[0].startswith("# ") or not lines[1].startswith("> "):
        raise ValueError(f"skill template {key}.md must start with '# Name' and '> description'")
    return SkillTemplate(key, lines[0][2:].strip(), key, lines[1][2:].strip(), content)


TEMPLATES: dict[str, SkillTemplate] = {key: _load(key) for key in DOMAINS}
"""Every built-in template, keyed by its domain."""
