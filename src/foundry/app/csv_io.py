"""CSV export of requirements and tasks, and CSV import of requirements with a dry run.

Export columns (requirements): refId, title, description, batch, priority, fitGap,
effortEstimate, deliveryPhase, status, workstream (short code), dependencies (refIds joined by
"; "), pipelineStage. Tasks: title, status, priority, requirement (refId), workstream, sprintId,
storyPoints, assigneeId, dueDate (ISO date, UTC).

Import reads the same columns: title, priority and fitGap are required; refId and
pipelineStage are accepted and ignored (references are assigned, stages derived). Rows are
numbered as a spreadsheet shows them (the header is row 1). `preview_requirements_import`
reports every error without writing; `import_requirements` writes all rows in one mutation or,
if any row is wrong, nothing. One import holds at most IMPORT_MAX_ROWS rows: each row writes a
requirement, an audit row and one edge per dependency; the whole import must stay under
IMPORT_MAX_WRITES documents (the engine allows 16,000 per mutation) and IMPORT_MAX_BYTES.
Cells that a spreadsheet would run as a formula are exported with a leading "'", which import
removes again.
"""

from __future__ import annotations

import csv as csvlib
import io
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from foundry.app import workstreams
from foundry.app.model.access import get_program_for_member
from foundry.app.model.stats import adjust
from foundry.app.requirement_graph import MAX_DEPENDENCIES
from foundry.app.requirements import (
    BATCH_MAX,
    EFFORTS,
    FILTERS,
    FIT_GAPS,
    PHASES,
    PRIORITIES,
    STATUSES,
    TEXT_MAX,
    TITLE_MAX,
    do_create,
    filtered,
    find_by_ref,
    merge,
    take_ref_ids,
)
from foundry.engine.context import MutationCtx, QueryCtx
from foundry.engine.errors import ArgumentError
from foundry.engine.functions import mutation, query
from foundry.engine.values import v

REQUIREMENT_COLUMNS = (
    "refId",
    "title",
    "description",
    "batch",
    "priority",
    "fitGap",
    "effortEstimate",
    "deliveryPhase",
    "status",
    "workstream",
    "dependencies",
    "pipelineStage",
)
TASK_COLUMNS = (
    "title",
    "status",
    "priority",
    "requirement",
    "workstream",
    "sprintId",
    "storyPoints",
    "assigneeId",
    "dueDate",
)
IGNORED_ON_IMPORT = ("refId", "pipelineStage")
REQUIRED = ("title", "priority", "fitGap")
ENUMS = {
    "priority": PRIORITIES,
    "fitGap": FIT_GAPS,
    "effortEstimate": EFFORTS,
    "deliveryPhase": PHASES,
    "status": STATUSES,
}
LIMITS = {"title": TITLE_MAX, "description": TEXT_MAX, "batch": BATCH_MAX}
IMPORT_MAX_ROWS = 2_000
IMPORT_MAX_BYTES = 4_000_000  # UTF-8; each row is written twice (requirement + audit row)
# Documents one import may write: a requirement and an audit row per row, one edge per
# dependency, and the two counter rows; kept under the engine's 16,000 per mutation.
IMPORT_MAX_WRITES = 15_000
EXPORT_MAX_ROWS = 5_000
MAX_ERRORS = 200
PREVIEW_ROWS = 20
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> str:
    """A value as a CSV cell, defused if a spreadsheet would run it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def uncell(text: str) -> str:
    """The value of an imported cell (undoing `cell`)."""
    text = text.strip()
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_START) else text


def to_csv(columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> str:
    """CSV text with a header row (RFC 4180 quoting, CRLF line ends)."""
    out = io.StringIO()
    writer = csvlib.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([cell(row.get(c)) for c in columns])
    return out.getvalue()


class Parsed:
    """The outcome of reading an import: rows ready for `do_create`, or errors (never both)."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self.errors: list[dict[str, Any]] = []
        self.error_count = 0

    def error(self, row: int, column: str | None, message: str) -> None:
        """Record one problem (the first MAX_ERRORS are kept, all are counted)."""
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append({"row": row, "column": column, "message": message})


