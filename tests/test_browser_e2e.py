"""End to end in real headless Chromium: ask, watch the streamed answer, follow a citation, open the map.

Screenshots land in test-artifacts/ for people to look at.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from onboard import api
from tests.conftest import ROOT, free_port

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = pytest.mark.browser


def wait_for(url: str, process: subprocess.Popen, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args} exited: {process.stdout.read().decode(errors='replace')[-2000:]}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.5)
    raise TimeoutError(url)


@pytest.fixture
def served_app(project_index: api.Index):
    if not Path(CHROMIUM).exists():
        if os.environ.get("ONBOARD_REQUIRE_BROWSER"):
            pytest.fail("chromium is required here (ONBOARD_REQUIRE_BROWSER): apt-get install chromium")
        pytest.skip("Debian chromium is not installed (make test installs it when run as root)")
    api_port, app_port = free_port(), free_port()
    env = {**os.environ, "ONBOARD_HOME": str(project_index.settings.home), "ANTHROPIC_API_KEY": "sk-browser-test",
           "ANTHROPIC_BASE_URL": f"http://127.0.0.1:{api_port}"}
    processes = [
        subprocess.Popen([sys.executable, "-m", "tests.fakeapi", "--port", str(api_port)], cwd=ROOT, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT),
        subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port",
                          str(app_port), "--server.address", "127.0.0.1", "--server.headless", "true",
                          "--browser.gatherUsageStats", "false"], cwd=ROOT, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT),
    ]
    try:
        wait_for(f"http://127.0.0.1:{api_port}/", processes[0])
        wait_for(f"http://127.0.0.1:{app_port}/_stcore/health", processes[1])
        yield f"http://127.0.0.1:{app_port}"
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)


def test_ask_follow_citation_and_open_map(served_app: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.goto(served_app, wait_until="domcontentloaded")
        chat = page.get_by_placeholder("Ask how this codebase works…")
        chat.wait_for(timeout=90_000)
        chat.fill("How does the indexer recover from a crash?")
        chat.press("Enter")
        answer = page.get_by_text("The behaviour lives in")
        answer.wait_for(timeout=120_000)
        link = page.locator("a[href*='page=source']").first
        expect(link).to_be_visible(timeout=30_000)
        page.screenshot(path=str(ARTIFACTS / "chat.png"), full_page=True)
        cited = link.inner_text()
        path = cited.split(":")[0]

        href = link.get_attribute("href")
        source = context.new_page()
        source.goto(served_app + "/" + href.lstrip("/"), wait_until="domcontentloaded")
        expect(source.get_by_role("heading", name=path)).to_be_visible(timeout=60_000)
        expect(source.locator(".onboard-source")).to_be_visible(timeout=30_000)
        source.screenshot(path=str(ARTIFACTS / "source.png"), full_page=True)

        page.goto(served_app + "/?page=map", wait_until="domcontentloaded")
        svg = page.locator("svg").filter(has=page.locator("g.node")).first
        expect(svg).to_be_visible(timeout=90_000)
        assert page.locator("g.node").count() > 3
        page.screenshot(path=str(ARTIFACTS / "map.png"), full_page=True)
        browser.close()
