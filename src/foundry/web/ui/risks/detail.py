"""One risk's page: its fields and place on the matrix, an edit form, status moves, comment
threads and history, live. Comments and history reuse the requirement page's components."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup
from starlette.datastructures import FormData

from foundry.client.errors import FunctionError
from foundry.web.context import Signed
from foundry.web.live import Region, Tab
from foundry.web.templating import render
from foundry.web.ui import requirement_detail as shared_detail
from foundry.web.ui.requirement_detail import CommentTarget, FormContext
from foundry.web.ui.risks import DETAIL, LABELS, MOVES, PROBABILITIES, SEVERITIES
from foundry.web.ui.risks import HISTORY as RISK_HISTORY
from foundry.web.ui.shell import live, program_shell

RISK = DETAIL
COMMENTS = "risk-comments"
HISTORY = RISK_HISTORY
OPTIONS_PAGE = 200
TEXT_FIELDS = ("title", "description", "mitigation")
CLEARABLE = ("description", "mitigation", "ownerId")
EDIT_FIELDS = ("title", "description", "severity", "probability", "ownerId", "mitigation")


@dataclass
class EditOptions:
    """The choices of the edit form: organisation members (owners) and program workstreams."""

    owners: list[dict[str, Any]] = field(default_factory=list)
    workstreams: list[dict[str, Any]] = field(default_factory=list)


def url_of(program: Mapping[str, Any], risk_id: str) -> str:
    """The risk page's URL."""
    return f"/p/{program['slug']}/risks/{risk_id}"


def target(program: Mapping[str, Any], risk_id: str) -> CommentTarget:
    """What the page's comments are on."""
    return CommentTarget("risk", risk_id, url_of(program, risk_id))


def context(program: dict[str, Any], forms: FormContext) -> dict[str, Any]:
    """Names every risk-detail template may use."""
    return {
        "program": program,
        "forms": forms,
        "labels": LABELS,
        "moves": MOVES,
        "severities": SEVERITIES,
        "probabilities": PROBABILITIES,
    }


def risk_region(program: dict[str, Any], risk_id: str, forms: FormContext) -> Region:
    """The risk's fields, its cell on the matrix and its status form, live."""
    return Region(
        RISK,
        "risks:detail",
        {"riskId": risk_id},
        lambda value: render("risks/detail.html", risk=value, **context(program, forms)),
    )


def regions(program: dict[str, Any], risk_id: str, forms: FormContext) -> list[Region]:
    """Every live region of the page: the risk, its comments and its history."""
    return [
        risk_region(program, risk_id, forms),
        shared_detail.comments_region(
            program, risk_id, forms, target(program, risk_id), name=COMMENTS
        ),
        shared_detail.history_region(program, risk_id, "risk", name=HISTORY),
    ]


def check_in_program(program: Mapping[str, Any], risk: dict[str, Any]) -> dict[str, Any]:
    """The risk if it belongs to `program` (a FunctionError, shown as not found, if not)."""
    if risk.get("programId") != program["_id"]:
        raise FunctionError("Not found, or you do not have access to it.", {"id": risk.get("_id")})
    return risk


def shows(tab: Tab, risk_id: str) -> bool:
    """Whether `tab` is this page's tab for risk `risk_id`."""
    reg = tab.regions.get(RISK)
    return reg is not None and reg.args.get("riskId") == risk_id


async def edit_options(signed: Signed, program: Mapping[str, Any]) -> EditOptions:
    """The edit form's choices, read once (the form is not live: it holds the user's input)."""
    members = await signed.query(
        "accounts/orgs:members", orgId=program["orgId"], numItems=OPTIONS_PAGE
    )
    workstreams = await signed.query(
        "workstreams:list", programId=program["_id"], numItems=OPTIONS_PAGE
    )
    return EditOptions(list(members["page"]), list(workstreams["page"]))


def values_of(risk: Mapping[str, Any]) -> dict[str, Any]:
    """A risk's fields as the edit form's values."""
    values: dict[str, Any] = {k: risk.get(k) or "" for k in EDIT_FIELDS}
    values["workstreamIds"] = list(risk.get("workstreamIds") or ())
    return values


def values_from(form: FormData) -> dict[str, Any]:
    """The posted edit form's values (text trimmed only for the title)."""
    values: dict[str, Any] = {k: str(form.get(k, "")) for k in EDIT_FIELDS}
    values["title"] = values["title"].strip()
    values["workstreamIds"] = [str(w) for w in form.getlist("workstreamIds") if w]
    return values


def update_args(risk_id: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """risks:update arguments for the form's values: blank optional fields are cleared."""
    args: dict[str, Any] = {"riskId": risk_id, "clear": []}
    for name in EDIT_FIELDS:
        if values[name].strip() or name not in CLEARABLE:
            args[name] = values[name]
        else:
            args["clear"].append(name)
    if values["workstreamIds"]:
        args["workstreamIds"] = values["workstreamIds"]
    else:
        args["clear"].append("workstreamIds")
    return args


def edit_form(
    program: dict[str, Any],
    risk_id: str,
    forms: FormContext,
    options: EditOptions,
    values: Mapping[str, Any],
    error: str | None = None,
    field_name: str | None = None,
) -> Markup:
    """The edit form with `values`; after a refusal, the reason beside the field it names."""
    return render(
        "risks/edit_form.html",
        url=url_of(program, risk_id),
        values=values,
        options=options,
        error=error,
        field=field_name if field_name in (*EDIT_FIELDS, "workstreamIds") else None,
        **context(program, forms),
    )


def body(
    tab: Tab, program: dict[str, Any], risk_id: str, forms: FormContext, edit: Markup
) -> Markup:
    """The page's body: the risk, the edit form, comments and history."""
    return render(
        "risks/detail_page.html",
        risk=live(tab, RISK),
        edit=edit,
        comments=live(tab, COMMENTS),
        comment_form=shared_detail.comment_form_at(url_of(program, risk_id), forms),
        history=live(tab, HISTORY),
    )


def shell_of(
    shell: dict[str, Any], program: dict[str, Any], risk: Mapping[str, Any], tab_id: str
) -> dict[str, Any]:
    """The page shell's context: the program, the tab and the breadcrumbs."""
    trail = (("Risks", "/risks"), (risk["title"], f"/risks/{risk['_id']}"))
    return program_shell(shell, program, tab_id, *trail)
