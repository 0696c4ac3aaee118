"""One requirement: its fields, status, comments, evidence and history, live."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from foundry.client.errors import FunctionError
from foundry.web import live_forms
from foundry.web.context import (
    Signed,
    TabExpired,
    checked_form,
    posted_tab,
    program_by_slug,
    signed_in,
)
from foundry.web.live import Tab
from foundry.web.ui import requirement_detail as detail
from foundry.web.ui.requirement_detail import edit
from foundry.web.ui.shell import heading_region, live_heading, page

BASE = "/p/{slug}/r/{requirementId}"


async def requirement_of(signed: Signed, program: dict[str, Any], req_id: str) -> dict[str, Any]:
    """The requirement a URL names, if it is in `program` (a FunctionError, i.e. 404, if not)."""
    req = await signed.query("requirements:get", requirementId=req_id)
    return detail.check_in_program(program, dict(req))


async def requirement_page(request: Request) -> Response:
    """GET /p/{slug}/r/{requirementId}: the requirement, its edit, dependency and delete forms,
    comments, evidence and history, live."""
    signed = await signed_in(request)
    program = await program_by_slug(signed, request.path_params["slug"])
    req = await requirement_of(signed, program, request.path_params["requirementId"])
    forms = detail.FormContext(signed.session.csrf, user_id=user_id(signed))
    options = await edit.edit_options(signed, program)
    heading = heading_region(
        "requirements:get", {"requirementId": req["_id"]}, lambda r: f"{r['refId']}: {r['title']}"
    )
    regions = [*detail.regions(program, req["_id"], forms), heading]
    tab, _ = await signed.open_tab(program, regions)
    forms.tab_id = tab.id
    shell = detail.shell_of(signed.shell(), program, req, tab.id)
    editing = edit.editing(program, req, forms, options)
    content = detail.body(tab, program, req["_id"], forms, editing)
    title = f"{req['refId']}: {req['title']}"
    return HTMLResponse(page(title, content, **shell, **live_heading(tab)))


def user_id(signed: Signed) -> str:
    """The signed-in user's id (their own comments get edit and delete)."""
    return str(signed.session.user.get("_id", ""))


def forms_of(signed: Signed, tab: Tab) -> detail.FormContext:
    """The context of forms re-rendered in a live-form answer."""
    return detail.FormContext(signed.session.csrf, tab.id, user_id(signed))


async def posted(request: Request) -> tuple[Signed, dict[str, Any], Any, Tab]:
    """A live-form post's session, program, form and tab (TabExpired: gone, or another page)."""
    signed = await signed_in(request)
    form = await checked_form(request, signed)
    program = await program_by_slug(signed, request.path_params["slug"])
    tab = await posted_tab(signed, form)
    if tab.regions and not detail.shows(tab, request.path_params["requirementId"]):
        raise TabExpired
    return signed, program, form, tab


async def add_comment(request: Request) -> Response:
    """POST /p/{slug}/r/{requirementId}/comments (live form): comment on the requirement."""
    signed, program, form, tab = await posted(request)
    req_id = request.path_params["requirementId"]
    target = detail.CommentTarget("requirement", req_id, detail.base_url(program, req_id))
    answer = [detail.COMMENTS, detail.HISTORY]
    return await detail.create_comment(tab, forms_of(signed, tab), target, form, answer)


async def edit_comment(request: Request) -> Response:
    """POST …/comments/{commentId}/edit (live form): change your own comment's text."""
    signed, program, form, tab = await posted(request)
    url = detail.base_url(program, request.path_params["requirementId"])
    comment_id, answer = request.path_params["commentId"], [detail.COMMENTS, detail.HISTORY]
    return await detail.update_comment(tab, forms_of(signed, tab), url, comment_id, form, answer)


async def delete_comment(request: Request) -> Response:
    """POST …/comments/{commentId}/delete (live form): delete your own comment."""
    _, _, _, tab = await posted(request)
    answer = [detail.COMMENTS, detail.HISTORY]
    return await detail.delete_comment(tab, request.path_params["commentId"], answer)


async def upload_evidence(request: Request) -> Response:
    """POST …/evidence (live multipart form): attach a file of at most 5 MiB."""
    signed, program, form, tab = await posted(request)
    req_id = request.path_params["requirementId"]
    args, refused = await detail.read_upload(form)
    try:
        if refused is not None:
            raise FunctionError(refused, {"path": "file"})
        evidence_id = await tab.client.action("evidence:upload", {**args, "requirementId": req_id})
    except FunctionError as error:
        html = detail.evidence_form(program, req_id, forms_of(signed, tab), error.message)
        return live_forms.form_answer(html)
    await detail.wait_for_evidence(tab, str(evidence_id))
    return live_forms.regions_answer(tab, [detail.EVIDENCE, detail.HISTORY])


async def download_evidence(request: Request) -> Response:
    """GET …/evidence/{evidenceId}: the file, streamed from the backend's signed URL."""
    signed = await signed_in(request)
    program = await program_by_slug(signed, request.path_params["slug"])
    await requirement_of(signed, program, request.path_params["requirementId"])
    row = await signed.query("evidence:get", evidenceId=request.path_params["evidenceId"])
    detail.check_attached(row, request.path_params["requirementId"])
    return await detail.stream_file(signed, row)


