"""`foundry bench web`: page render time and how fast a change becomes visible in a real browser.

A backend (seeded with the AcmeCorp demo) and the web process run as their own processes;
Chromium (through Playwright) holds the requirements page open while another client edits a
requirement through the backend's HTTP API. `commit_to_visible_ms` runs from the moment the edit
is sent (so it includes the commit itself) to the moment the browser's DOM shows it.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import orjson

from foundry.app.seed.acme_data import DEMO_LOGIN
from foundry.bench.reactive import _percentiles
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


@contextmanager
def _processes(data_dir: Path) -> Iterator[tuple[str, str]]:
    backend_port, web_port = free_port(), free_port()
    backend = f"http://127.0.0.1:{backend_port}"
    env = {
        **os.environ,
        "FOUNDRY_SEED_DEMO": "1",
        "FOUNDRY_BACKEND_URL": backend,
        "FOUNDRY_INSTANCE_SECRET": "bench-web-instance-secret-0123456789",
    }
    started = []
    try:
        for name, port in (("backend", backend_port), ("web", web_port)):
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
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            started.append(process)
            deadline = time.monotonic() + 90
            while True:
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the {name} process did not start")
                time.sleep(0.1)
        yield backend, f"http://127.0.0.1:{web_port}"
    finally:
        for process in started:
            process.terminate()
            process.wait(30)


def _call(http: httpx.Client, kind: str, path: str, token: str, **args: Any) -> Any:
    response = http.post(
        f"/api/{kind}",
        json={"path": path, "args": args},
        headers={"Authorization": f"Bearer {token}"},
    )
    body = response.json()
    if body.get("status") != "success":
        raise RuntimeError(f"{path}: {body.get('errorMessage')}")
    return body["value"]


def _large_program(http: httpx.Client, token: str, org_id: str, count: int) -> str:
    """A second program holding `count` requirements, imported through the CSV import."""
    program_id: str = _call(
        http,
        "mutation",
        "programs:create",
        token,
        orgId=org_id,
        name="Large Program",
        clientName="Bench",
        slug="large",
    )
    for start in range(0, count, 2000):
        rows = io.StringIO()
        writer = csv.writer(rows)
        writer.writerow(["title", "priority", "fitGap", "status"])
        for n in range(start, min(start + 2000, count)):
            writer.writerow(
                [f"Bench requirement {n}", ("must_have", "should_have")[n % 2], "config", "draft"]
            )
        _call(
            http,
            "mutation",
            "csv_io:import_requirements",
            token,
            programId=program_id,
            csv=rows.getvalue(),
        )
    return program_id


def _render_ms(web: str, cookies: dict[str, str], path: str, rounds: int) -> dict[str, float]:
    samples = []
    with httpx.Client(base_url=web, cookies=cookies, timeout=30) as http:
        for _ in range(rounds):
            start = time.perf_counter()
            response = http.get(path)
            response.raise_for_status()
            samples.append((time.perf_counter() - start) * 1000)
    return _percentiles(samples)


WATCH = """([text]) => {
  window.__visibleAt = null;
  const region = document.querySelector('[data-region="requirements-table"]');
  const seen = () => region.textContent.includes(text);
  new MutationObserver((_, observer) => {
    if (seen()) { observer.disconnect(); window.__visibleAt = Date.now(); }
  }).observe(region, {childList: true, subtree: true, characterData: true});
}"""


def run(quick: bool) -> dict[str, Any]:
    """Measure and return the figures."""
    from playwright.sync_api import sync_playwright

    rounds = 10 if quick else 50
    large = 600 if quick else 10_000
    with (
        tempfile.TemporaryDirectory(prefix="foundry-bench-web-") as tmp,
        _processes(Path(tmp)) as (backend, web),
    ):
        with httpx.Client(base_url=backend, timeout=120) as http:
            tokens = http.post(
                "/auth/login",
                json={"email": DEMO_LOGIN["email"], "password": DEMO_LOGIN["password"]},
            ).json()
            token, org_id = tokens["accessToken"], tokens["orgId"]
            _large_program(http, token, org_id, large - 118)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            context = browser.new_context()
            page = context.new_page()
            page.goto(web + "/login")
            page.fill("input[name=email]", DEMO_LOGIN["email"])
            page.fill("input[name=password]", DEMO_LOGIN["password"])
            page.click("button[type=submit]")
            page.wait_for_url(web + "/")
            cookies = {c["name"]: c["value"] for c in context.cookies()}
            filtered = "/p/{slug}/requirements?status=draft&priority=must_have"
            result: dict[str, Any] = {
                "render_ms": {
                    "118": _render_ms(
                        web, cookies, filtered.format(slug="acmecorp-migration"), rounds
                    ),
                    str(large): _render_ms(web, cookies, filtered.format(slug="large"), rounds),
                }
            }
            page.goto(web + filtered.format(slug="acmecorp-migration"))
            first_id = page.locator(
                "[data-region=requirements-table] tbody tr"
            ).first.get_attribute("id")
            with httpx.Client(base_url=backend, timeout=30) as http:
                listed = _call(
                    http,
                    "query",
                    "programs:get_by_slug",
                    token,
                    orgId=org_id,
                    slug="acmecorp-migration",
                )
                page_rows = _call(
                    http,
                    "query",
                    "requirements:list",
                    token,
                    programId=listed["_id"],
                    status="draft",
                    priority="must_have",
                    numItems=1,
                )
                target = page_rows["page"][0]["_id"]
                samples = []
                for r in range(rounds):
                    text = f"Edited for the benchmark, round {r}"
                    page.evaluate(WATCH, [text])
                    sent_ms = time.time() * 1000
                    _call(
                        http,
                        "mutation",
                        "requirements:update",
                        token,
                        requirementId=target,
                        title=text,
                    )
                    deadline = time.monotonic() + 10
                    visible_ms = None
                    while visible_ms is None and time.monotonic() < deadline:
                        visible_ms = page.evaluate("() => window.__visibleAt")
                        if visible_ms is None:
                            page.wait_for_timeout(2)  # polls the test browser, not the app
                    if visible_ms is None:
                        raise RuntimeError("the edit never became visible")
                    samples.append(max(0.0, visible_ms - sent_ms))
            result["commit_to_visible_ms"] = _percentiles(samples)
            result["row"] = first_id
            browser.close()
    return result


def main(argv: list[str]) -> int:
    """Entry point of `foundry bench web`."""
    parser = argparse.ArgumentParser(prog="foundry bench web", description=__doc__)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--quick", action="store_true", help="a small run (for smoke tests)")
    args = parser.parse_args(argv)
    result = run(args.quick)
    if args.json:
        print(orjson.dumps(result, option=orjson.OPT_INDENT_2).decode())
        return 0
    print("web benchmark (server render of the filtered requirements page, then commit → visible)")
    for size, figures in result["render_ms"].items():
        print(
            f"  render, program of {size:>6} requirements: "
            f"p50 {figures['p50']:7.2f} ms  p99 {figures['p99']:7.2f} ms"
        )
    c = result["commit_to_visible_ms"]
    print(f"  commit → visible in another browser: p50 {c['p50']:.1f} ms  p99 {c['p99']:.1f} ms")
    return 0
