"""Validators for documents and function arguments, in the style of Convex's `v`.

    from foundry.engine.values import v

    task = v.object({"title": v.string(), "status": v.literal("todo", "done")})
    task.check({"title": "Ship", "status": "todo"})

A validator checks a JSON-like value and raises ArgumentError naming the first bad field's path.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import Any

from foundry.engine.errors import ArgumentError

ID_PATTERN = re.compile(r"^[0-9a-hjkmnp-tv-z]{29}$")


class Validator:
    """Checks one value; `optional` marks object fields that may be absent."""

    optional = False

    def check(self, value: Any, path: str = "value") -> None:
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError

    def _fail(self, value: Any, path: str) -> ArgumentError:
        shown = repr(value)
        if len(shown) > 80:
            shown = shown[:77] + "..."
        return ArgumentError(
            f"{path} must be {self.describe()}, got {shown}",
            {"path": path, "expected": self.describe()},
        )


class _String(Validator):
    def check(self, value: Any, path: str = "value") -> None:
        if not isinstance(value, str):
            raise self._fail(value, path)

    def describe(self) -> str:
        return "a string"


class _Number(Validator):
    def check(self, value: Any, path: str = "value") -> None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self._fail(value, path)
        if isinstance(value, float) and not math.isfinite(value):
            raise self._fail(value, path)

    def describe(self) -> str:
        return "a finite number"


class _Integer(Validator):
    def check(self, value: Any, path: str = "value") -> None:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._fail(value, path)

    def describe(self) -> str:
        return "an integer"


class _Boolean(Validator):
    def check(self, value: Any, path: str = "value") -> None:
        if not isinstance(value, bool):
            raise self._fail(value, path)

    def describe(self) -> str:
        return "a boolean"


class _Null(Validator):
    def check(self, value: Any, path: str = "value") -> None:
        if value is not None:
            raise self._fail(value, path)

    def describe(self) -> str:
        return "null"


class _Any(Validator):
    def check(self, value: Any, path: str = "value") -> None:
        _check_json(value, path)

    def describe(self) -> str:
        return "any JSON value"


class _Literal(Validator):
    def __init__(self, *values: str | int | float | bool | None) -> None:
        if not values:
            raise ValueError("v.literal needs at least one value")
        self.values = values

    def check(self, value: Any, path: str = "value") -> None:
        for allowed in self.values:
            if value == allowed and type(value) is type(allowed):
                return
        raise self._fail(value, path)

    def describe(self) -> str:
        return "one of " + ", ".join(repr(x) for x in self.values)


class _Id(Validator):
    def __init__(self, table: str) -> None:
        self.table = table

    def check(self, value: Any, path: str = "value") -> None:
        if not isinstance(value, str) or not ID_PATTERN.match(value):
            raise self._fail(value, path)

    def describe(self) -> str:
        return f"an id of table {self.table!r}"


class _Optional(Validator):
    optional = True

    def __init__(self, inner: Validator) -> None:
        self.inner = inner

    def check(self, value: Any, path: str = "value") -> None:
        if value is None:
            return
        self.inner.check(value, path)

    def describe(self) -> str:
        return f"{self.inner.describe()} (optional)"


class _Array(Validator):
    def __init__(self, item: Validator, max_length: int | None = None) -> None:
        self.item = item
        self.max_length = max_length

    def check(self, value: Any, path: str = "value") -> None:
        if not isinstance(value, list):
            raise self._fail(value, path)
        if self.max_length is not None and len(value) > self.max_length:
            raise ArgumentError(
                f"{path} has {len(value)} items; at most {self.max_length} are allowed",
                {"path": path, "maxLength": self.max_length},
            )
        for i, item in enumerate(value):
            self.item.check(item, f"{path}[{i}]")

    def describe(self) -> str:
        return f"an array of {self.item.describe()}"


class _Object(Validator):
    def __init__(self, fields: Mapping[str, Validator], *, extra: bool = False) -> None:
        self.fields = dict(fields)
        self.extra = extra

    def check(self, value: Any, path: str = "value") -> None:
        if not isinstance(value, dict):
            raise self._fail(value, path)
        for name, validator in self.fields.items():
            if name in value:
                validator.check(value[name], f"{path}.{name}")
            elif not validator.optional:
                raise ArgumentError(
                    f"{path}.{name} is required", {"path": f"{path}.{name}", "missing": True}
                )
        if not self.extra:
            for name in value:
                if name not in self.fields:
                    raise ArgumentError(
                        f"{path}.{name} is not a known field (expected one of "
                        f"{', '.join(sorted(self.fields)) or 'no fields'})",
                        {"path": f"{path}.{name}", "unexpected": True},
                    )

    def describe(self) -> str:
        return "an object"


class _Record(Validator):
    def __init__(self, value: Validator) -> None:
        self.value = value

    def check(self, value: Any, path: str = "value") -> None:
        if not isinstance(value, dict):
            raise self._fail(value, path)
        for key, item in value.items():
            if not isinstance(key, str):
                raise self._fail(value, path)
            self.value.check(item, f"{path}.{key}")

    def describe(self) -> str:
        return f"an object of {self.value.describe()}"


class _Union(Validator):
    def __init__(self, *members: Validator) -> None:
        if not members:
            raise ValueError("v.union needs at least one member")
        self.members = members
        self.optional = any(m.optional for m in members)

    def check(self, value: Any, path: str = "value") -> None:
        for member in self.members:
            try:
                member.check(value, path)
                return
            except ArgumentError:
                continue
        raise self._fail(value, path)

    def describe(self) -> str:
        return " or ".join(m.describe() for m in self.members)


def _check_json(value: Any, path: str) -> None:
    if value is None or isinstance(value, bool | str):
        return
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            raise ArgumentError(f"{path} must be a finite number", {"path": path})
        return
    if isinstance(value, list):
        for i, item in enumerate(value):
            _check_json(item, f"{path}[{i}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ArgumentError(f"{path} has a non-string key {key!r}", {"path": path})
            _check_json(item, f"{path}.{key}")
        return
    raise ArgumentError(f"{path} is not a JSON value ({type(value).__name__})", {"path": path})


class _Namespace:
    """The `v` namespace: one constructor per kind of validator."""

    def string(self) -> Validator:
        return _String()

    def number(self) -> Validator:
        return _Number()

    def integer(self) -> Validator:
        return _Integer()

    def boolean(self) -> Validator:
        return _Boolean()

    def null(self) -> Validator:
        return _Null()

    def any(self) -> Validator:
        return _Any()

    def literal(self, *values: str | int | float | bool | None) -> Validator:
        return _Literal(*values)

    def id(self, table: str) -> Validator:
        return _Id(table)

    def optional(self, inner: Validator) -> Validator:
        return _Optional(inner)

    def array(self, item: Validator, max_length: int | None = None) -> Validator:
        return _Array(item, max_length)

    def object(self, fields: Mapping[str, Validator], *, extra: bool = False) -> Validator:
        return _Object(fields, extra=extra)

    def record(self, value: Validator) -> Validator:
        return _Record(value)

    def union(self, *members: Validator) -> Validator:
        return _Union(*members)


v = _Namespace()

ArgsValidator = Mapping[str, Validator] | Validator | None
CheckFn = Callable[[Any, str], None]


def args_validator(spec: ArgsValidator) -> Validator:
    """Normalise a function's `args=` declaration into one object validator."""
    if spec is None:
        return _Object({}, extra=True)
    if isinstance(spec, Validator):
        return spec
    return _Object(spec)


def check_json(value: Any, path: str = "value") -> None:
    """Raise ArgumentError unless `value` is plain JSON (dict, list, str, number, bool, None)."""
    _check_json(value, path)