async def delete_evidence(request: Request) -> Response:
    """POST …/evidence/{evidenceId}/delete (live form): remove a file."""
    _, _, _, tab = await posted(request)
    evidence_id = request.path_params["evidenceId"]
    try:
        await tab.client.mutation("evidence:delete", {"evidenceId": evidence_id})
    except FunctionError as error:
        return live_forms.form_answer(detail.notice(error.message))
    return live_forms.regions_answer(tab, [detail.EVIDENCE, detail.HISTORY])


async def set_status(request: Request) -> Response:
    """POST /p/{slug}/r/{requirementId}/status (live form): move the requirement's status."""
    signed, program, form, tab = await posted(request)
    req_id = request.path_params["requirementId"]
    args = {"requirementId": req_id, "status": str(form.get("status", ""))}
    try:
        await tab.client.mutation("requirements:set_status", args)
    except FunctionError as error:
        req = await requirement_of(signed, program, req_id)
        forms = forms_of(signed, tab)
        return live_forms.form_answer(detail.status_form(program, req, forms, error.message))
    return live_forms.regions_answer(tab, [detail.REQUIREMENT, detail.HISTORY])


async def edit_requirement(request: Request) -> Response:
    """POST /p/{slug}/r/{requirementId}/edit (live form): change the requirement's fields."""
    signed, program, form, tab = await posted(request)
    req_id, values = request.path_params["requirementId"], edit.values_from(form)
    options, forms = await edit.edit_options(signed, program), forms_of(signed, tab)
    try:
        await tab.client.mutation("requirements:update", edit.update_args(req_id, values))
    except FunctionError as error:
        field = live_forms.error_field(error.data)
        html = edit.edit_form(program, req_id, forms, options, values, error.message, field)
        return live_forms.form_answer(html)
    html = edit.edit_form(program, req_id, forms, options, values)
    return live_forms.regions_answer(tab, [detail.REQUIREMENT, detail.HISTORY], form=str(html))


async def add_dependency(request: Request) -> Response:
    """POST /p/{slug}/r/{requirementId}/dependencies (live form): depend on a requirement,
    named by its reference; an unknown one, itself or a cycle is refused beside the field."""
    signed, program, form, tab = await posted(request)
    req = await requirement_of(signed, program, request.path_params["requirementId"])
    ref, forms = str(form.get("refId", "")), forms_of(signed, tab)
    options = await edit.edit_options(signed, program)
    try:
        args = {"requirementId": req["_id"], "refId": ref}
        await tab.client.mutation("requirements:add_dependency", args)
    except FunctionError as error:
        html = edit.dependency_form(program, req, forms, options, ref, error.message)
        return live_forms.form_answer(html)
    html = edit.dependency_form(program, req, forms, options)
    return live_forms.regions_answer(tab, [detail.REQUIREMENT, detail.HISTORY], form=str(html))


async def remove_dependency(request: Request) -> Response:
    """POST /p/{slug}/r/{requirementId}/dependencies/remove (live form): drop one dependency."""
    _, _, form, tab = await posted(request)
    args = {
        "requirementId": request.path_params["requirementId"],
        "dependsOnId": str(form.get("dependsOnId", "")),
    }
    try:
        await tab.client.mutation("requirements:remove_dependency", args)
    except FunctionError as error:
        return live_forms.form_answer(detail.notice(error.message))
    return live_forms.regions_answer(tab, [detail.REQUIREMENT, detail.HISTORY])


async def delete_requirement(request: Request) -> Response:
    """POST /p/{slug}/r/{requirementId}/delete (confirmed form): delete the requirement, then
    go back to the table; refused (with the backend's reason) while it has tasks."""
    signed, program, _, tab = await posted(request)
    req = await requirement_of(signed, program, request.path_params["requirementId"])
    try:
        await tab.client.mutation("requirements:remove", {"requirementId": req["_id"]})
    except FunctionError as error:
        html = edit.delete_form(program, req, forms_of(signed, tab), error.message)
        return live_forms.form_answer(html)
    return live_forms.redirect_answer(f"/p/{program['slug']}/requirements")


ROUTES = [
    Route("/p/{slug}/r/{requirementId}", requirement_page, methods=["GET"]),
    Route("/p/{slug}/r/{requirementId}/comments", add_comment, methods=["POST"]),
    Route("/p/{slug}/r/{requirementId}/status", set_status, methods=["POST"]),
    Route(f"{BASE}/comments/{{commentId}}/edit", edit_comment, methods=["POST"]),
    Route(f"{BASE}/comments/{{commentId}}/delete", delete_comment, methods=["POST"]),
    Route(f"{BASE}/evidence", upload_evidence, methods=["POST"]),
    Route(f"{BASE}/evidence/{{evidenceId}}", download_evidence, methods=["GET"]),
    Route(f"{BASE}/evidence/{{evidenceId}}/delete", delete_evidence, methods=["POST"]),
    Route(f"{BASE}/edit", edit_requirement, methods=["POST"]),
    Route(f"{BASE}/dependencies", add_dependency, methods=["POST"]),
    Route(f"{BASE}/dependencies/remove", remove_dependency, methods=["POST"]),
    Route(f"{BASE}/delete", delete_requirement, methods=["POST"]),
]
