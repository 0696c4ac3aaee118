"""A page whose tab the server forgot (web process restarted, or offline too long) catches up in
place: no reload, typed input kept, and the changes made meanwhile appear."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from foundry.engine.testing import free_port
from tests.web.conftest import Stack, _wait_healthy, screenshot, sign_in
from tests.web.test_workstreams import SLUG, backend

pytestmark = pytest.mark.browser


class WebProcess:
    """A web process of its own, on a fixed port, that the test can restart."""

    def __init__(self, stack: Stack, data_dir: Path) -> None:
        self.stack, self.data_dir, self.port = stack, data_dir, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {
            **os.environ,
            "FOUNDRY_INSTANCE_SECRET": "web-tests-instance-secret-0123456789",
            "FOUNDRY_BACKEND_URL": self.stack.backend_url,
        }
        command = [sys.executable, "-m", "foundry", "web", "--port", str(self.port)]
        self.process = subprocess.Popen(
            [*command, "--data-dir", str(self.data_dir)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_healthy(self.url, self.process, "web")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(10)


@pytest.fixture
def web(stack: Stack, tmp_path: Path) -> Iterator[WebProcess]:
    process = WebProcess(stack, tmp_path)
    process.start()
    try:
        yield process
    finally:
        process.stop()


def test_page_catches_up_in_place_after_the_web_process_restarts(
    browser: Browser, stack: Stack, web: WebProcess
) -> None:
    context = browser.new_context()
    try:
        page = sign_in(context, Stack(web.url, stack.backend_url, stack.data_dir))
        page.goto(f"{web.url}/p/{SLUG}/risks")
        old_tab = page.evaluate("document.body.dataset.tab")
        page.evaluate("window.notReloaded = true")
        page.get_by_role("textbox", name="Title").fill("a draft the user is still typing")

        web.stop()
        expect(page.locator("#connection-banner")).to_be_visible(timeout=10_000)
        title = f"Raised while the page was away {secrets.token_hex(3)}"
        client, program = backend(stack)
        with client:
            client.mutation(
                "risks:create",
                {
                    "programId": program["_id"],
                    "title": title,
                    "severity": "high",
                    "probability": "likely",
                },
            )
        web.start()

        expect(page.get_by_role("heading", name=title)).to_be_visible(timeout=15_000)
        expect(page.locator("#connection-banner")).to_be_hidden(timeout=10_000)
        assert page.evaluate("window.notReloaded") is True
        assert page.evaluate("document.body.dataset.tab") != old_tab
        expect(page.get_by_role("textbox", name="Title")).to_have_value(
            "a draft the user is still typing"
        )
        screenshot(page, "catch-up")

        # The new tab is live: a later change arrives through it without a reload.
        later = f"Raised after catching up {secrets.token_hex(3)}"
        client, program = backend(stack)
        with client:
            client.mutation(
                "risks:create",
                {
                    "programId": program["_id"],
                    "title": later,
                    "severity": "low",
                    "probability": "likely",
                },
            )
        expect(page.get_by_role("heading", name=later)).to_be_visible(timeout=10_000)
        assert page.evaluate("window.notReloaded") is True
    finally:
        context.close()