def parse_requirements(ctx: QueryCtx, program: dict[str, Any], text: str) -> Parsed:
    """Read and validate an import against the program, without writing."""
    parsed = Parsed()
    if len(text.encode()) > IMPORT_MAX_BYTES:
        parsed.error(1, None, f"the file is larger than {IMPORT_MAX_BYTES} bytes; split it")
        return parsed
    try:
        records = [*csvlib.reader(io.StringIO(text, newline=""), strict=True)]
    except csvlib.Error as bad:
        parsed.error(1, None, f"the file is not valid CSV: {bad}")
        return parsed
    if not records:
        parsed.error(1, None, "the file is empty")
        return parsed
    header = [h.strip() for h in records[0]]
    known = {c.lower(): c for c in REQUIREMENT_COLUMNS}
    columns: list[str | None] = []
    for name in header:
        column = known.get(name.lower())
        if column is None:
            parsed.error(
                1, name, f"unknown column {name!r}; expected some of {list(REQUIREMENT_COLUMNS)}"
            )
        elif column in columns:
            parsed.error(1, name, f"column {column!r} appears twice")
        columns.append(column)
    for column in REQUIRED:
        if column not in columns:
            parsed.error(1, column, f"required column {column!r} is missing")
    body = [(n, r) for n, r in enumerate(records[1:], start=2) if any(c.strip() for c in r)]
    if len(body) > IMPORT_MAX_ROWS:
        parsed.error(1, None, f"{len(body)} rows; one import holds at most {IMPORT_MAX_ROWS}")
    if parsed.error_count:
        return parsed
    codes = {w["shortCode"]: w["_id"] for w in workstreams.of_program(ctx, program)}
    refs: dict[str, str | None] = {}
    for number, record in body:
        if len(record) != len(columns):
            parsed.error(number, None, f"{len(record)} cells; the header has {len(columns)}")
            continue
        values = {
            c: uncell(x)
            for c, x in zip(columns, record, strict=True)
            if c and c not in IGNORED_ON_IMPORT
        }
        row = check_row(ctx, program, parsed, number, values, codes, refs)
        if row is not None:
            parsed.rows.append(row)
    writes = 2 * len(parsed.rows) + sum(len(r.get("dependencies", ())) for r in parsed.rows) + 2
    if writes > IMPORT_MAX_WRITES:
        parsed.error(1, None, f"this import would write {writes} documents; split the file")
    return parsed


def check_row(
    ctx: QueryCtx,
    program: dict[str, Any],
    parsed: Parsed,
    number: int,
    values: dict[str, str],
    codes: Mapping[str, str],
    refs: dict[str, str | None],
) -> dict[str, Any] | None:
    """One row as requirement fields, or None after recording its errors."""
    before = parsed.error_count
    row: dict[str, Any] = {}
    for column, text in values.items():
        if not text:
            if column in REQUIRED:
                parsed.error(number, column, f"{column} is required")
            continue
        if column in ENUMS and text not in ENUMS[column]:
            parsed.error(number, column, f"expected one of {list(ENUMS[column])}, got {text!r}")
        elif column in LIMITS and len(text) > LIMITS[column]:
            parsed.error(number, column, f"longer than {LIMITS[column]} characters")
        elif column == "workstream":
            if text not in codes:
                parsed.error(
                    number, column, f"no workstream with short code {text!r} in this program"
                )
            else:
                row["workstreamId"] = codes[text]
        elif column == "dependencies":
            row["dependencies"] = resolve_refs(ctx, program, parsed, number, text, refs)
        else:
            row[column] = text
    return row if parsed.error_count == before else None


def resolve_refs(
    ctx: QueryCtx,
    program: dict[str, Any],
    parsed: Parsed,
    number: int,
    text: str,
    refs: dict[str, str | None],
) -> list[str]:
    """Requirement ids for refIds separated by ";" or ",", each an existing one of the program."""
    names = [n.strip().upper() for n in text.replace(",", ";").split(";") if n.strip()]
    if len(names) > MAX_DEPENDENCIES:
        parsed.error(number, "dependencies", f"more than {MAX_DEPENDENCIES} dependencies")
        return []
    ids: list[str] = []
    for name in names:
        if name not in refs:
            found = find_by_ref(ctx, program, name)
            refs[name] = None if found is None else found["_id"]
        dep_id = refs[name]
        if dep_id is None:
            parsed.error(number, "dependencies", f"no requirement {name} in this program")
        elif dep_id not in ids:
            ids.append(dep_id)
    return ids


def summary(parsed: Parsed) -> dict[str, Any]:
    """What a dry run reports."""
    return {
        "valid": parsed.error_count == 0,
        "rowCount": len(parsed.rows),
        "errorCount": parsed.error_count,
        "errors": parsed.errors,
        "preview": parsed.rows[:PREVIEW_ROWS],
    }


