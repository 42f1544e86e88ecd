"""Secrets never reach the index or the model, and line numbers survive redaction."""

from __future__ import annotations

import pytest

from onboard.scan import is_secret_file, redact

FAKE_AWS = "AKIAIOSFODNN7EXAMPLE"
FAKE_GITHUB = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
FAKE_ANTHROPIC = "sk-ant-api03-" + "Zz9Yy8Xx7Ww6Vv5Uu4Tt3Ss2Rr1Qq0Pp"


@pytest.mark.parametrize("line", [
    f'aws_key = "{FAKE_AWS}"',
    f"token = '{FAKE_GITHUB}'",
    f"ANTHROPIC = '{FAKE_ANTHROPIC}'",
    'DATABASE_URL = "postgres://admin:hunter2hunter2@db.internal:5432/app"',
    'api_key = "Zx8vQ2mN4pL7rT9wK3yB6cH1"',
    "jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U'",
])
def test_secret_strings_are_redacted(line: str) -> None:
    text, count = redact(f"before = 1\n{line}\nafter = 2\n")
    assert count >= 1
    assert "[REDACTED:" in text
    for secret in (FAKE_AWS, FAKE_GITHUB, FAKE_ANTHROPIC, "hunter2hunter2", "Zx8vQ2mN4pL7rT9wK3yB6cH1", "dozjgNry"):
        assert secret not in text
    assert text.startswith("before = 1\n") and text.endswith("after = 2\n")


def test_private_key_block_keeps_line_count() -> None:
    source = "a = 1\n-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\nqwerty\n-----END RSA PRIVATE KEY-----\nb = 2\n"
    text, count = redact(source)
    assert count == 1
    assert "MIIEow" not in text and "qwerty" not in text
    assert text.count("\n") == source.count("\n")
    assert text.split("\n")[5] == "b = 2"


@pytest.mark.parametrize("line", [
    'password = request.form["password"]',
    "def check_password(self, password: str) -> bool:",
    'TOKEN_HEADER = "Authorization"',
    "verify_ssl_certificates_for_every_request_in_session = True",
    'url = "https://example.com/path"',
])
def test_ordinary_code_is_left_alone(line: str) -> None:
    assert redact(line) == (line, 0)


@pytest.mark.parametrize(("path", "secret"), [
    (".env", True), ("config/.env.production", True), (".env.example", False), ("certs/server.pem", True),
    ("keys/id_ed25519", True), ("home/.netrc", True), ("src/env.py", False), ("docs/keys.md", False),
])
def test_secret_files(path: str, secret: bool) -> None:
    assert is_secret_file(path) is secret
