"""Every page of a program, walked as a member of another organisation, is not found and shows
nothing of it, while the same URLs open for the program's own member: a new page that reads a
program's data without the access checks fails here."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from starlette.routing import Route

from foundry.web.app import page_routes
from tests.web.conftest import Stack
from tests.web.test_settings import PASSWORD, new_owner
from tests.web.test_workstreams import SLUG, backend

pytestmark = pytest.mark.browser

PROGRAM_PAGES = sorted(
    r.path
    for r in page_routes()
    if isinstance(r, Route) and "GET" in (r.methods or ()) and r.path.startswith("/p/{slug}")
)
LISTED = {  # path parameter → the list query whose first row gives a real id
    "riskId": "risks:list",
    "gateId": "gates:list",
    "skillId": "skills:list",
    "sprintId": "sprints:list",
    "requirementId": "requirements:list",
    "documentId": "documents:list",
}


def demo_ids(stack: Stack) -> dict[str, str]:
    """Real ids of the demo program's documents, by path parameter (where there are some)."""
    client, program = backend(stack)
    ids: dict[str, str] = {"slug": SLUG}
    with client:
        args = {"programId": program["_id"], "numItems": 1}
        for param, path in LISTED.items():
            page: list[dict[str, Any]] = client.query(path, args)["page"]
            if page:
                ids[param] = page[0]["_id"]
        board = client.query("task_views:board", {"programId": program["_id"]})
        ids["taskId"] = next(t["_id"] for c in board["columns"] for t in c["tasks"])
        workstreams = client.query("workstreams:list", args)["page"]
        ids["shortCode"] = workstreams[0]["shortCode"]
        integration = client.mutation(
            "integrations:create",
            {"programId": program["_id"], "name": "Walked ERP", "type": "file_transfer",
             "sourceSystem": "ERP", "targetSystem": "Salesforce"},
        )  # fmt: skip
        ids["id"] = integration  # integrations/{id}; playbooks/{id} gets its own below
        playbook = client.mutation(
            "playbooks:create",
            {"programId": program["_id"], "name": "Walk", "targetPlatform": "platform_agnostic"},
        )
        ids["playbookId"] = playbook
    return ids


def url_of(path: str, ids: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "id" and path.startswith("/p/{slug}/playbooks"):
            return ids["playbookId"]
        return ids.get(name, "x1")

    return re.sub(r"\{(\w+)\}", value, path)


def web_client(stack: Stack, email: str, password: str) -> httpx.Client:
    client = httpx.Client(base_url=stack.web_url, timeout=15, follow_redirects=False)
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text)
    assert csrf is not None
    answer = client.post(
        "/login", data={"csrf": csrf.group(1), "email": email, "password": password}
    )
    assert answer.status_code == 303, answer.text
    return client


def test_no_program_page_opens_for_another_organisation(stack: Stack) -> None:
    from foundry.app.seed.acme_data import DEMO_LOGIN

    ids = demo_ids(stack)
    outsider = new_owner(stack, "walker")
    member = web_client(stack, DEMO_LOGIN["email"], DEMO_LOGIN["password"])
    stranger = web_client(stack, outsider.email, PASSWORD)
    opened, leaked = [], []
    try:
        for path in PROGRAM_PAGES:
            url = url_of(path, ids)
            if member.get(url).status_code == 200:
                opened.append(path)
            answer = stranger.get(url)
            if answer.status_code != 404 or "AcmeCorp" in answer.text:
                leaked.append(f"{path} → {answer.status_code}")
    finally:
        member.close()
        stranger.close()
    assert leaked == []
    # The URLs were real: the member opens every one but the file downloads (the demo program
    # has no uploaded files; their own tests download real ones).
    downloads = {
        "/p/{slug}/discovery/documents/{documentId}/download",
        "/p/{slug}/gates/{gateId}/evidence/{evidenceId}",
        "/p/{slug}/r/{requirementId}/evidence/{evidenceId}",
    }
    assert set(PROGRAM_PAGES) - set(opened) <= downloads, set(PROGRAM_PAGES) - set(opened)
