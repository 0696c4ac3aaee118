"""One requirement's page: its fields and links, comments, evidence and history, all live.

The comment threads, history, evidence download and upload reading are shared with other entity
pages (risks, gates): those helpers take the entity type and the page's URL as parameters.
"""

from __future__ import annotations

import asyncio
import base64
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
from markupsafe import Markup
from starlette.datastructures import FormData, UploadFile
from starlette.responses import JSONResponse, Response, StreamingResponse

from foundry.app.documents import MAX_UPLOAD_BYTES
from foundry.client import HttpClient
from foundry.client.errors import FunctionError
from foundry.web import live_forms
from foundry.web.context import Signed
from foundry.web.live import Region, Tab
from foundry.web.templating import render
from foundry.web.ui.shell import iso, live, program_shell, when

# The moves requirements:set_status allows (foundry.app.requirements.STATUS_MOVES), in order.
STATUS_MOVES = {
    "draft": ("approved", "deferred"),
    "approved": ("draft", "in_progress", "deferred"),
    "in_progress": ("approved", "complete", "deferred"),
    "complete": ("in_progress",),
    "deferred": ("draft",),
}
STATUS_LABELS = {
    "draft": "Draft",
    "approved": "Approved",
    "in_progress": "In progress",
    "complete": "Complete",
    "deferred": "Deferred",
}
ACTION_VISIBLE_S = 3.0
CONTENT_TYPE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*$")
COMMENTS_PAGE = 100
EVIDENCE_PAGE = 50
AUDIT_PAGE = 20
REQUIREMENT = "requirement-detail"
COMMENTS = "requirement-comments"
EVIDENCE = "requirement-evidence"
HISTORY = "requirement-history"


@dataclass
class FormContext(live_forms.FormContext):
    """The live forms' context plus who is signed in (their own comments get edit buttons)."""

    user_id: str = ""


@dataclass(frozen=True)
class CommentTarget:
    """What a page's comments are on, and the page's URL (comment forms post below it)."""

    entity_type: str
    entity_id: str
    url: str


def base_url(program: dict[str, Any], requirement_id: str) -> str:
    """The requirement page's URL."""
    return f"/p/{program['slug']}/r/{requirement_id}"


def shared(program: dict[str, Any], forms: FormContext | None = None) -> dict[str, Any]:
    """Names every template of this page may use."""
    return {
        "program": program,
        "forms": forms,
        "moves": STATUS_MOVES,
        "labels": STATUS_LABELS,
        "when": when,
        "iso": iso,
    }


def requirement_region(program: dict[str, Any], req_id: str, forms: FormContext) -> Region:
    """The requirement's fields, links, workstream and status form, live."""
    return Region(
        REQUIREMENT,
        "requirements:get",
        {"requirementId": req_id},
        lambda value: render("requirement_detail/fields.html", req=value, **shared(program, forms)),
    )


def threads(comments: list[dict[str, Any]]) -> dict[str | None, list[dict[str, Any]]]:
    """Comments by parent id (None: top level), each list oldest first.

    A reply whose parent is not on the page (deleted, or on an older page) shows at top level.
    """
    ids = {c["_id"] for c in comments}
    out: dict[str | None, list[dict[str, Any]]] = {}
    for c in comments:
        parent = c.get("parentId")
        out.setdefault(parent if parent in ids else None, []).append(c)
    return out


def comments_region(
    program: dict[str, Any],
    req_id: str,
    forms: FormContext,
    target: CommentTarget | None = None,
    name: str = COMMENTS,
) -> Region:
    """The requirement's (or `target`'s) comment threads, live, with reply, edit and delete
    (sanitised `html`)."""
    target = target or CommentTarget("requirement", req_id, base_url(program, req_id))
    args = {"entityType": target.entity_type, "entityId": target.entity_id}
    return Region(
        name,
        "comments:list",
        {**args, "numItems": COMMENTS_PAGE},
        lambda value: render(
            "requirement_detail/comments.html",
            page=value,
            threads=threads(value["page"]),
            url=target.url,
            **shared(program, forms),
        ),
    )


def evidence_region(program: dict[str, Any], req_id: str, forms: FormContext) -> Region:
    """The files attached to the requirement as evidence, newest first, live."""
    return Region(
        EVIDENCE,
        "evidence:list",
        {"requirementId": req_id, "numItems": EVIDENCE_PAGE},
        lambda value: render(
            "requirement_detail/evidence.html",
            page=value,
            url=base_url(program, req_id),
            size=human_size,
            **shared(program, forms),
        ),
    )


def human_size(n: float | None) -> str:
    """A byte count for people: 512 B, 3.4 KiB, 1.2 MiB."""
    n = float(n or 0)
    if n < 1024:
        return f"{int(n)} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KiB"
    return f"{n / (1024 * 1024):.1f} MiB"


