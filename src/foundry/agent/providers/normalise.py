"""Lenient reading of model output: JSON inside prose, wrapper keys, enums, defaults.

Every coercion is returned (and logged by the caller). An answer that still does not validate
raises `ModelOutputError`; a half-filled object is never returned.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import ValidationError

from foundry.agent.errors import ModelOutputError
from foundry.agent.providers.base import ResultT

_FENCE = re.compile(r"```(?:json)?\s*(\{.*?\})\s*```", re.DOTALL)


def extract_json(text: str) -> tuple[dict[str, Any], list[str]]:
    """The first JSON object in `text`, and notes on how it had to be dug out."""
    stripped = text.strip()
    try:
        value = json.loads(stripped)
    except json.JSONDecodeError:
        pass
    else:
        if isinstance(value, dict):
            return value, []
    notes = []
    fenced = _FENCE.search(text)
    if fenced:
        try:
            value = json.loads(fenced.group(1))
            if isinstance(value, dict):
                return value, ["json: extracted from a fenced block"]
        except json.JSONDecodeError:
            notes.append("json: fenced block did not parse")
    decoder = json.JSONDecoder()
    for match in re.finditer(r"\{", text):
        try:
            value, _ = decoder.raw_decode(text, match.start())
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict):
            return value, [*notes, "json: extracted from surrounding prose"]
    raise ModelOutputError(
        "The model's answer contains no complete JSON object.",
        details={"excerpt": text[:200]},
    )


def _required_keys(result_type: type[Any]) -> list[str]:
    return [name for name, f in result_type.model_fields.items() if f.is_required()]


def validate(text: str, result_type: type[ResultT]) -> tuple[ResultT, list[str]]:
    """Parse and validate model output as `result_type`; return it with every coercion made."""
    data, notes = extract_json(text)
    required = _required_keys(result_type)
    if len(required) == 1 and required[0] not in data and len(result_type.model_fields) == 1:
        # Models often answer with the inner object and forget the wrapper key.
        data = {required[0]: data}
        notes.append(f"wrapper: added missing top-level key {required[0]!r}")
    context: dict[str, Any] = {"coercions": notes}
    try:
        result = result_type.model_validate(data, context=context)
    except ValidationError as error:
        problems = [
            {"loc": ".".join(str(p) for p in e["loc"]), "msg": e["msg"]}
            for e in error.errors()[:20]
        ]
        raise ModelOutputError(
            f"The model's answer does not match the {result_type.__name__} schema.",
            details={"errors": problems},
        ) from None
    return result, list(context["coercions"])
