"""People and history: a real git repository with several authors, a CODEOWNERS file, a rename and a
deleted file, indexed for real; incremental reads of new commits, rewritten history, no git at all,
repository config that would run commands, and "who to ask" in the source viewer, the CLI, the
retrieval-only answer and Claude's `owners` tool (through the local Messages API server)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from onboard import api
from onboard.answer import Limits
from onboard.cli import app as cli
from onboard.config import Settings
from onboard.errors import PathOutsideRepo
from tests.conftest import ROOT
from tests.fakeapi import Scripted

CODEOWNERS = "# who reviews what\n* @acme/everyone\n/src/auth/ @acme/security alice@example.com\n*.md @acme/docs\n"
ALICE, BOB, CAROL = ("Alice", "alice@example.com"), ("Bob", "bob@example.com"), ("Carol", "carol@example.com")


def git(repo: Path, *args: str, author: tuple[str, str] = ("Nobody", "nobody@example.com"),
        date: str = "2025-01-01T12:00:00Z") -> str:
    """Run git in the fixture repository as ``author`` at ``date`` (author and committer alike)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_AUTHOR_NAME=author[0], GIT_AUTHOR_EMAIL=author[1], GIT_AUTHOR_DATE=date,
               GIT_COMMITTER_NAME=author[0], GIT_COMMITTER_EMAIL=author[1], GIT_COMMITTER_DATE=date,
               GIT_CONFIG_NOSYSTEM="1", HOME=str(repo.parent))
    return subprocess.run(["git", "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main", *args], cwd=repo,
                          env=env, check=True, capture_output=True, text=True).stdout


def commit(repo: Path, author: tuple[str, str], date: str, message: str) -> None:
    git(repo, "add", "-A", author=author, date=date)
    git(repo, "commit", "-q", "-m", message, author=author, date=date)


def lines(count: int, word: str) -> str:
    return "".join(f"{word}_{n} = {n}\n" for n in range(count))


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """Five commits: one older than the 12 months before the newest, a rename, a deletion."""
    repo = tmp_path / "acme"
    (repo / "src" / "app").mkdir(parents=True)
    (repo / "legacy").mkdir()
    git(repo, "init", "-q")
    (repo / "README.md").write_text("# Acme\n\nLogs people in.\n")
    (repo / "src" / "app" / "core.py").write_text(lines(10, "core"))
    (repo / "legacy" / "old.py").write_text(lines(5, "old"))
    commit(repo, ("Olga", "olga@example.com"), "2024-03-01T09:00:00Z", "Start")
    (repo / "src" / "auth").mkdir()
    (repo / ".github").mkdir()
    (repo / ".github" / "CODEOWNERS").write_text(CODEOWNERS)
    (repo / "src" / "auth" / "login.py").write_text(lines(20, "login"))
    (repo / "src" / "auth" / "tokens.py").write_text(lines(5, "token"))
    commit(repo, ALICE, "2025-09-01T09:00:00Z", "Add login")
    with (repo / "src" / "auth" / "login.py").open("a") as f:
        f.write(lines(3, "retry"))
    with (repo / "src" / "app" / "core.py").open("a") as f:
        f.write(lines(2, "more"))
    commit(repo, BOB, "2025-10-01T09:00:00Z", "Retry logins")
    git(repo, "mv", "src/auth/login.py", "src/auth/session.py")
    with (repo / "src" / "auth" / "session.py").open("a") as f:
        f.write("SESSION = True\n")
    commit(repo, BOB, "2025-11-01T09:00:00Z", "Rename login to session")
    (repo / "src" / "auth" / "tokens.py").unlink()
    commit(repo, CAROL, "2025-12-01T09:00:00Z", "Remove tokens")
    return repo


@pytest.fixture
def acme(repo: Path, settings: Settings) -> api.Index:
    report = api.index_repo(repo, "acme", settings, embed=False)
    assert report.history == 4  # the start lies beyond the 12 months before the newest commit
    return api.open_index("acme", settings)


def test_authors_churn_and_last_change_follow_renames(acme: api.Index) -> None:
    assert api.has_history(acme)
    session = api.people(acme, "src/auth/session.py")  # login.py's history counts for its new name
    assert [(p.name, p.email, p.lines_changed, p.commits, p.last_change) for p in session] == [
        ("Alice", "alice@example.com", 20, 1, "2025-09-01"), ("Bob", "bob@example.com", 4, 2, "2025-11-01")]
    auth = api.ownership(acme, "src/auth/")  # the deleted tokens.py counts for its package
    assert [(p.name, p.lines_changed) for p in auth.authors] == [("Alice", 25), ("Carol", 5), ("Bob", 4)]
    assert (auth.churn, auth.commits, auth.last_change) == (34, 4, "2025-12-01")
    assert api.people(acme, "legacy") == []  # nobody touched it in the last 12 months ...
    assert api.ownership(acme, "legacy/old.py").last_change == "2024-03-01"  # ... but its last change is known
    whole = api.ownership(acme, "")
    assert whole.commits == 4 and whole.last_change == "2025-12-01" and len(whole.authors) == 3

    recent = api.recent_changes(acme, limit=2)
    assert [(c.date, c.author, c.subject, c.files) for c in recent] == [
        ("2025-12-01", "Carol", "Remove tokens", ("src/auth/tokens.py",)),
        ("2025-11-01", "Bob", "Rename login to session", ("src/auth/session.py",))]
    assert len(api.recent_changes(acme)) == 4
    with pytest.raises(PathOutsideRepo):
        api.people(acme, "../outside")