def history_region(
    program: dict[str, Any], req_id: str, entity_type: str = "requirement", name: str = HISTORY
) -> Region:
    """The requirement's (or another `entity_type`'s) audit history, newest first, live."""
    args = {
        "orgId": program["orgId"],
        "entityType": entity_type,
        "entityId": req_id,
        "numItems": AUDIT_PAGE,
    }
    return Region(
        name,
        "audit:list_for_entity",
        args,
        lambda value: render("requirement_detail/history.html", page=value, **shared(program)),
    )


def regions(program: dict[str, Any], req_id: str, forms: FormContext) -> list[Region]:
    """Every live region of the page."""
    return [
        requirement_region(program, req_id, forms),
        comments_region(program, req_id, forms),
        evidence_region(program, req_id, forms),
        history_region(program, req_id),
    ]


def check_in_program(program: dict[str, Any], req: dict[str, Any]) -> dict[str, Any]:
    """The requirement if it belongs to `program` (a FunctionError, shown as not found, if not)."""
    if req.get("programId") != program["_id"]:
        raise FunctionError("Not found, or you do not have access to it.", {"id": req.get("_id")})
    return req


def shows(tab: Tab, req_id: str) -> bool:
    """Whether `tab` is this page's tab for requirement `req_id`."""
    reg = tab.regions.get(REQUIREMENT)
    return reg is not None and reg.args.get("requirementId") == req_id


def comment_form(
    program: dict[str, Any],
    req_id: str,
    forms: FormContext,
    error: str | None = None,
    content: str = "",
) -> Markup:
    """The form that adds a comment (with the refused text and the reason, after an error)."""
    return comment_form_at(base_url(program, req_id), forms, error, content)


def comment_form_at(
    url: str, forms: FormContext, error: str | None = None, content: str = ""
) -> Markup:
    """The form that adds a comment to the entity whose page is at `url`."""
    return render(
        "requirement_detail/comment_form.html", url=url, forms=forms, error=error, content=content
    )


def comment_edit_form(
    program: dict[str, Any],
    req_id: str,
    comment_id: str,
    forms: FormContext,
    error: str,
    content: str = "",
) -> Markup:
    """A comment's edit form shown again with the refused text and the reason."""
    return comment_edit_form_at(base_url(program, req_id), comment_id, forms, error, content)


def comment_edit_form_at(
    url: str, comment_id: str, forms: FormContext, error: str, content: str = ""
) -> Markup:
    """A comment's edit form, on the page at `url`, shown again with the text and the reason."""
    return render(
        "requirement_detail/comment_edit.html",
        url=url,
        c={"_id": comment_id, "content": content},
        forms=forms,
        error=error,
    )


def comment_reply_form(
    program: dict[str, Any],
    req_id: str,
    parent_id: str,
    forms: FormContext,
    error: str,
    content: str = "",
) -> Markup:
    """A reply form shown again with the refused text and the reason."""
    return comment_reply_form_at(base_url(program, req_id), parent_id, forms, error, content)


def comment_reply_form_at(
    url: str, parent_id: str, forms: FormContext, error: str, content: str = ""
) -> Markup:
    """A reply form, on the page at `url`, shown again with the refused text and the reason."""
    return render(
        "requirement_detail/comment_reply.html",
        url=url,
        c={"_id": parent_id, "authorName": ""},
        forms=forms,
        error=error,
        content=content,
    )


def evidence_form(
    program: dict[str, Any], req_id: str, forms: FormContext, error: str | None = None
) -> Markup:
    """The upload form (with the refusal's reason beside the file field after an error)."""
    return render(
        "requirement_detail/evidence_form.html",
        url=base_url(program, req_id),
        forms=forms,
        error=error,
        limit=human_size(MAX_UPLOAD_BYTES),
    )


def notice(error: str) -> Markup:
    """A short refusal shown in place of a small form (delete)."""
    return Markup('<p class="field-error" role="alert">{}</p>').format(error)


async def read_upload(form: FormData) -> tuple[dict[str, str], str | None]:
    """The posted file as evidence:upload arguments, or the reason it is refused."""
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return {}, "Choose a file to upload."
    data = await upload.read(MAX_UPLOAD_BYTES + 1)
    if not data:
        return {}, "The file is empty; nothing was uploaded."
    if len(data) > MAX_UPLOAD_BYTES:
        return {}, f"The file is larger than {human_size(MAX_UPLOAD_BYTES)}; nothing was uploaded."
    name = upload.filename.replace("\\", "/").rsplit("/", 1)[-1]
    content_type = upload.content_type or "application/octet-stream"
    if not CONTENT_TYPE.match(content_type):
        content_type = "application/octet-stream"
    return {
        "fileName": name,
        "contentType": content_type,
        "dataBase64": base64.b64encode(data).decode(),
    }, None


async def wait_for_evidence(tab: Tab, evidence_id: str, present: bool = True) -> None:
    """Wait (at most a few seconds) until the tab's evidence list shows an action's write.

    An action's writes reach the subscriptions shortly after it returns; waiting on the local
    copy lets the form's answer show the user's own upload.
    """
    reg = tab.regions[EVIDENCE]
    deadline = asyncio.get_running_loop().time() + ACTION_VISIBLE_S
    while asyncio.get_running_loop().time() < deadline:
        try:
            value = tab.client.local_result(reg.path, reg.args) or {"page": []}
        except FunctionError:
            return
        if any(e["_id"] == evidence_id for e in value["page"]) == present:
            return
        await asyncio.sleep(0.02)


