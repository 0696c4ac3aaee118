"""Declaring functions and finding them by path.

    @query(args={"channel": v.string()})
    def list(ctx: QueryCtx, channel: str) -> list[dict]:
        by_channel = lambda q: q.eq("channel", channel)
        return ctx.db.query("messages").with_index("by_channel", by_channel).collect()

A function defined in module `messages` is addressed as `"messages:list"`. Queries and mutations
are plain (synchronous) functions: they only touch the database, so they never wait on outside
I/O. Actions are `async def` and may call anything.
"""

from __future__ import annotations

import enum
import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, overload

from foundry.engine.errors import NotFoundError, SchemaError
from foundry.engine.values import ArgsValidator, Validator, args_validator

RESERVED_ROUTES = ("/api/sync", "/api/query", "/api/mutation", "/api/action", "/health")


class FunctionKind(enum.Enum):
    """What a function may do: read (query), read and write (mutation), or anything (action)."""

    QUERY = "query"
    MUTATION = "mutation"
    ACTION = "action"


@dataclass
class Function:
    """A registered function: its kind, argument validator, visibility and body."""

    kind: FunctionKind
    handler: Callable[..., Any]
    args: Validator
    internal: bool
    path: str = ""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.handler(*args, **kwargs)


class _Declare:
    """A decorator for one kind of function: `@query`, or `@query(args={...})`."""

    def __init__(self, kind: FunctionKind, internal: bool) -> None:
        self.kind = kind
        self.internal = internal

    @overload
    def __call__(self, handler: Callable[..., Any]) -> Function: ...

    @overload
    def __call__(
        self, *, args: ArgsValidator = None
    ) -> Callable[[Callable[..., Any]], Function]: ...

    def __call__(
        self, handler: Callable[..., Any] | None = None, *, args: ArgsValidator = None
    ) -> Function | Callable[[Callable[..., Any]], Function]:
        def wrap(fn: Callable[..., Any]) -> Function:
            return Function(self.kind, fn, args_validator(args), self.internal)

        return wrap(handler) if handler is not None else wrap


query = _Declare(FunctionKind.QUERY, internal=False)
mutation = _Declare(FunctionKind.MUTATION, internal=False)
action = _Declare(FunctionKind.ACTION, internal=False)
internal_query = _Declare(FunctionKind.QUERY, internal=True)
internal_mutation = _Declare(FunctionKind.MUTATION, internal=True)
internal_action = _Declare(FunctionKind.ACTION, internal=True)


@dataclass(frozen=True)
class HttpRoute:
    """An HTTP action served on the backend's port."""

    path: str
    method: str
    handler: Callable[..., Any]
    prefix: bool = False


class HttpRouter:
    """Collects HTTP actions: `http.route("/webhook", "POST", handler)`."""

    def __init__(self) -> None:
        self.routes: list[HttpRoute] = []

    def route(
        self, path: str, method: str, handler: Callable[..., Any], *, prefix: bool = False
    ) -> None:
        """Serve `handler(ctx, request) -> Response` for `method` on `path` (or under it)."""
        if not path.startswith("/"):
            raise SchemaError(f"HTTP route {path!r} must start with '/'")
        self.routes.append(HttpRoute(path, method.upper(), handler, prefix))


@dataclass(frozen=True)
class CronJob:
    """A function run on a schedule: every `interval_s`, or per a cron expression (UTC)."""

    name: str
    function: str
    args: dict[str, Any]
    interval_s: float | None = None
    cron: str | None = None


