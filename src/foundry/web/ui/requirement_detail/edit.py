"""The requirement page's editing surfaces: the field form, adding a dependency and deleting.

These forms are rendered once when the page loads (they hold the user's typing, so live pushes
never touch them); the read-only fields above them stay live. A refusal re-renders the form with
the reason beside the field it names and the user's input kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup
from starlette.datastructures import FormData

from foundry.web.context import Signed
from foundry.web.templating import render
from foundry.web.ui.requirement_detail import FormContext, base_url

PRIORITIES = {
    "must_have": "Must have",
    "should_have": "Should have",
    "nice_to_have": "Nice to have",
    "deferred": "Deferred",
}
FIT_GAPS = {
    "native": "Native",
    "config": "Configuration",
    "custom_dev": "Custom development",
    "third_party": "Third party",
    "not_feasible": "Not feasible",
}
EFFORTS = {"low": "Low", "medium": "Medium", "high": "High", "very_high": "Very high"}
PHASES = {"phase_1": "Phase 1", "phase_2": "Phase 2", "phase_3": "Phase 3"}
EDIT_FIELDS = (
    "title",
    "description",
    "priority",
    "fitGap",
    "workstreamId",
    "effortEstimate",
    "deliveryPhase",
    "batch",
)
# requirements:update's `clear`: a blank optional field is removed rather than set to "".
CLEARABLE = ("description", "batch", "effortEstimate", "deliveryPhase", "workstreamId")
OPTIONS_PAGE = 200


@dataclass
class EditOptions:
    """The edit forms' choices, read once at page load: workstreams and other requirements."""

    workstreams: list[dict[str, Any]] = field(default_factory=list)
    requirements: list[dict[str, Any]] = field(default_factory=list)


async def edit_options(signed: Signed, program: Mapping[str, Any]) -> EditOptions:
    """The program's workstreams and its first requirements (the dependency picker's list)."""
    workstreams = await signed.query(
        "workstreams:list", programId=program["_id"], numItems=OPTIONS_PAGE
    )
    reqs = await signed.query("requirements:list", programId=program["_id"], numItems=OPTIONS_PAGE)
    return EditOptions(list(workstreams["page"]), list(reqs["page"]))


def values_of(req: Mapping[str, Any]) -> dict[str, str]:
    """A requirement's fields as the edit form's values."""
    return {k: str(req.get(k) or "") for k in EDIT_FIELDS}


def values_from(form: FormData) -> dict[str, str]:
    """The posted edit form's values, as typed."""
    return {k: str(form.get(k, "")) for k in EDIT_FIELDS}


def update_args(req_id: str, values: Mapping[str, str]) -> dict[str, Any]:
    """requirements:update arguments for the form's values: blank optional fields are cleared."""
    args: dict[str, Any] = {"requirementId": req_id, "clear": []}
    for name in EDIT_FIELDS:
        if name in CLEARABLE and not values[name].strip():
            args["clear"].append(name)
        else:
            args[name] = values[name]
    return args


def context(program: Mapping[str, Any], forms: FormContext) -> dict[str, Any]:
    """Names every editing template may use."""
    return {
        "program": program,
        "forms": forms,
        "priorities": PRIORITIES,
        "fit_gaps": FIT_GAPS,
        "efforts": EFFORTS,
        "phases": PHASES,
    }


def edit_form(
    program: Mapping[str, Any],
    req_id: str,
    forms: FormContext,
    options: EditOptions,
    values: Mapping[str, str],
    error: str | None = None,
    field_name: str | None = None,
) -> Markup:
    """The field form with `values`; after a refusal, the reason beside the field it names."""
    return render(
        "requirement_detail/edit_form.html",
        url=base_url(dict(program), req_id),
        values=values,
        options=options,
        ws_choices={ws["_id"]: f"{ws['shortCode']} {ws['name']}" for ws in options.workstreams},
        error=error,
        field=field_name if field_name in EDIT_FIELDS else None,
        **context(program, forms),
    )


def dependency_form(
    program: Mapping[str, Any],
    req: Mapping[str, Any],
    forms: FormContext,
    options: EditOptions,
    ref: str = "",
    error: str | None = None,
) -> Markup:
    """The form that adds a dependency by reference, with a list of the program's requirements
    to pick from (not the requirement itself)."""
    picks = [r for r in options.requirements if r["_id"] != req["_id"]]
    return render(
        "requirement_detail/dependency_form.html",
        url=base_url(dict(program), req["_id"]),
        picks=picks,
        ref=ref,
        error=error,
        **context(program, forms),
    )


def delete_form(
    program: Mapping[str, Any],
    req: Mapping[str, Any],
    forms: FormContext,
    error: str | None = None,
    step: bool = False,
) -> Markup:
    """The delete form with its confirming button (and the refusal's reason); with `step`,
    inside the disclosure that asks for it first."""
    return render(
        "requirement_detail/delete_step.html" if step else "requirement_detail/delete_form.html",
        url=base_url(dict(program), req["_id"]),
        req=req,
        error=error,
        **context(program, forms),
    )


def editing(
    program: Mapping[str, Any], req: Mapping[str, Any], forms: FormContext, options: EditOptions
) -> dict[str, Markup]:
    """The page's editing forms, filled from `req` as the page loads."""
    return {
        "edit": edit_form(program, req["_id"], forms, options, values_of(req)),
        "dependency_form": dependency_form(program, req, forms, options),
        "delete_form": delete_form(program, req, forms, step=True),
    }
