"""Scale-out: index into and answer from a real `chroma run` server on loopback."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from onboard import api
from onboard.config import Settings
from onboard.errors import OnboardError
from tests.conftest import free_port


@pytest.fixture
def chroma_server(tmp_path: Path):
    port = free_port()
    chroma = Path(sys.executable).parent / "chroma"
    process = subprocess.Popen([str(chroma), "run", "--path", str(tmp_path / "chroma-data"), "--host", "127.0.0.1",
                                "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.3)
    else:
        process.kill()
        pytest.fail("chroma run did not start: " + process.stdout.read().decode(errors="replace")[-2000:])
    yield port
    process.terminate()
    process.wait(timeout=30)


def test_index_into_and_answer_from_a_chroma_server(shop_repo: Path, tmp_path: Path, chroma_server: int) -> None:
    settings = Settings.from_env(home=tmp_path / "indexes", chroma_host="127.0.0.1", chroma_port=chroma_server)
    report = api.index_repo(shop_repo, "shop", settings, background=True)
    assert report.worker  # the background worker writes to the server too
    api.wait_for_vectors("shop", settings)
    assert not (settings.index_dir("shop") / "chroma").exists()  # vectors live on the server only
    index = api.open_index("shop", settings)
    assert index.vectors.count() == report.chunks
    answer = api.ask(index, "Which function charges the card?", budget=3000, settings=settings)
    assert answer.mode == "retrieval-only"
    assert "shop/payments/gateway.py" in answer.packed.paths()
    assert any("similar in meaning" in r for ranked in answer.packed.ranked for r in ranked.reasons)
    api.remove_index("shop", settings)
    with pytest.raises(Exception):
        index.vectors.client.get_collection("onboard_shop")


def test_unreachable_server_is_a_clear_error(shop_repo: Path, tmp_path: Path) -> None:
    settings = Settings.from_env(home=tmp_path / "indexes", chroma_host="127.0.0.1", chroma_port=free_port())
    with pytest.raises(OnboardError, match="Cannot reach the chroma server"):
        api.index_repo(shop_repo, "shop", settings)