def test_codeowners_last_matching_rule_wins(acme: api.Index) -> None:
    assert api.ownership(acme, "src/auth/session.py").owners == ("@acme/security", "alice@example.com")
    assert api.ownership(acme, "README.md").owners == ("@acme/docs",)
    assert api.ownership(acme, "src/app").owners == ("@acme/everyone",)
    assert api.ownership(acme, "src/auth/tokens.py").owners == ("@acme/security", "alice@example.com")  # deleted
    line = api.ownership(acme, "src/auth/session.py").line()
    assert line.startswith("owners @acme/security, alice@example.com · most changes in 12 months: "
                           "Alice <alice@example.com> (20 lines, 1 commit)") and line.endswith("last change 2025-11-01")


def test_reindex_reads_only_new_commits_and_rereads_rewritten_history(repo: Path, acme: api.Index,
                                                                      settings: Settings) -> None:
    assert api.reindex("acme", settings, embed=False).history == 0  # HEAD has not moved: no commit read
    with (repo / "src" / "app" / "core.py").open("a") as f:
        f.write(lines(4, "dave"))
    commit(repo, ("Dave", "dave@example.com"), "2026-01-15T09:00:00Z", "Tune core")
    git(repo, "mv", "src/app/core.py", "src/app/engine.py")
    commit(repo, ("Erin", "erin@example.com"), "2026-02-01T09:00:00Z", "Core becomes engine")
    assert api.reindex("acme", settings, embed=False).history == 2  # just the two new commits
    index = api.open_index("acme", settings)
    engine = {p.name: p.lines_changed for p in api.people(index, "src/app/engine.py")}
    assert engine == {"Bob": 2, "Dave": 4, "Erin": 0}  # stored rows of core.py followed the new rename
    assert api.people(index, "src/app/core.py") == []

    git(repo, "commit", "-q", "--amend", "--reset-author", "-m", "Rename core to engine",
        author=("Erin", "erin@example.com"), date="2026-09-15T09:00:00Z")
    report = api.reindex("acme", settings, embed=False)
    assert report.history == 5  # the stored head is gone from history: the 12 months are read again
    index = api.open_index("acme", settings)
    subjects = [c.subject for c in api.recent_changes(index)]
    assert subjects[0] == "Rename core to engine" and "Core becomes engine" not in subjects
    assert "Add login" not in subjects  # the window moved: Alice's commit is now more than 12 months old


def test_a_folder_of_a_checkout_has_its_own_history(repo: Path, settings: Settings) -> None:
    assert api.index_repo(repo / "src", "src", settings, embed=False).history == 4  # all four touch src/
    index = api.open_index("src", settings)
    assert [(p.name, p.lines_changed) for p in api.people(index, "auth/session.py")] == [("Alice", 20), ("Bob", 4)]
    assert api.ownership(index, "app/core.py").last_change == "2025-10-01"
    assert api.ownership(index, "auth").owners == ()  # CODEOWNERS lies outside the indexed folder: not read


def test_no_git_means_no_history_and_no_error(shop_repo: Path, settings: Settings) -> None:
    (shop_repo / "CODEOWNERS").write_text("shop/payments/ @payments\n")
    report = api.index_repo(shop_repo, "shop", settings, embed=False)
    index = api.open_index("shop", settings)
    assert report.history is None and not api.has_history(index)
    assert api.people(index, "shop") == [] and api.recent_changes(index) == []
    gateway = api.ownership(index, "shop/payments/gateway.py")  # CODEOWNERS needs no git
    assert gateway.owners == ("@payments",) and gateway.authors == () and gateway.last_change is None
    assert not api.ownership(index, "shop/cart.py").known


def test_history_goes_when_git_goes(repo: Path, acme: api.Index, settings: Settings) -> None:
    shutil.rmtree(repo / ".git")
    assert api.reindex("acme", settings, embed=False).history is None
    index = api.open_index("acme", settings)
    assert not api.has_history(index) and api.people(index, "") == [] and api.recent_changes(index) == []
    assert api.ownership(index, "src/auth/session.py").owners == ("@acme/security", "alice@example.com")


