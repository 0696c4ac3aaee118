"""Browser tests: the backend and the web process run as real processes; Chromium drives them."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from foundry.app.seed.acme_data import DEMO_LOGIN
from foundry.engine.testing import free_port

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


@dataclass
class Stack:
    """A running backend and web process."""

    web_url: str
    backend_url: str
    data_dir: Path


def _wait_healthy(url: str, process: subprocess.Popen[bytes], name: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the {name} process exited during start-up")
        try:
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the {name} process did not become healthy")


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The demo-seeded backend and the web process, for the whole session."""
    data_dir = tmp_path_factory.mktemp("web-stack")
    backend_port, web_port = free_port(), free_port()
    backend_url = f"http://127.0.0.1:{backend_port}"
    env = {
        **os.environ,
        "FOUNDRY_SEED_DEMO": "1",
        "FOUNDRY_INSTANCE_SECRET": "web-tests-instance-secret-0123456789",
        "FOUNDRY_BACKEND_URL": backend_url,
    }
    processes = []
    try:
        for name, port in (("backend", backend_port), ("web", web_port)):
            log = open(data_dir / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "foundry",
                    name,
                    "--port",
                    str(port),
                    "--data-dir",
                    str(data_dir),
                ],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            processes.append((process, log))
            _wait_healthy(f"http://127.0.0.1:{port}", process, name)
        yield Stack(f"http://127.0.0.1:{web_port}", backend_url, data_dir)
    finally:
        for process, log in processes:
            process.terminate()
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
            log.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium through Playwright."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def sign_in(
    context: BrowserContext,
    stack: Stack,
    email: str = DEMO_LOGIN["email"],
    password: str = DEMO_LOGIN["password"],
) -> Page:
    """A page of `context`, signed in and on the programs list."""
    page = context.new_page()
    page.goto(stack.web_url + "/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(stack.web_url + "/")
    return page


@pytest.fixture
def demo(browser: Browser, stack: Stack) -> Iterator[Page]:
    """The demo user, signed in, in a fresh browser context."""
    context = browser.new_context()
    try:
        yield sign_in(context, stack)
    finally:
        context.close()


def screenshot(page: Page, name: str) -> None:
    """Save a screenshot of the page among the test run's artifacts."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
