"""Creating, editing and deleting workstreams.

The forms are rendered when the page loads and are not live (they hold the user's typing); the
cards and the summary they change are. A refusal re-renders the form with the reason beside the
field it names and the input kept. Editing a short code moves the page to its new URL.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from markupsafe import Markup
from starlette.datastructures import FormData

from foundry.web.context import Signed
from foundry.web.live_forms import FormContext
from foundry.web.templating import render

FIELDS = ("name", "shortCode", "description", "ownerId", "sprintCadence")
EDIT_FIELDS = (*FIELDS, "currentSprint")
NUMBERS = ("sprintCadence", "currentSprint")
# workstreams:update's `clear`: a blank optional field is removed.
CLEARABLE = ("description", "ownerId", "sprintCadence", "currentSprint")
MEMBERS_PAGE = 200


async def leads(signed: Signed, program: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The organisation's members, who may lead a workstream (read once per form)."""
    members = await signed.query(
        "accounts/orgs:members", orgId=program["orgId"], numItems=MEMBERS_PAGE
    )
    return list(members["page"])


def values_of(ws: Mapping[str, Any]) -> dict[str, str]:
    """A workstream's fields as the edit form's values."""
    return {k: "" if ws.get(k) is None else str(ws[k]) for k in EDIT_FIELDS}


def values_from(form: FormData, names: tuple[str, ...] = EDIT_FIELDS) -> dict[str, str]:
    """The posted form's values, as typed (the short code in capitals)."""
    values = {k: str(form.get(k, "")) for k in names}
    values["shortCode"] = values["shortCode"].strip().upper()
    return values


class NotANumber(ValueError):
    """A number field holding something else; `field` names it."""

    def __init__(self, field: str) -> None:
        super().__init__(f"{field} must be a whole number")
        self.field = field


def number(name: str, text: str) -> int:
    """A number field's whole-number value (NotANumber otherwise)."""
    try:
        return int(text.strip())
    except ValueError:
        raise NotANumber(name) from None


def create_args(program_id: str, values: Mapping[str, str]) -> dict[str, Any]:
    """workstreams:create arguments: blank optional fields are left out."""
    args: dict[str, Any] = {"programId": program_id}
    for name in FIELDS:
        text = values[name]
        if name in ("name", "shortCode"):
            args[name] = text
        elif text.strip():
            args[name] = number(name, text) if name in NUMBERS else text
    return args


def update_args(ws_id: str, values: Mapping[str, str]) -> dict[str, Any]:
    """workstreams:update arguments: blank optional fields are cleared."""
    args: dict[str, Any] = {"workstreamId": ws_id, "clear": []}
    for name in EDIT_FIELDS:
        text = values[name]
        if name in CLEARABLE and not text.strip():
            args["clear"].append(name)
        else:
            args[name] = number(name, text) if name in NUMBERS else text
    return args


def form_html(
    template: str,
    program: Mapping[str, Any],
    forms: FormContext,
    people: list[dict[str, Any]],
    values: Mapping[str, str],
    error: str | None = None,
    field_name: str | None = None,
    **extra: Any,
) -> Markup:
    """A workstream form with `values`; after a refusal, the reason beside the field it names."""
    return render(
        template,
        program=program,
        forms=forms,
        people=people,
        values=values,
        error=error,
        field=field_name if field_name in EDIT_FIELDS else None,
        **extra,
    )


def create_form(
    program: Mapping[str, Any],
    forms: FormContext,
    people: list[dict[str, Any]],
    values: Mapping[str, str] | None = None,
    error: str | None = None,
    field_name: str | None = None,
) -> Markup:
    """The form that adds a workstream to the program."""
    values = values or dict.fromkeys(EDIT_FIELDS, "")
    return form_html(
        "workstreams/create_form.html", program, forms, people, values, error, field_name
    )


def edit_form(
    program: Mapping[str, Any],
    ws: Mapping[str, Any],
    forms: FormContext,
    people: list[dict[str, Any]],
    values: Mapping[str, str] | None = None,
    error: str | None = None,
    field_name: str | None = None,
) -> Markup:
    """The form that changes workstream `ws` (its current fields unless `values` are given)."""
    values = values if values is not None else values_of(ws)
    return form_html(
        "workstreams/edit_form.html", program, forms, people, values, error, field_name, ws=ws
    )


def delete_form(
    program: Mapping[str, Any],
    ws: Mapping[str, Any],
    forms: FormContext,
    error: str | None = None,
    step: bool = False,
) -> Markup:
    """The delete form with its confirming button (and the refusal's reason); with `step`,
    inside the disclosure that asks for it first."""
    template = "workstreams/delete_step.html" if step else "workstreams/delete_form.html"
    return render(template, program=program, ws=ws, forms=forms, error=error)


def url_of(program: Mapping[str, Any], short_code: str) -> str:
    """A workstream page's URL."""
    return f"/p/{program['slug']}/workstreams/{short_code}"
