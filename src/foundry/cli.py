"""The `foundry` command: start one process, all four (`dev`), or a benchmark.

Heavy imports happen inside each command, so `foundry version` and `--help` stay instant.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import cast

import foundry
from foundry.config import DEFAULT_PORTS as PORTS

DEFAULT_HOST = "127.0.0.1"
DEFAULT_DATA_DIR = Path(".foundry")

# Benchmark name -> module exposing `main(argv: list[str]) -> int`.
BENCHMARKS = {
    "reactive": "foundry.bench.reactive",
    "domain": "foundry.bench.domain",
    "web": "foundry.bench.web",
    "agent": "foundry.bench.agent",
    "sandbox": "foundry.bench.sandbox",
}

Serve = Callable[[str, int, Path], None]


def main(argv: list[str] | None = None) -> int:
    """Parse `argv` (default: the command line), run the command and return its exit status."""
    args = _parser().parse_args(argv)
    handler = cast(Callable[[argparse.Namespace], int], args.handler)
    try:
        return handler(args)
    except KeyboardInterrupt:
        return 130  # Ctrl-C before the command installed its own handling


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="foundry", description="Foundry: an open agentic delivery platform."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="command")

    dev = commands.add_parser("dev", help="run all four processes on this machine")
    _add_common(dev)
    for name, port in PORTS.items():
        dev.add_argument(
            f"--{name}-port", type=int, default=port, help=f"{name} port (default {port})"
        )
    dev.set_defaults(handler=_run_dev)

    helps = {
        "backend": "the reactive backend: database, functions, subscriptions",
        "agent": "the agent service: AI inference",
        "sandbox": "the sandbox worker: isolated coding sessions",
        "web": "the web interface",
    }
    for name, port in PORTS.items():
        sub = commands.add_parser(name, help=f"run {helps[name]}")
        _add_common(sub)
        sub.add_argument("--port", type=int, default=port, help=f"port (default {port})")
        sub.set_defaults(handler=_run_process)

    bench = commands.add_parser("bench", help="run a benchmark and print its numbers")
    bench.add_argument("name", help=f"one of: {', '.join(BENCHMARKS)}")
    bench.add_argument("args", nargs=argparse.REMAINDER, help="passed on to the benchmark")
    bench.set_defaults(handler=_run_bench)

    seed = commands.add_parser("seed", help="load demo data into the database")
    seed.add_argument("dataset", choices=["demo"], help="demo: the AcmeCorp organisation")
    seed.add_argument(
        "--data-dir", type=Path, default=DEFAULT_DATA_DIR, help="where the database lives"
    )
    seed.set_defaults(handler=_run_seed)

    version = commands.add_parser("version", help="print the version")
    version.set_defaults(handler=_print_version)
    return parser


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--host", default=DEFAULT_HOST, help=f"address to listen on (default {DEFAULT_HOST})"
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=DEFAULT_DATA_DIR,
        help="where databases, files, logs and secrets live (default ./.foundry)",
    )


def _run_dev(args: argparse.Namespace) -> int:
    from foundry.dev import DevConfig, run

    ports = {name: int(getattr(args, f"{name}_port")) for name in PORTS}
    return run(DevConfig(data_dir=args.data_dir.resolve(), host=args.host, ports=ports))


def _run_process(args: argparse.Namespace) -> int:
    serve = _load_serve(args.command)
    serve(args.host, args.port, args.data_dir.resolve())
    return 0


def _load_serve(command: str) -> Serve:
    if command == "backend":
        from foundry.app.server import serve as backend_serve

        return backend_serve
    if command == "agent":
        from foundry.agent.app import serve as agent_serve

        return agent_serve
    if command == "sandbox":
        from foundry.sandbox.app import serve as sandbox_serve

        return sandbox_serve
    from foundry.web.app import serve as web_serve

    return web_serve


def _run_seed(args: argparse.Namespace) -> int:
    from foundry.app.seed.cli import seed_command

    return seed_command(args.data_dir.resolve())


def _run_bench(args: argparse.Namespace) -> int:
    module_name = BENCHMARKS.get(args.name)
    if module_name is None:
        print(
            f"foundry bench: unknown benchmark {args.name!r}; known: {', '.join(BENCHMARKS)}",
            file=sys.stderr,
        )
        return 2
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        print(
            f"foundry bench: cannot load the {args.name!r} benchmark ({module_name}): {exc}",
            file=sys.stderr,
        )
        return 2
    bench_main = getattr(module, "main", None)
    if not callable(bench_main):
        print(f"foundry bench: {module_name} has no main(argv) function", file=sys.stderr)
        return 2
    return cast(Callable[[list[str]], int], bench_main)(list(args.args))


def _print_version(args: argparse.Namespace) -> int:
    print(f"foundry {foundry.__version__}")
    return 0