def signed(repo: Path) -> None:
    """Give HEAD a (fake) PGP signature, so `log.showSignature` makes a plain `git log` run gpg.program."""
    text = git(repo, "cat-file", "commit", "HEAD")
    header, _, message = text.partition("\n\n")
    signature = "gpgsig -----BEGIN PGP SIGNATURE-----\n \n iQ==\n -----END PGP SIGNATURE-----"
    sha = subprocess.run(["git", "hash-object", "-t", "commit", "-w", "--stdin"], cwd=repo, check=True,
                         input=f"{header}\n{signature}\n\n{message}", capture_output=True, text=True).stdout.strip()
    git(repo, "update-ref", "HEAD", sha)


def test_repository_config_never_runs_commands(repo: Path, settings: Settings) -> None:
    """Signature checks (which plain `git log` would run here), fsmonitor, external diff and textconv
    that the repository's config asks for stay unrun."""
    marker = repo.parent / "ran"
    program = repo.parent / "evil.sh"
    program.write_text(f"#!/bin/sh\ntouch {marker}-$1\n")
    program.chmod(0o755)
    signed(repo)
    (repo / ".gitattributes").write_text("*.py diff=evil\n")
    with (repo / ".git" / "config").open("a") as f:
        f.write(f'[core]\n\tfsmonitor = "{program} fsmonitor"\n[diff]\n\texternal = "{program} external"\n'
                f'[diff "evil"]\n\ttextconv = "{program} textconv"\n[log]\n\tshowSignature = true\n'
                f'[gpg]\n\tprogram = {program}\n')
    git(repo, "log", "-1", "--format=%H")  # the trap works: a plain git log runs the "gpg" program
    assert list(repo.parent.glob("ran*"))
    for ran in repo.parent.glob("ran*"):
        ran.unlink()
    report = api.index_repo(repo, "acme", settings, embed=False)
    assert report.history == 4 and api.recent_changes(api.open_index("acme", settings))[0].subject == "Remove tokens"
    assert not list(repo.parent.glob("ran*"))


def test_who_to_ask_in_the_source_viewer(acme: api.Index, settings: Settings,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ONBOARD_HOME", str(settings.home))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for key, value in {"page": "source", "index": "acme", "path": "src/auth/session.py", "start": "1"}.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception and not at.error
    shown = [re.sub(r"\\(.)", r"\1", c.value) for c in at.caption if "Who to ask" in c.value]
    assert shown == ["**Who to ask:** owners @acme/security, alice@example.com · most changes in 12 months: "
                     "Alice <alice@example.com> (20 lines, 1 commit), Bob <bob@example.com> (4 lines, 2 commits) · "
                     "last change 2025-11-01"]


def test_who_command(acme: api.Index, settings: Settings) -> None:
    result = CliRunner().invoke(cli, ["who", "acme", "src/auth", "--home", str(settings.home)])
    assert result.exit_code == 0, result.output
    assert "owners (CODEOWNERS): @acme/security, alice@example.com" in result.output
    assert "last change 2025-12-01; last 12 months: 34 lines changed in 4 commits" in result.output
    assert re.search(r"Alice\s+│ alice@example.com\s+│ 25\s+│ 1\s+│ 2025-09-01", result.output)
    assert "Remove tokens" in result.output
    refused = CliRunner().invoke(cli, ["who", "acme", "../x", "--home", str(settings.home)])
    assert refused.exit_code == 1 and "Traceback" not in refused.output


def test_retrieval_only_answer_says_who_to_ask(acme: api.Index) -> None:
    answer = api.ask(acme, "Who knows src/auth/session.py best?")
    assert "**Who to ask** about `src/auth/`: `owners @acme/security, alice@example.com · most changes in 12 " \
           "months: Alice <alice@example.com> (25 lines, 1 commit)" in answer.text
    assert "Who to ask" not in api.ask(acme, "How does src/auth/session.py keep a session?").text


def test_claude_asks_the_owners_tool(acme: api.Index, settings: Settings, fake_anthropic) -> None:
    fake_anthropic.state.script = [
        Scripted("", [("owners", {"path": "src/auth"}), ("owners", {"path": "../etc"}),
                      ("owners", {"path": "src/auth/session.py"})]),
        Scripted("Ask the security team or Alice."),
    ]
    claude = Settings.from_env(home=settings.home, api_key="sk-test-key", base_url=fake_anthropic.url,
                               model="claude-sonnet-test")
    steps: list[api.Step] = []
    answer = api.Conversation(acme, claude, limits=Limits()).ask("Who owns the auth module?", on_step=steps.append)
    assert answer.error is None and answer.text == "Ask the security team or Alice."
    assert [(s.text, s.error) for s in steps][0::2] == [("owners of src/auth → 3 authors", False),
                                                         ("owners of src/auth/session.py → 2 authors", False)]
    assert steps[1].error
    sent = [block for block in fake_anthropic.state.requests[1]["body"]["messages"][-1]["content"]
            if block.get("type") == "tool_result"]
    assert "CODEOWNERS names @acme/security, alice@example.com." in sent[0]["content"]
    assert "- Alice <alice@example.com>: 25 lines, 1 commit, last 2025-09-01" in sent[0]["content"]
    assert sent[1]["is_error"] and "outside the repository" in sent[1]["content"]
