"""Markdown that users write, rendered to HTML that is safe to put in any page.

Two layers, so one mistake is not enough for a script to run: markdown-it-py renders with raw HTML
disabled (a `<script>` in the text comes out as escaped text) and refuses dangerous link schemes;
nh3 then keeps only an allowlist of tags, attributes and URL schemes, and adds `rel` to links.

    html = render_markdown(text)     # store next to the raw text, show as-is
"""

from __future__ import annotations

import re

import nh3
from markdown_it import MarkdownIt

TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "s", "del", "code",
    "pre", "blockquote", "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th",
    "td",
}  # fmt: skip
ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    "th": {"style"},
    "td": {"style"},
}
URL_SCHEMES = {"http", "https", "mailto"}
# Control characters (other than tab and newline) have no place in stored text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)
_cleaner = nh3.Cleaner(
    tags=TAGS,
    clean_content_tags={"script", "style"},
    attributes=ATTRIBUTES,
    url_schemes=URL_SCHEMES,
    link_rel="noopener noreferrer nofollow",
    filter_style_properties={"text-align"},
    strip_comments=True,
)


def normalize_text(text: str) -> str:
    """The text as we store it: Unix newlines, no control characters."""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def render_markdown(text: str) -> str:
    """Sanitised HTML for markdown `text`; safe to insert into a page without escaping."""
    return _cleaner.clean(_md.render(normalize_text(text)))
