"""Render a job's prompt from `prompts/<template>.j2` (StrictUndefined: a missing variable fails).

A route template defines up to three blocks: `instructions` (joined into the system prompt with
the shared rules and the output schema), `context` (stable data, marked for prompt caching) and
`request` (the call's own data). Every piece of caller data goes through the `data` filter, which
fences it in a tag and neutralises any closing tag inside it, so text from a document can never
leave its data block.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import jinja2

from foundry.agent.providers.base import Job, PromptBlock
from foundry.agent.schemas.common import ResultModel

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("foundry.agent", "prompts"),
    undefined=jinja2.StrictUndefined,
    autoescape=False,
    keep_trailing_newline=True,
)


def fence(value: Any, tag: str) -> str:
    """`value` inside `<tag>…</tag>`; JSON for structures, verbatim text for strings."""
    body = value if isinstance(value, str) else json.dumps(value, indent=1, ensure_ascii=False)
    body = body.replace(f"</{tag}", f"<\\/{tag}")
    return f"<{tag}>\n{body}\n</{tag}>"


_ENV.filters["data"] = fence


@lru_cache(maxsize=64)
def _template(name: str) -> jinja2.Template:
    return _ENV.get_template(f"{name}.j2")


def _block(template: jinja2.Template, name: str, variables: dict[str, Any]) -> str:
    render = template.blocks.get(name)
    if render is None:
        return ""
    return "".join(render(template.new_context(variables))).strip()


def render(job: Job[Any]) -> tuple[str, tuple[PromptBlock, ...]]:
    """The system prompt and user blocks of `job`."""
    variables: dict[str, Any] = {**job.request.model_dump(mode="json"), **job.extra}
    template = _template(job.template)
    schema = json.dumps(schema_of(job.result_type), separators=(",", ":"))
    system = _template("_system").render(
        instructions=_block(template, "instructions", variables), schema=schema
    )
    blocks = []
    context = _block(template, "context", variables)
    if context:
        blocks.append(PromptBlock(context, cache=True))
    blocks.append(PromptBlock(_block(template, "request", variables)))
    return system, tuple(blocks)


@lru_cache(maxsize=64)
def _schema_cached(result_type: type[ResultModel]) -> str:
    return json.dumps(result_type.model_json_schema())


def schema_of(result_type: type[ResultModel]) -> dict[str, Any]:
    """The JSON schema of a result model (cached per type)."""
    value: dict[str, Any] = json.loads(_schema_cached(result_type))
    return value
