"""End to end in real headless Chromium: ask, watch the streamed answer, follow a citation, open the map.

Screenshots land in test-artifacts/ for people to look at.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from onboard import api
from onboard.config import Settings
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


def require_chromium() -> None:
    if not Path(CHROMIUM).exists():
        if os.environ.get("ONBOARD_REQUIRE_BROWSER"):
            pytest.fail("chromium is required here (ONBOARD_REQUIRE_BROWSER): apt-get install chromium")
        pytest.skip("Debian chromium is not installed (make test installs it when run as root)")


@contextlib.contextmanager
def serve(home: Path, with_claude: bool) -> Iterator[str]:
    """The real web app (and, with Claude, the local Messages API server) as subprocesses."""
    api_port, app_port = free_port(), free_port()
    env = {**os.environ, "ONBOARD_HOME": str(home)}
    commands = [[sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(app_port),
                 "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"]]
    if with_claude:
        env.update(ANTHROPIC_API_KEY="sk-browser-test", ANTHROPIC_BASE_URL=f"http://127.0.0.1:{api_port}")
        commands.append([sys.executable, "-m", "tests.fakeapi", "--port", str(api_port)])
    processes = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
                 for command in commands]
    try:
        if with_claude:
            wait_for(f"http://127.0.0.1:{api_port}/", processes[1])
        wait_for(f"http://127.0.0.1:{app_port}/_stcore/health", processes[0])
        yield f"http://127.0.0.1:{app_port}"
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)


@pytest.fixture
def served_app(project_index: api.Index):
    require_chromium()
    with serve(project_index.settings.home, with_claude=True) as url:
        yield url


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
        # Clicking a package node opens it: its modules are drawn and the address says where you are.
        page.locator("g.node a[*|href*='focus=onboard%2Fstore']").first.click()  # SVG links are xlink:href
        page.wait_for_url("**focus=onboard%2Fstore**", timeout=60_000)
        expect(page.locator("g.node", has_text="indexer.py").first).to_be_visible(timeout=90_000)
        page.screenshot(path=str(ARTIFACTS / "map-drilled.png"), full_page=True)
        browser.close()


def test_rebuild_from_scratch_twice_in_the_browser(tmp_path: Path, shop_repo: Path) -> None:
    """The server holds chroma open while the Indexes page rebuilds: vectors must survive, and no
    traceback may reach the page (a second rebuild used to show chroma's 'readonly database')."""
    from playwright.sync_api import expect, sync_playwright

    require_chromium()
    settings = Settings.from_env(home=tmp_path / "indexes")
    files = api.index_repo(shop_repo, "shop", settings).files
    ARTIFACTS.mkdir(exist_ok=True)
    with serve(settings.home, with_claude=False) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url + "/?page=chat", wait_until="domcontentloaded")
        chat = page.get_by_placeholder("Ask how this codebase works…")
        chat.wait_for(timeout=90_000)
        chat.fill("How is the cart total computed?")
        chat.press("Enter")
        expect(page.get_by_text("Retrieval-only answer").first).to_be_visible(timeout=120_000)  # chroma now open
        page.goto(url + "/?page=indexes", wait_until="domcontentloaded")
        page.get_by_text("Rebuild from scratch").click(timeout=90_000)
        for attempt in range(2):
            # One more file each time, so this rebuild's message differs from the one still on the page.
            (shop_repo / f"added_{attempt}.py").write_text(f"def added_{attempt}():\n    return {attempt}\n")
            files += 1
            page.get_by_role("button", name="Reindex").click()  # a background job; the page follows it
            expect(page.get_by_text(f"Indexed shop: {files} files")).to_have_count(1, timeout=180_000)
            api.wait_for_vectors("shop", settings)
            index = api.open_index("shop", settings)
            assert index.vectors.count() == index.db.counts()["chunks"] > 0, f"rebuild {attempt + 1}"
        page.screenshot(path=str(ARTIFACTS / "rebuild.png"), full_page=True)
        body = page.inner_text("body")
        assert "Traceback" not in body and "readonly" not in body
        browser.close()


def test_deep_link_survives_reload_and_back(tmp_path: Path, shop_repo: Path) -> None:
    """A shared address opens the source viewer where it points; moving on changes the address, a
    reload stays there and Back returns; `__init__` shows literally."""
    from playwright.sync_api import expect, sync_playwright

    require_chromium()
    settings = Settings.from_env(home=tmp_path / "indexes")
    api.index_repo(shop_repo, "shop", settings, embed=False)
    ARTIFACTS.mkdir(exist_ok=True)
    with serve(settings.home, with_claude=False) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url + "/?page=source&index=shop&path=shop%2Fcart.py&start=9&end=10&symbol=__init__",
                  wait_until="domcontentloaded")
        expect(page.get_by_role("heading", name="shop/cart.py")).to_be_visible(timeout=90_000)
        expect(page.get_by_role("button", name="Cart.__init__ · cart.py:9")).to_be_visible(
            timeout=30_000)
        page.get_by_role("button", name="broken.py").click()
        expect(page.get_by_role("heading", name="shop/broken.py")).to_be_visible(timeout=60_000)
        page.wait_for_url("**path=shop%2Fbroken.py**", timeout=30_000)
        page.reload(wait_until="domcontentloaded")
        expect(page.get_by_role("heading", name="shop/broken.py")).to_be_visible(timeout=90_000)
        expect(page.get_by_role("button", name="Cart.__init__ · cart.py:9")).to_be_visible(
            timeout=30_000)  # the symbol query came back with the address
        expect(page.get_by_role("button", name="__init__.py")).to_be_visible(timeout=30_000)
        page.screenshot(path=str(ARTIFACTS / "deep-link.png"), full_page=True)
        page.go_back(wait_until="domcontentloaded")
        expect(page.get_by_role("heading", name="shop/cart.py")).to_be_visible(timeout=60_000)
        assert "Traceback" not in page.inner_text("body")
        browser.close()
