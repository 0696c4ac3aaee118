"""Sprint gates: the program's list, and one gate's criteria (with evidence files), approvals
and decisions."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from foundry.client.errors import FunctionError
from foundry.web import live_forms
from foundry.web.context import TabExpired, checked_form, posted_tab, program_by_slug, signed_in
from foundry.web.live import Tab
from foundry.web.live_forms import FormContext
from foundry.web.ui import gates
from foundry.web.ui import requirement_detail as shared_detail
from foundry.web.ui.shell import heading_region, live_heading, page, region


async def gates_page(request: Request) -> Response:
    """GET /p/{slug}/gates: the program's gates with their criteria progress, live."""
    signed = await signed_in(request)
    program = await program_by_slug(signed, request.path_params["slug"])
    tab, html = await signed.open_tab(program, [gates.list_region(program)])
    content = '<link rel="stylesheet" href="/static/risks.css">' + region(
        gates.LIST, html[gates.LIST], tab.ts
    )
    shell = gates.shell_of(signed.shell(), program, tab.id)
    return HTMLResponse(page("Gates", content, **shell))


async def gate_page(request: Request) -> Response:
    """GET /p/{slug}/gates/{gateId}: criteria checklist, approvals and decisions, live."""
    signed = await signed_in(request)
    program = await program_by_slug(signed, request.path_params["slug"])
    gate = await signed.query("gates:get", gateId=request.path_params["gateId"])
    gates.check_in_program(program, gate)
    forms = FormContext(signed.session.csrf)
    heading = heading_region("gates:get", {"gateId": gate["_id"]}, lambda g: g["name"])
    regions = [gates.detail_region(program, gate["_id"], forms), heading]
    tab, _ = await signed.open_tab(program, regions)
    forms.tab_id = tab.id
    content = gates.gate_page(tab, program, gate["_id"], forms)
    shell = gates.shell_of(signed.shell(), program, tab.id, gate)
    return HTMLResponse(page(gate["name"], content, **shell, **live_heading(tab)))


async def _posted(request: Request) -> tuple[Tab, dict[str, str], FormContext]:
    """A gate form's tab, its fields and the context to re-render it."""
    signed = await signed_in(request)
    form = await checked_form(request, signed)
    fields = {k: str(val) for k, val in form.items() if isinstance(val, str)}
    tab = await posted_tab(signed, fields)
    return tab, fields, FormContext(signed.session.csrf, tab.id)


async def set_criterion(request: Request) -> Response:
    """POST /p/{slug}/gates/{gateId}/criteria (live form): a criterion's passed box and evidence."""
    tab, fields, forms = await _posted(request)
    index = fields.get("index", "")
    args = {"gateId": request.path_params["gateId"], "passed": fields.get("passed") == "1"}
    try:
        args["index"] = int(index)
        await tab.client.mutation(
            "gates:set_criterion", {**args, "evidence": fields.get("evidence", "")}
        )
    except (FunctionError, ValueError) as error:
        program = await program_by_slug(await signed_in(request), request.path_params["slug"])
        message = error.message if isinstance(error, FunctionError) else "index: not a number"
        return live_forms.form_answer(gates.criterion_refused(tab, program, forms, index, message))
    return live_forms.regions_answer(tab, [gates.DETAIL])


async def decide(request: Request) -> Response:
    """POST /p/{slug}/gates/{gateId}/decide (live form): evaluate, finalize or reopen the gate."""
    tab, fields, forms = await _posted(request)
    action = fields.get("op", "")
    try:
        if action not in gates.ACTIONS:
            raise FunctionError(f"action: unknown action {action!r}", {"path": "action"})
        await tab.client.mutation(gates.ACTIONS[action], {"gateId": request.path_params["gateId"]})
    except FunctionError as error:
        return live_forms.form_answer(gates.action_refused(forms, action, error.message))
    return live_forms.regions_answer(tab, [gates.DETAIL])


async def override(request: Request) -> Response:
    """POST /p/{slug}/gates/{gateId}/override (live form): let the gate through, with a reason."""
    tab, fields, forms = await _posted(request)
    gate_id, reason = request.path_params["gateId"], fields.get("reason", "").strip()
    try:
        await tab.client.mutation("gates:override", {"gateId": gate_id, "reason": reason})
    except FunctionError as error:
        program = await program_by_slug(await signed_in(request), request.path_params["slug"])
        html = gates.override_form(program, gate_id, forms, error.message, reason)
        return live_forms.form_answer(html)
    return live_forms.regions_answer(tab, [gates.DETAIL])


async def upload_evidence(request: Request) -> Response:
    """POST /p/{slug}/gates/{gateId}/evidence (live multipart form): attach a file (at most
    5 MiB) to a criterion; refused files are reported beside the field and nothing is kept."""
    signed = await signed_in(request)
    form = await checked_form(request, signed)
    program, gate_id = (
        await program_by_slug(signed, request.path_params["slug"]),
        request.path_params["gateId"],
    )
    tab = await posted_tab(signed, form)
    if tab.regions and not gates.shows(tab, gate_id):  # a fresh tab (scripts off) shows none
        raise TabExpired
    refused = await gates.attach_file(tab, gate_id, form)
    if refused is None:
        return live_forms.regions_answer(tab, [gates.DETAIL])
    forms, gate = FormContext(signed.session.csrf, tab.id), gates.current_gate(tab) or {}
    html = gates.upload_form(
        program, gate, forms, refused[1], refused[0], str(form.get("index", ""))
    )
    return live_forms.form_answer(html)


async def download_evidence(request: Request) -> Response:
    """GET /p/{slug}/gates/{gateId}/evidence/{evidenceId}: a criterion's file, as an attachment."""
    signed = await signed_in(request)
    program = await program_by_slug(signed, request.path_params["slug"])
    gate = gates.check_in_program(
        program, await signed.query("gates:get", gateId=request.path_params["gateId"])
    )
    row = await signed.query("evidence:get", evidenceId=request.path_params["evidenceId"])
    shared_detail.check_attached(row, gate["_id"], "gate")
    return await shared_detail.stream_file(signed, row)


ROUTES = [
    Route("/p/{slug}/gates", gates_page, methods=["GET"]),
    Route("/p/{slug}/gates/{gateId}", gate_page, methods=["GET"]),
    Route("/p/{slug}/gates/{gateId}/criteria", set_criterion, methods=["POST"]),
    Route("/p/{slug}/gates/{gateId}/decide", decide, methods=["POST"]),
    Route("/p/{slug}/gates/{gateId}/override", override, methods=["POST"]),
    Route("/p/{slug}/gates/{gateId}/evidence", upload_evidence, methods=["POST"]),
    Route("/p/{slug}/gates/{gateId}/evidence/{evidenceId}", download_evidence, methods=["GET"]),
]