@dataclass
class Crons:
    """Collects cron jobs declared in code."""

    jobs: list[CronJob] = field(default_factory=list)

    def _add(self, job: CronJob) -> None:
        if any(j.name == job.name for j in self.jobs):
            raise SchemaError(f"cron job {job.name!r} is declared twice")
        self.jobs.append(job)

    def interval(
        self,
        name: str,
        function: str,
        args: dict[str, Any] | None = None,
        *,
        seconds: float = 0,
        minutes: float = 0,
        hours: float = 0,
    ) -> None:
        """Run `function` every so many seconds, minutes or hours."""
        total = seconds + 60 * minutes + 3600 * hours
        if total <= 0:
            raise SchemaError(f"cron job {name!r} needs a positive interval")
        self._add(CronJob(name, function, args or {}, interval_s=total))

    def daily(
        self,
        name: str,
        function: str,
        args: dict[str, Any] | None = None,
        *,
        hour_utc: int,
        minute_utc: int = 0,
    ) -> None:
        """Run `function` once a day at the given UTC time."""
        self._add(CronJob(name, function, args or {}, cron=f"{minute_utc} {hour_utc} * * *"))

    def cron(
        self, name: str, expression: str, function: str, args: dict[str, Any] | None = None
    ) -> None:
        """Run `function` per a five-field cron expression, in UTC."""
        from croniter import croniter

        if not croniter.is_valid(expression):
            raise SchemaError(f"cron job {name!r}: {expression!r} is not a valid cron expression")
        self._add(CronJob(name, function, args or {}, cron=expression))


@dataclass(frozen=True)
class ConnectionHooks:
    """Internal mutations the engine runs around client connections.

    `on_disconnect(sessionId=…)` runs when a sync socket closes; `on_start()` runs once when this
    replica becomes the committer, so state derived from live connections starts clean.
    """

    on_disconnect: str | None = None
    on_start: str | None = None


class Registry:
    """Every function, HTTP route, cron job and connection hook of a deployment."""

    def __init__(self) -> None:
        self.functions: dict[str, Function] = {}
        self.routes: list[HttpRoute] = []
        self.crons: list[CronJob] = []
        self.connection_hooks: list[ConnectionHooks] = []

    def add_module(self, name: str, module: ModuleType | object) -> None:
        """Register the functions, `HttpRouter`s and `Crons` found in `module` under `name`."""
        for attr, value in vars(module).items():
            if isinstance(value, Function):
                path = f"{name}:{attr}"
                value.path = path
                self.functions[path] = value
            elif isinstance(value, HttpRouter):
                for route in value.routes:
                    self._add_route(route)
            elif isinstance(value, ConnectionHooks):
                self.connection_hooks.append(value)
            elif isinstance(value, Crons):
                for job in value.jobs:
                    if any(j.name == job.name for j in self.crons):
                        raise SchemaError(f"cron job {job.name!r} is declared twice")
                    self.crons.append(job)

    def _add_route(self, route: HttpRoute) -> None:
        for reserved in RESERVED_ROUTES:
            if route.path == reserved or route.path.startswith(reserved + "/"):
                raise SchemaError(
                    f"HTTP route {route.path!r} collides with the reserved {reserved!r}"
                )
        for existing in self.routes:
            if existing.path == route.path and existing.method == route.method:
                raise SchemaError(f"HTTP route {route.method} {route.path} is declared twice")
        self.routes.append(route)

    def add_package(self, package: str) -> None:
        """Register every module of `package`, named by its path inside the package."""
        root = importlib.import_module(package)
        for info in pkgutil.walk_packages(root.__path__, prefix=package + "."):
            module = importlib.import_module(info.name)
            self.add_module(info.name.removeprefix(package + ".").replace(".", "/"), module)

    def get(self, path: str, *, public_only: bool) -> Function:
        """The function at `path`; internal ones only when `public_only` is false."""
        fn = self.functions.get(path) if isinstance(path, str) else None
        if fn is None or (public_only and fn.internal):
            raise NotFoundError(
                f"Could not find public function for {path!r}. Check the module and function "
                "name (functions are addressed as 'module:function').",
                {"path": path},
            )
        return fn

    def validate(self) -> None:
        """Check cron jobs point at existing functions."""
        for job in self.crons:
            if job.function not in self.functions:
                raise SchemaError(f"cron job {job.name!r} calls unknown function {job.function!r}")
        for hooks in self.connection_hooks:
            for path in (hooks.on_disconnect, hooks.on_start):
                if path is not None and path not in self.functions:
                    raise SchemaError(f"connection hook calls unknown function {path!r}")
