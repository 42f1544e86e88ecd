"""Planted secrets in realistic files never persist: not in SQLite, its WAL, chroma, a packed prompt
or a request to Claude; and the code around them survives redaction whole.

The corpus (tests/fixtures/secrets) holds random fake secrets in the file types real repositories
have: YAML, INI, .properties, XML, Dockerfile, shell, kubeconfig, Python, JS, Go, Java, Ruby, PHP,
JSON, Markdown, PEM and PuTTY keys, Rust, C#, a C header and Docker's config.json. ``planted.tsv``
lists them (``file<TAB>secret``, and for two lines of one key block, or two halves of one string, the
name of what they make up, so that it counts once); it is no part of the indexed copy.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from onboard import api
from onboard.config import Settings
from onboard.scan import redact, scan_repo

CORPUS = Path(__file__).parent / "fixtures" / "secrets"
MANIFEST = CORPUS / "planted.tsv"
MIN_PLANTED = 60
PARTIAL = 10  # a secret this long or longer must not leak by its head or tail either

QUESTIONS = [
    "What is the database password in config/settings.yaml?",
    "Which GitHub token does deploy/deploy.sh export, and how does env.sh set the OpenAI key?",
    "How does the web client authenticate to the GitHub API, and which maps API key does it use?",
    "Show the deploy SSH private key and the PuTTY key from docs/ssh-access.md.",
    "What are the kubeconfig client-key-data and token for the ci-bot user?",
    "Which Stripe, Twilio and SendGrid keys does the billing service use?",
]


def manifest() -> list[tuple[str, str, str]]:
    """(file, secret, the secret's name: its key block's, else itself)."""
    rows = [line.split("\t") for line in MANIFEST.read_text().splitlines() if line and not line.startswith("#")]
    return [(row[0], row[1], row[2] if len(row) > 2 else row[1]) for row in rows]


def planted() -> list[tuple[str, str]]:
    return [(path, secret) for path, secret, _ in manifest()]


def corpus_files() -> list[str]:
    return sorted(str(p.relative_to(CORPUS)) for p in CORPUS.rglob("*") if p.is_file() and p != MANIFEST)


def leaks(secret: str, data: bytes) -> bool:
    """The secret is in ``data``, or a long one's part: ``PARTIAL`` characters from inside each half
    (not its ends, which a format shares: ``sk-proj-``, base64 of ``-----BEGIN``)."""
    pieces = [secret]
    if len(secret) >= 2 * PARTIAL:
        pieces += [secret[at - PARTIAL // 2:at + PARTIAL // 2] for at in (len(secret) // 4, 3 * len(secret) // 4)]
    return any(piece.encode() in data for piece in pieces)


@pytest.fixture(scope="module")
def corpus_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[api.Index, Settings]]:
    """The corpus, less its manifest, indexed once with embeddings."""
    base = tmp_path_factory.mktemp("secrets")
    repo = base / "repo"
    shutil.copytree(CORPUS, repo, ignore=shutil.ignore_patterns(MANIFEST.name))
    settings = Settings.from_env(home=base / "home")
    api.index_repo(repo, "sec", settings)
    index = api.open_index("sec", settings)
    yield index, settings
    index.close()


def test_the_corpus_plants_enough_secrets_in_files_the_scanner_reads() -> None:
    indexed = {f.path for f in scan_repo(CORPUS).files}
    assert MANIFEST.name not in indexed
    for path, secret in planted():
        assert secret in (CORPUS / path).read_text(), (path, secret)
    assert len({name for path, _, name in manifest() if path in indexed}) >= MIN_PLANTED


@pytest.mark.parametrize("path", corpus_files())
def test_redaction_removes_every_planted_secret_and_keeps_every_line(path: str) -> None:
    text = (CORPUS / path).read_text()
    redacted, count = redact(text)
    assert [s for p, s in planted() if p == path and leaks(s, redacted.encode())] == []
    assert redacted.count("\n") == text.count("\n")
    assert count == redacted.count("[REDACTED:")


def test_no_planted_secret_is_stored_anywhere_under_the_index_home(corpus_index: tuple[api.Index, Settings]) -> None:
    """Every byte of every file: SQLite, its WAL and journal, chroma's segments, whatever else is there."""
    index, settings = corpus_index
    assert index.db.counts()["chunks"] > 0 and index.vectors.ids()
    stored = [(p, p.read_bytes()) for p in settings.home.rglob("*") if p.is_file()]
    assert any(p.name.endswith(".sqlite3") or p.suffix == ".db" for p, _ in stored)
    found = [(str(p.relative_to(settings.home)), s) for p, data in stored for _, s in planted() if leaks(s, data)]
    assert found == []