def status_form(
    program: dict[str, Any], req: dict[str, Any], forms: FormContext, error: str | None = None
) -> Markup:
    """The status form for `req`, with the refusal's reason after an error."""
    return render(
        "requirement_detail/status_form.html", req=req, error=error, **shared(program, forms)
    )


def body(
    tab: Tab,
    program: dict[str, Any],
    req_id: str,
    forms: FormContext,
    editing: dict[str, Markup] | None = None,
) -> Markup:
    """The page's body: the requirement (and its dependency form), the edit form, comments,
    evidence, history and the delete step. `editing` holds the forms filled at page load."""
    return render(
        "requirement_detail/page.html",
        requirement=live(tab, REQUIREMENT),
        comments=live(tab, COMMENTS),
        comment_form=comment_form(program, req_id, forms),
        evidence=live(tab, EVIDENCE),
        evidence_form=evidence_form(program, req_id, forms),
        history=live(tab, HISTORY),
        **(editing or {}),
    )


def shell_of(
    shell: dict[str, Any], program: dict[str, Any], req: dict[str, Any], tab_id: str
) -> dict[str, Any]:
    """The page shell's context: the program, the tab and the breadcrumbs."""
    trail = (("Requirements", "/requirements"), (req["refId"], f"/r/{req['_id']}"))
    return program_shell(shell, program, tab_id, *trail)


def check_attached(row: dict[str, Any], req_id: str, entity_type: str = "requirement") -> None:
    """Raise (shown as not found) unless the evidence is attached to that requirement (or other
    `entity_type`)."""
    if row.get("entityType") != entity_type or row.get("entityId") != req_id:
        raise FunctionError("Not found, or you do not have access to it.", {"id": row.get("_id")})


async def stream_file(signed: Signed, row: dict[str, Any]) -> Response:
    """The evidence file as an attachment, read through the backend's signed, expiring URL."""
    backend = signed.request.app.state.backend_url
    async with HttpClient(backend, await signed.token()) as http:
        path = await http.action("evidence:download_url", {"evidenceId": row["_id"]})
    client = httpx.AsyncClient(base_url=backend, timeout=30)
    upstream = await client.send(client.build_request("GET", str(path)), stream=True)
    if upstream.status_code != 200:
        await upstream.aclose()
        await client.aclose()
        raise FunctionError("The file is not available; try again.", {"id": row["_id"]})

    async def body() -> AsyncIterator[bytes]:
        try:
            async for chunk in upstream.aiter_bytes():
                yield chunk
        finally:
            await upstream.aclose()
            await client.aclose()

    headers = {
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(row['fileName'])}",
        "Content-Length": upstream.headers.get("content-length", ""),
        "Cache-Control": "private, no-store",
    }
    media = upstream.headers.get("content-type", "application/octet-stream")
    return StreamingResponse(body(), headers=headers, media_type=media)


def with_parent(args: dict[str, Any], parent_id: str | None) -> dict[str, Any]:
    """comments:create arguments, replying to `parent_id` when one is given."""
    return args if parent_id is None else {**args, "parentId": parent_id}


async def create_comment(
    tab: Tab, forms: FormContext, target: CommentTarget, form: FormData, answer: list[str]
) -> JSONResponse:
    """A comment (or a reply, given `parentId`) posted on `target` through `tab`: the `answer`
    regions, or the form again with the refusal beside the text and the text kept."""
    content, parent = str(form.get("content", "")), str(form.get("parentId", "")) or None
    args = {"entityType": target.entity_type, "entityId": target.entity_id, "content": content}
    try:
        await tab.client.mutation("comments:create", with_parent(args, parent))
    except FunctionError as error:
        if parent is not None:
            html = comment_reply_form_at(target.url, parent, forms, error.message, content)
            return live_forms.form_answer(html)
        return live_forms.form_answer(comment_form_at(target.url, forms, error.message, content))
    return live_forms.regions_answer(tab, answer)


async def update_comment(
    tab: Tab, forms: FormContext, url: str, comment_id: str, form: FormData, answer: list[str]
) -> JSONResponse:
    """Your own comment's new text, through `tab`: the `answer` regions, or the edit form again."""
    content = str(form.get("content", ""))
    try:
        await tab.client.mutation("comments:update", {"commentId": comment_id, "content": content})
    except FunctionError as error:
        html = comment_edit_form_at(url, comment_id, forms, error.message, content)
        return live_forms.form_answer(html)
    return live_forms.regions_answer(tab, answer)


async def delete_comment(tab: Tab, comment_id: str, answer: list[str]) -> JSONResponse:
    """Your own comment deleted through `tab`: the `answer` regions, or why not."""
    try:
        await tab.client.mutation("comments:delete", {"commentId": comment_id})
    except FunctionError as error:
        return live_forms.form_answer(notice(error.message))
    return live_forms.regions_answer(tab, answer)
