"""Sprint gates: the program's gate list and one gate's criteria (with their evidence files),
approvals and decisions. File uploads and downloads reuse the requirement page's helpers."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup
from starlette.datastructures import FormData

from foundry.app.documents import MAX_UPLOAD_BYTES
from foundry.client.errors import FunctionError
from foundry.web.live import Region, Tab
from foundry.web.live_forms import FormContext
from foundry.web.templating import render
from foundry.web.ui import requirement_detail as shared_detail
from foundry.web.ui.shell import iso, live, program_shell, when

PAGE_SIZE = 200  # the backend's page limit
LIST = "gates-list"
DETAIL = "gate-detail"
ACTIONS = {"evaluate": "gates:evaluate", "finalize": "gates:finalize", "reopen": "gates:reopen"}
STATUS_LABELS = {
    "pending": "Pending",
    "passed": "Passed",
    "failed": "Failed",
    "overridden": "Overridden",
}


def shared(program: dict[str, Any], forms: FormContext | None) -> dict[str, Any]:
    """Names every gate template may use."""
    return {
        "program": program,
        "forms": forms,
        "labels": STATUS_LABELS,
        "when": when,
        "iso": iso,
        "size": shared_detail.human_size,
    }


def list_region(program: dict[str, Any]) -> Region:
    """The program's gates, live."""
    return Region(
        LIST,
        "gates:list",
        {"programId": program["_id"], "numItems": PAGE_SIZE},
        lambda value: render("gates/list.html", page=value, **shared(program, None)),
    )


def detail_region(program: dict[str, Any], gate_id: str, forms: FormContext) -> Region:
    """One gate: its evaluation, criteria forms, approvals and decision buttons, live."""
    return Region(
        DETAIL,
        "gates:get",
        {"gateId": gate_id},
        lambda value: render("gates/detail.html", gate=value, **shared(program, forms)),
    )


def current_gate(tab: Tab) -> dict[str, Any] | None:
    """The gate as the tab now sees it (None if it cannot be read)."""
    detail = tab.regions.get(DETAIL)
    if detail is None:
        return None
    try:
        gate: dict[str, Any] = tab.client.local_result(detail.path, detail.args)
    except FunctionError:
        return None
    return gate


def gate_page(tab: Tab, program: dict[str, Any], gate_id: str, forms: FormContext) -> str:
    """A gate page's body: the live gate, the evidence upload form, then the override form."""
    gate = current_gate(tab) or {"_id": gate_id, "criteria": []}
    return render(
        "gates/page.html",
        detail=live(tab, DETAIL),
        upload=upload_form(program, gate, forms),
        override=override_form(program, gate_id, forms),
        **shared(program, forms),
    )


def check_in_program(program: dict[str, Any], gate: dict[str, Any]) -> dict[str, Any]:
    """The gate if it belongs to `program` (a FunctionError, shown as not found, if not)."""
    if gate.get("programId") != program["_id"]:
        raise FunctionError("Not found, or you do not have access to it.", {"id": gate.get("_id")})
    return gate


def shows(tab: Tab, gate_id: str) -> bool:
    """Whether `tab` is the page of gate `gate_id`."""
    detail = tab.regions.get(DETAIL)
    return detail is not None and detail.args.get("gateId") == gate_id


def upload_form(
    program: dict[str, Any],
    gate: dict[str, Any],
    forms: FormContext,
    error: str | None = None,
    field: str | None = None,
    index: str = "",
) -> Markup:
    """The form that attaches a file to one of the gate's criteria (the refusal beside the field
    it concerns, the chosen criterion kept)."""
    return render(
        "gates/upload.html",
        gate=gate,
        error=error,
        field="index" if field == "index" else "file",
        index=index,
        limit=shared_detail.human_size(MAX_UPLOAD_BYTES),
        **shared(program, forms),
    )


async def attach_file(tab: Tab, gate_id: str, form: FormData) -> tuple[str, str] | None:
    """Upload the posted file as the gate's evidence and list it under the chosen criterion.

    Returns `(field, reason)` when refused; nothing is kept then (a file stored before the
    criterion refused it is removed again)."""
    args, refused = await shared_detail.read_upload(form)
    gate, index = current_gate(tab), str(form.get("index", ""))
    if gate is None or not index.isdigit() or int(index) >= len(gate["criteria"]):
        return "index", "Choose a criterion."
    if gate["status"] != "pending":
        return "index", f"The gate is {gate['status']}; reopen it to attach evidence."
    if refused is not None:
        return "file", refused
    try:
        evidence_id = await tab.client.action("evidence:upload", {**args, "gateId": gate_id})
    except FunctionError as error:
        return "file", error.message
    attach = {"gateId": gate_id, "index": int(index), "evidenceId": str(evidence_id)}
    try:
        await tab.client.mutation("gates:attach_evidence", attach)
    except FunctionError as error:
        await tab.client.mutation("evidence:delete", {"evidenceId": str(evidence_id)})
        return "index", error.message
    return None


def override_form(
    program: dict[str, Any],
    gate_id: str,
    forms: FormContext,
    error: str | None = None,
    reason: str = "",
) -> Markup:
    """The form that overrides a gate with a written reason."""
    return render(
        "gates/override.html", gate_id=gate_id, error=error, reason=reason, **shared(program, forms)
    )


def criterion_refused(
    tab: Tab, program: dict[str, Any], forms: FormContext, index: str, message: str
) -> str:
    """A criterion form's inside after the backend refused the change (or a notice)."""
    gate = current_gate(tab)
    i = int(index) if index.isdigit() else -1
    if gate is None or not 0 <= i < len(gate["criteria"]):
        return str(render("gates/notice.html", message=message))
    context = {"gate": gate, "error": message, **shared(program, forms)}
    return str(render("gates/criterion.html", c=gate["criteria"][i], i=i, **context))


def action_refused(forms: FormContext, action: str, message: str) -> str:
    """A decision form's inside after the backend refused it."""
    return str(render("gates/actions.html", action=action, error=message, forms=forms))


def shell_of(
    shell: dict[str, Any], program: dict[str, Any], tab_id: str, gate: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The page shell's context: the program, the tab and the breadcrumbs."""
    trail = [("Gates", "/gates")]
    if gate is not None:
        trail.append((gate["name"], f"/gates/{gate['_id']}"))
    return program_shell(shell, program, tab_id, *trail)
