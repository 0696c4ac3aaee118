"""Every public function refuses callers from another organisation and anonymous callers.

The test walks the function registry, so a function added later without the access check fails
here. Arguments are synthesised from each function's validator, with every id pointing at a real
document of the victim organisation where one exists.
"""

from __future__ import annotations

from typing import Any

import pytest

from foundry.app.model.access import NOT_FOUND
from foundry.engine.errors import AuthRequired, EngineError, NotFoundError
from foundry.engine.functions import Function, FunctionKind
from foundry.engine.ids import new_id
from foundry.engine.transaction import Transaction
from foundry.engine.values import (
    Validator,
    _Any,
    _Array,
    _Boolean,
    _Id,
    _Integer,
    _Literal,
    _Null,
    _Number,
    _Object,
    _Optional,
    _Record,
    _String,
    _Union,
)
from tests.app.conftest import app_registry
from tests.app.harness import Actor, Harness

# Functions that must work without an identity, or before the caller belongs to an organisation.
ALLOWLIST: set[str] = {
    "accounts/orgs:create",  # any signed-in user may start an organisation
    "accounts/orgs:list_mine",  # answers with the caller's own organisations only
    "accounts/users:me",  # the caller's own account
    "accounts/users:store",  # records the caller from their own token
    "accounts/api_tokens:list",  # the caller's own tokens only
    "accounts/invitations:preview",  # the link's holder only; unknown tokens are not found
}

REFUSALS = (AuthRequired, NotFoundError)


def sample(
    validator: Validator, ids: dict[str, str], numbers: dict[str, int], path: str = ""
) -> Any:
    """A value that passes `validator`, preferring ids of the victim's documents."""
    if isinstance(validator, _Optional):
        return sample(validator.inner, ids, numbers, path)
    if isinstance(validator, _Id):
        return ids.get(validator.table) or new_id(numbers.get(validator.table, 1), 0)
    if isinstance(validator, _String):
        return "x"
    if isinstance(validator, _Integer | _Number):
        return 1
    if isinstance(validator, _Boolean):
        return True
    if isinstance(validator, _Null):
        return None
    if isinstance(validator, _Literal):
        return validator.values[0]
    if isinstance(validator, _Array):
        return [sample(validator.item, ids, numbers, path)]
    if isinstance(validator, _Record):
        return {}
    if isinstance(validator, _Union):
        return sample(validator.members[0], ids, numbers, path)
    if isinstance(validator, _Object):
        return {
            name: sample(field, ids, numbers, f"{path}.{name}")
            for name, field in validator.fields.items()
        }
    if isinstance(validator, _Any):
        return {}
    raise AssertionError(f"no sample for {validator!r} at {path}")


async def _victim(app: Harness) -> tuple[Actor, dict[str, str]]:
    """An organisation with one document in as many tables as the seed functions can fill."""
    owner = await app.user("victor")
    org_id = await app.org("Victim", {"victor": (owner, "admin")})
    program_id = await owner.mutation(
        "programs:create", orgId=org_id, name="Victim", clientName="V"
    )
    await owner.mutation("team:add", programId=program_id, userId=owner.user_id, role="director")

    def first_ids(tx: Transaction) -> dict[str, str]:
        from foundry.engine.query import Query

        found = {}
        for table in tx.schema.tables:
            if table.startswith("_"):
                continue
            doc = Query(tx, table).full_scan().first()
            if doc is not None:
                found[table] = doc["_id"]
        return found

    ids: dict[str, str] = await app.deployment.read(first_ids)
    return owner, ids


@pytest.mark.parametrize("who", ["outsider", "anonymous"])
async def test_every_public_function_refuses_strangers(app: Harness, who: str) -> None:
    _owner, ids = await _victim(app)
    if who == "outsider":
        caller = await app.user("mallory")
        await app.org("Elsewhere", {"mallory": (caller, "admin")})
    else:
        caller = app.anonymous()
    numbers = app.deployment.table_numbers
    checked = []
    leaks = []
    for path, fn in sorted(app_registry().functions.items()):
        if fn.internal or path in ALLOWLIST or path.startswith(("server:", "schema:")):
            continue
        args = sample(fn.args, ids, numbers) if isinstance(fn.args, _Object) else {}
        error = await _call(app, caller, fn, path, args)
        checked.append(path)
        if not isinstance(error, REFUSALS):
            leaks.append((path, error))
        elif isinstance(error, NotFoundError) and error.message != NOT_FOUND:
            leaks.append((path, error.message))  # the refusal itself must say nothing
    assert not leaks, f"{who} was not refused by: {leaks}"
    assert len(checked) >= 8


async def _call(app: Harness, caller: Actor, fn: Function, path: str, args: dict[str, Any]) -> Any:
    dep = app.deployment
    try:
        if fn.kind is FunctionKind.QUERY:
            run = await dep.run_query(path, args, caller.identity)
            return run.outcome.error or run.outcome.value
        if fn.kind is FunctionKind.MUTATION:
            outcome, _ = await dep.run_mutation(path, args, caller.identity)
        else:
            outcome = await dep.run_action(path, args, caller.identity)
        return outcome.error or outcome.value
    except EngineError as error:
        return error


def test_allowlisted_functions_exist() -> None:
    functions = app_registry().functions
    assert all(name in functions for name in ALLOWLIST), "remove stale names from ALLOWLIST"
