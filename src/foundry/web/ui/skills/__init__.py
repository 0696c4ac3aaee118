"""Skills: the live list, the built-in templates with fork forms, the editor, history and diff."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from foundry.web.live import Region, Tab
from foundry.web.live_forms import FormContext
from foundry.web.templating import render
from foundry.web.ui.shell import live, program_shell

PAGE_SIZE = 200  # the backend's page limit
LIST = "skills-list"
TEMPLATES = "skills-templates"
SKILL = "skill-summary"
VERSIONS = "skill-versions"
DIFF = "skill-diff"


def list_region(program: dict[str, Any]) -> Region:
    """The program's skills, live."""
    return Region(
        LIST,
        "skills:list",
        {"programId": program["_id"], "numItems": PAGE_SIZE},
        lambda value: render("skills/list.html", page=value, program=program),
    )


def templates_region(program: dict[str, Any], forms: FormContext) -> Region:
    """The built-in templates, each with a form that forks it into the program."""
    return Region(
        TEMPLATES,
        "skills:templates",
        {"programId": program["_id"]},
        lambda value: render(
            "skills/templates.html", templates=value, program=program, forms=forms
        ),
    )


def skill_region(program: dict[str, Any], skill_id: str) -> Region:
    """One skill's name, domain, status and current version, live."""
    return Region(
        SKILL,
        "skills:get",
        {"skillId": skill_id},
        lambda value: render("skills/summary.html", skill=value, program=program),
    )


def versions_region(program: dict[str, Any], skill_id: str, chosen: dict[str, str]) -> Region:
    """A skill's version history (newest first) with the form that picks two to compare."""
    return Region(
        VERSIONS,
        "skills:versions",
        {"skillId": skill_id, "numItems": PAGE_SIZE},
        lambda value: render(
            "skills/versions.html",
            page=value,
            program=program,
            skill_id=skill_id,
            chosen=chosen,
        ),
    )


def diff_lines(diff: str) -> list[tuple[str, str]]:
    """A unified diff as (kind, line) pairs: add, del, hunk, file or context."""
    out = []
    for line in diff.splitlines():
        if line.startswith(("+++", "---")):
            kind = "file"
        elif line.startswith("+"):
            kind = "add"
        elif line.startswith("-"):
            kind = "del"
        elif line.startswith("@@"):
            kind = "hunk"
        else:
            kind = "context"
        out.append((kind, line))
    return out


def diff_region(skill_id: str, chosen: dict[str, str]) -> Region:
    """The unified diff between the two chosen versions (versions never change)."""
    args = {"skillId": skill_id, "fromVersion": chosen["from"], "toVersion": chosen["to"]}
    return Region(
        DIFF,
        "skills:diff",
        args,
        lambda value: render(
            "skills/diff.html", d=value, lines=diff_lines(value["diff"]), chosen=chosen
        ),
    )


def skill_regions(program: dict[str, Any], skill_id: str, chosen: dict[str, str]) -> list[Region]:
    """The skill page's regions: summary, history and, with two chosen versions, their diff."""
    regions = [skill_region(program, skill_id), versions_region(program, skill_id, chosen)]
    return regions + ([diff_region(skill_id, chosen)] if chosen else [])


def chosen_versions(query: dict[str, str]) -> dict[str, str]:
    """The versions to compare from a query string (both, as digits, or none)."""
    picked = {k: query.get(k, "").strip() for k in ("from", "to")}
    if all(val.isdigit() and len(val) < 10 for val in picked.values()):
        return picked
    return {}


def skills_page(tab: Tab, program: dict[str, Any]) -> Markup:
    """The skills page's body: the program's skills and the templates to fork."""
    return render(
        "skills/page.html", program=program, skills=live(tab, LIST), templates=live(tab, TEMPLATES)
    )


def fork_refused(program: dict[str, Any], forms: FormContext, key: str, message: str) -> Markup:
    """A fork form's inside after the backend refused it."""
    return render("skills/fork_fields.html", program=program, forms=forms, key=key, error=message)


def editor_form(
    program: dict[str, Any],
    forms: FormContext,
    skill_id: str,
    values: dict[str, str],
    error: str | None = None,
    field: str | None = None,
    saved: str | None = None,
) -> Markup:
    """The content editor: a textarea, a commit message and the version it was loaded at."""
    return render(
        "skills/editor.html",
        program=program,
        forms=forms,
        skill_id=skill_id,
        values=values,
        error=error,
        field=field,
        saved=saved,
    )


def skill_page(
    tab: Tab, program: dict[str, Any], forms: FormContext, skill: dict[str, Any], diff: bool
) -> Markup:
    """The skill page's body: summary, editor, history and (when asked) a diff."""
    values = {"content": skill["content"], "expectedVersion": skill["currentVersion"]}
    return render(
        "skills/skill.html",
        summary=live(tab, SKILL),
        editor=editor_form(program, forms, skill["_id"], values),
        versions=live(tab, VERSIONS),
        diff=live(tab, DIFF) if diff else None,
    )


def shell_of(
    shell: dict[str, Any], program: dict[str, Any], tab_id: str, skill: dict[str, Any] | None
) -> dict[str, Any]:
    """The page shell's context: the program, the tab and the breadcrumbs."""
    trail = [("Skills", "/skills")]
    if skill is not None:
        trail.append((skill["name"], f"/skills/{skill['_id']}"))
    return program_shell(shell, program, tab_id, *trail)
