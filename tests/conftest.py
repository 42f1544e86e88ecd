"""Shared fixtures: real repositories on disk, real indexes (SQLite + chroma), a real Messages API server."""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

import pytest

from onboard import api
from onboard.config import Settings
from tests.fakeapi import FakeAnthropic

# rich wraps tables and messages to the terminal; tests read them whole.
os.environ["COLUMNS"] = "200"

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures" / "repos"


def free_port() -> int:
    """A loopback port nobody listens on right now, for servers the tests start."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(autouse=True)
def _no_ambient_config(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests decide themselves whether a key, a base URL or a chroma server is configured."""
    for name in ("ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "ONBOARD_CHROMA_HOST", "ONBOARD_CHROMA_PORT",
                 "ONBOARD_MODEL", "ONBOARD_HOME"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings.from_env(home=tmp_path / "indexes")


def write_files(root: Path, files: dict[str, str]) -> Path:
    """``files`` ({relative path: text}) written under ``root``, folders made as needed."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


# A TypeScript monorepo as `create-next-app` and npm/yarn workspaces lay one out: packages imported by name, the app's
# own files through tsconfig's `@/*` alias; a test fixture whose package.json is called "react" is no package of it.
MONOREPO = {
    "package.json": '{"name": "acme", "private": true, "workspaces": ["packages/*", "apps/*"]}',
    "tsconfig.base.json": '{\n  // shared options\n  "compilerOptions": {"strict": true, "baseUrl": ".",}\n}\n',
    "packages/ui/package.json": '{"name": "@acme/ui", "main": "dist/index.js", "exports": {".": {"types": '
                                '"./dist/index.d.ts", "import": "./dist/index.js"}, "./button": "./src/button.tsx"}}',
    "packages/ui/src/index.ts": 'export { Button } from "./button";\nexport type { Props } from "./props";\n',
    "packages/ui/src/props.d.ts": "export interface Props {\n  label: string;\n}\n",
    "packages/ui/src/button.tsx": "export function Button() {\n  return null;\n}\n",
    "packages/shared/package.json": '{"name": "@acme/shared", "main": "src/main.ts", '
                                    '"imports": {"#internal/*": "./src/internal/*.ts"}}',
    "packages/shared/src/main.ts": 'export const VERSION = "1";\n',
    "packages/shared/src/format.ts": 'import { pad } from "#internal/pad";\n\n'
                                     "export function format(text: string) {\n  return pad(text);\n}\n",
    "packages/shared/src/internal/pad.ts": "export function pad(text: string) {\n  return text;\n}\n",
    "apps/web/tsconfig.json": '{"extends": "../../tsconfig.base.json", "compilerOptions": {"baseUrl": ".", '
                              '"paths": {"@/*": ["./src/*"]}}}',
    "apps/web/src/app/page.tsx": 'import { Button } from "@acme/ui";\n'
                                 'import { Button as Plain } from "@acme/ui/button";\n'
                                 'import { VERSION } from "@acme/shared";\n'
                                 'import { format } from "@acme/shared/format";\n'
                                 'import { Header } from "@/components/header";\n'
                                 'import React from "react";\n\n'
                                 "export default function Page() {\n  return format(VERSION);\n}\n",
    "apps/web/src/components/header.tsx": "export function Header() {\n  return null;\n}\n",
    "tests/fixtures/react/package.json": '{"name": "react", "main": "index.js"}',
    "tests/fixtures/react/index.js": "module.exports = {};\n",
}


@pytest.fixture
def shop_repo(tmp_path: Path) -> Path:
    """A small Python package (imports, classes, a syntax error), copied so tests may change it."""
    target = tmp_path / "shop"
    shutil.copytree(FIXTURES / "python", target)
    return target


def snapshot_project(target: Path) -> Path:
    """This project's own code and docs: a real repository whose answers we know."""
    target.mkdir(parents=True)
    shutil.copytree(ROOT / "onboard", target / "onboard", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("README.md", "ARCHITECTURE.md", "pyproject.toml"):
        shutil.copy(ROOT / name, target / name)
    return target


@pytest.fixture(scope="session")
def project_index(tmp_path_factory: pytest.TempPathFactory) -> api.Index:
    """This project indexed once per test session, without vectors: embedding its ~1,600 chunks took
    a minute of every run, and the tests on it check lexical, symbol and graph retrieval, packing and
    the pages. Vectors are tested end to end on small repositories (test_chroma_server,
    test_background_embedding, the rebuild tests in test_web and test_browser_e2e)."""
    base = tmp_path_factory.mktemp("project")
    settings = Settings.from_env(home=base / "indexes")
    api.index_repo(snapshot_project(base / "onboard-src"), "onboard", settings, embed=False)
    return api.open_index("onboard", settings)


@pytest.fixture
def fake_anthropic():
    with FakeAnthropic() as server:
        yield server
