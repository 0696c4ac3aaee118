"""Sandbox runtimes, by name. Adding one is one module plus one line here."""

from __future__ import annotations

from collections.abc import Callable

from foundry.sandbox.runtimes.base import RuntimeBackend


def _bwrap() -> RuntimeBackend:
    from foundry.sandbox.runtimes.bwrap import BwrapBackend

    return BwrapBackend()


def _docker() -> RuntimeBackend:
    from foundry.sandbox.runtimes.docker import DockerBackend

    return DockerBackend()


def _kubernetes() -> RuntimeBackend:
    from foundry.sandbox.runtimes.kubernetes import KubernetesBackend

    return KubernetesBackend()


BACKENDS: dict[str, Callable[[], RuntimeBackend]] = {
    "bwrap": _bwrap,
    "docker": _docker,
    "kubernetes": _kubernetes,
}
"""Factories of the runtimes this worker can use, by the name `FOUNDRY_SANDBOX_RUNTIME` takes."""


def backend(name: str) -> RuntimeBackend:
    """The runtime backend called `name`."""
    factory = BACKENDS.get(name)
    if factory is None:
        raise ValueError(f"unknown sandbox runtime {name!r}; known: {', '.join(BACKENDS)}")
    return factory()
