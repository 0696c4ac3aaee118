"""Jinja templates of the feature UI (`web/ui/<domain>/*.html`), autoescaped."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

UI_DIR = Path(__file__).parent / "ui"

env = Environment(
    loader=FileSystemLoader(UI_DIR),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def render(template: str, **context: Any) -> Markup:
    """Render `template` (a path under web/ui) with `context`, as safe HTML."""
    return Markup(env.get_template(template).render(**context))