def test_no_planted_secret_is_packed_or_sent_to_claude(corpus_index: tuple[api.Index, Settings],
                                                       fake_anthropic) -> None:
    index, settings = corpus_index
    claude = Settings.from_env(home=settings.home, api_key="sk-test-key", base_url=fake_anthropic.url,
                               model="claude-test")
    secrets = [secret for _, secret in planted()]
    for question in QUESTIONS:
        packed = api.retrieve(index, question)
        offline = api.ask(index, question, settings=settings)
        online = api.ask(index, question, settings=claude)
        assert online.error is None
        texts = (packed.stable_text(), packed.documents_text(), offline.text, online.text)
        assert "[REDACTED:" in packed.documents_text() + packed.stable_text()
        assert [s for s in secrets if any(leaks(s, t.encode()) for t in texts)] == []
    sent = json.dumps([r["body"] for r in fake_anthropic.state.requests]).encode()
    assert [s for s in secrets if leaks(s, sent)] == []


def test_the_code_around_secrets_survives(corpus_index: tuple[api.Index, Settings]) -> None:
    index, _ = corpus_index
    for path in (f.path for f in index.db.files()):
        original = (CORPUS / path).read_text()
        assert index.db.file_text(path).count("\n") == original.count("\n"), path
    # a string literal holding a BEGIN marker with no END line swallows nothing after it
    keys = {f.path: f for f in index.db.files()}["tests/keys_check.py"]
    assert not keys.had_errors
    assert {s.name for s in index.db.symbols("tests/keys_check.py") if s.kind == "function"} == {
        "test_truncated_key_is_refused", "test_complete_key_loads", "test_marker_only_is_refused",
        "test_empty_is_refused", "test_key_fingerprint_is_stable"}
    assert 'MARKER_ONLY = "-----BEGIN EC PRIVATE KEY-----\\n"' in index.db.file_text("tests/keys_check.py")
    # names, keys and references stay; only values go
    kept = {
        "app/settings.py": ['READ_ONLY_PASSWORD = os.environ["READ_ONLY_PASSWORD"]', "def database_url() -> str:",
                            'PaymentsClient(api_key="[REDACTED:', 'f"postgres://billing:{password}@pg.internal'],
        "web/client.js": ["password: form.password", "export function login(form)"],
        "cmd/server/main.go": ['"host=db user=app password="+password+" dbname=app"', "func main()"],
        ".github/workflows/ci.yml": ["DB_PASSWORD: ${{ secrets.DB_PASSWORD }}",
                                     "docker login -u ci -p [REDACTED:", "docker run -d -p 8080:80 "],
        "config/settings.yaml": ["password: [REDACTED:", "password_min_length: 12",
                                 "secret_name: billing-db-credentials"],
        "deploy/kubeconfig.yaml": ["client-key-data: [REDACTED:", "client-certificate-data: LS0t"],
        "src/main/webapp/WEB-INF/web.xml": ["<param-value>inventory@example.org</param-value>"],
        "app/integrations.py": ['auth=("billing", "[REDACTED:', 'LEDGER_WEBHOOK_SECRET = (\n    "[REDACTED:',
                                'password == os.environ.get("LEDGER_PASSWORD", "")', "def verify(body: bytes"],
        "scripts/backup.sh": ["mysqldump -u backup -p[REDACTED:", "-u uploader:[REDACTED:",
                              "sshpass -p '[REDACTED:cli-password]' scp -P 2222 "],
        "Dockerfile": ["RUN htpasswd -Bbn metrics [REDACTED:cli-password] > /srv/app/.htpasswd"],
    }
    for path, snippets in kept.items():
        text = index.db.file_text(path)
        assert [s for s in snippets if s not in text] == [], path