@query(args={"programId": v.id("programs"), "csv": v.string()})
def preview_requirements_import(ctx: QueryCtx, programId: str, csv: str) -> Any:
    """Dry run: `{valid, rowCount, errorCount, errors: [{row, column, message}], preview}`."""
    _, program = get_program_for_member(ctx, programId)
    return summary(parse_requirements(ctx, program, csv))


@mutation(args={"programId": v.id("programs"), "csv": v.string()})
def import_requirements(ctx: MutationCtx, programId: str, csv: str) -> Any:
    """Create one requirement per row, all or none; returns `{created, refIds}`."""
    member, program = get_program_for_member(ctx, programId, write=True)
    parsed = parse_requirements(ctx, program, csv)
    if parsed.error_count:
        first = parsed.errors[0]
        raise ArgumentError(
            f"the CSV has {parsed.error_count} error(s), the first in row {first['row']}: "
            f"{first['message']}; nothing was imported",
            {"path": "csv", "errorCount": parsed.error_count, "errors": parsed.errors},
        )
    ref_ids = take_ref_ids(ctx, program, len(parsed.rows)) if parsed.rows else []
    deltas: dict[str, int] = {}
    for fields, ref_id in zip(parsed.rows, ref_ids, strict=True):
        merge(deltas, do_create(ctx, member, program, fields, ref_id)[1])
    adjust(ctx, program["orgId"], programId, deltas)
    return {"created": len(ref_ids), "refIds": ref_ids}


@query(args={"programId": v.id("programs"), **FILTERS})
def export_requirements(ctx: QueryCtx, programId: str, **filters: Any) -> Any:
    """The program's requirements (filtered like the list) as `{csv, rowCount}`."""
    _, program = get_program_for_member(ctx, programId)
    reqs = filtered(ctx, program, filters).take(EXPORT_MAX_ROWS + 1)
    if len(reqs) > EXPORT_MAX_ROWS:
        raise ArgumentError(
            f"more than {EXPORT_MAX_ROWS} requirements; export a filtered selection",
            {"path": "programId"},
        )
    codes = {w["_id"]: w["shortCode"] for w in workstreams.of_program(ctx, program)}
    ref_of: dict[str, str] = {r["_id"]: r["refId"] for r in reqs}

    def ref(req_id: str) -> str:
        if req_id not in ref_of:
            ref_of[req_id] = str((ctx.db.get(req_id) or {}).get("refId", ""))
        return ref_of[req_id]

    rows = [
        {
            **r,
            "workstream": codes.get(r.get("workstreamId", "")),
            "dependencies": "; ".join(ref(d) for d in r.get("dependencies") or ()),
        }
        for r in reqs
    ]
    return {"csv": to_csv(REQUIREMENT_COLUMNS, rows), "rowCount": len(rows)}


@query(args={"programId": v.id("programs")})
def export_tasks(ctx: QueryCtx, programId: str) -> Any:
    """The program's tasks as `{csv, rowCount}` (read through the tasks' by_requirement index)."""
    _, program = get_program_for_member(ctx, programId)
    try:
        tasks_query = ctx.db.query("tasks").with_index(
            "by_requirement", lambda q: q.eq("orgId", program["orgId"]).eq("programId", programId)
        )
    except ArgumentError:
        raise ArgumentError(
            "tasks are not available in this deployment yet", {"path": "programId"}
        ) from None
    tasks = tasks_query.take(EXPORT_MAX_ROWS + 1)
    if len(tasks) > EXPORT_MAX_ROWS:
        raise ArgumentError(f"more than {EXPORT_MAX_ROWS} tasks to export", {"path": "programId"})
    codes = {w["_id"]: w["shortCode"] for w in workstreams.of_program(ctx, program)}
    refs: dict[str, str] = {}
    rows = []
    for task in tasks:
        req_id = task.get("requirementId")
        if req_id is not None and req_id not in refs:
            refs[req_id] = (ctx.db.get(req_id) or {}).get("refId", "")
        due = task.get("dueDate")
        rows.append(
            {
                **task,
                "requirement": refs.get(req_id or ""),
                "workstream": codes.get(task.get("workstreamId", "")),
                "dueDate": None
                if due is None
                else datetime.fromtimestamp(due / 1000, UTC).date().isoformat(),
            }
        )
    return {"csv": to_csv(TASK_COLUMNS, rows), "rowCount": len(rows)}
