"""Redaction skips token patterns by their needles and runs (``onboard/scan/regex_needles.py``): the skip
must never drop a match, so every case here compares against running every token pattern on every line."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from onboard.scan import redact
from onboard.scan.regex_needles import ASCII_FOLDS, fold, min_run, needles
from onboard.scan.secrets import (_ARGUMENT_RULES, _RUN_TABLE, _TOKEN_CHARS, AWS_ID_KIND, _candidate_lines,
                                  _possible_tokens, _token_findings, _token_patterns, _token_span)

HEX64 = "0123456789abcdef" * 4
GITHUB = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
KEY_BODY = "MIIEowIBAAKCAQEA1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8s9t0u1v2w3x4y5z6"

TRICKY = {
    "token split over two string literals": f'token = ("{GITHUB[:20]}"\n    "{GITHUB[20:]}")\n',
    "token at the very start and end of lines": f"{GITHUB}\nAKIAIOSFODNN7EXAMPLE\nx = 1 AKC{'a1' * 8}\n",
    "artifactory after ^ and before $": f"AKC{'b2' * 8}\nAP{'1' * 10}\n",
    "high-entropy strings in quotes": f"""a = "{HEX64}"\nb = '{HEX64[:40]}'\nc = `{'Zx8vQ2mN4pL7rT9wK3yB6cH1'}`\n""",
    "cloudant key, ASCII and with a LONG S that IGNORECASE matches to s (str.lower() does not)":
        f'cloudant_key = "{HEX64}"\ncloudant_pa\u017f\u017f = "{HEX64}"\nCLOUDANT_PASSWORD: {HEX64}\n',
    "softlayer and ibm keys in several spellings":
        f'sl_api_key = {HEX64}\nSOFTLAYER-TOKEN => "{HEX64}"\nibm_cloud_iam_api_key: "{"a1" * 22}"\n',
    "aws secret in a JSON line": f'{{"aws_secret_key": "{"A1b2C3d4E5" * 4}"}}\n',
    "private key block in a Python string":
        f'KEY = """-----BEGIN RSA PRIVATE KEY-----\n{KEY_BODY}\n{KEY_BODY}\n-----END RSA PRIVATE KEY-----"""\n',
    "private key marker and material on one JSON line":
        f'{{"key": "-----BEGIN PRIVATE KEY-----\\n{KEY_BODY}\\n-----END PRIVATE KEY-----\\n"}}\n',
    "URL passwords": "DB = 'postgres://admin:hunter2hunter2@db.internal:5432/app'\nredis://:Zq8w7e6r5t@cache:6379\n",
    "keyword assignments in several languages": (
        'password = "Zx8vQ2mN4pL7"\n'  # Python
        'const apiKey = "Zx8vQ2mN4pL7rT9w";\n'  # JavaScript
        'String secret = "Qw3rTy8uIo9p";\n'  # Java
        'db_password: "s3cr3t-Pa55w0rd"\n'  # YAML
        '$token = "a9f8e7d6c5b4a3f2";\n'  # PHP
        'export SECRET_KEY=Zx8vQ2mN4pL7rT9w\n'  # shell
        '<add key="DbPassword" value="Zx8vQ2mN4pL7"/>\n'  # .NET config
        'contraseña = "Zx8vQ2mN4pL7"\n'  # non-ASCII line
    ),
    "tokens of every extra format": (
        f"sk-ant-api03-{'Zz9Yy8Xx7W' * 3}\nAIza{'Sy1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7'[:35]}\n"
        f"github_pat_{'11ABCDEFG0' * 3}\nnpm_{'a1B2c3D4e5' * 3}a1B2c3\nhf_{'abcdefghij' * 3}abcd\n"
        f"xoxb-{'1234567890'}-{'a1b2c3d4e5f6'}\n"
    ),
    "JWT and Stripe and Slack webhook": (
        "jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U'\n"
        f"sk_live_{'a1B2c3D4e5F6g7H8i9J0k1L2'}\n"
        f"https://hooks.slack.com/services/T{'0A1B2C3D4'}/B{'0A1B2C3D4'}/{'a1b2c3d4e5f6g7h8i9j0k1l2'}\n"
    ),
    "discord and telegram and twilio": (
        f"M{'TAx' * 8}.{'Ab1_cd'}.{'x9' * 13}y\n12345678:{'A1b2C3d4E5' * 3}xyzab\nAC{'a1b2c3d4' * 4}\n"
    ),
    "tokens with no digit, or short ones, which a run of 16 holding a digit missed": (
        "AC" + "qwzkhrtpmvbnxjlc" * 2 + "\nartifactory: AKCpWbQzxTymZ\nx AP" + "Bqwertyuio\n"
        "1234567890:" + "AAHfkqwLrtxmZbvNcpo" * 2 + "\nM" + "TAxOTgzNzQaBcDeFgHiJkLmN" + ".GhIjKl." + "aBcD" * 7 + "\n"
        "xoxb-123-ab4c\nSLACK=xoxb-1-" + "abcdefghij\nxapp-1-abcdefghij\n"
        'cloudant_password = "qwhzmkrtplbvnxjdcfgsyaeu"\neyJa.b\nghp_' + "abcdefghij" * 3 + "abcdef\n"
        "https://user:" + "qwhzmkrtplbvnxjdcfgsyaeu" + "@acct.cloudant.com\n"
    ),
    "folded patterns on lines that are not ASCII": (
        "XOXB-123-AB4C \u00e9t\u00e9\nClouda\u0131nt\nCLOUDANT_PA\u017f\u017f = " + "qwhzmkrtplbvnxjdcfg\u017fyaeu" + "\n"
    ),
}

UNREDACTED = ("high-entropy strings in quotes",)


def ungated_token_findings(text: str) -> list[tuple[str, int, int, int]]:
    """The token stage without any filter: every pattern on every line."""
    return [(kind, number, *_token_span(match)) for number, line in enumerate(text.split("\n"))
            for kind, pattern in _token_patterns() for match in pattern.finditer(line)]


def gated_token_findings(text: str) -> list[tuple[str, int, int, int]]:
    lines = text.split("\n")
    candidates = _candidate_lines(text)[0]
    rules = _possible_tokens(lines, candidates) if candidates else []
    return [finding for number in sorted(candidates)
            for finding in _token_findings(lines, number, candidates[number], rules)]


@pytest.mark.parametrize("case", sorted(TRICKY))
def test_needles_keep_every_token_finding(case: str) -> None:
    text = TRICKY[case]
    expected = ungated_token_findings(text)
    assert gated_token_findings(text) == expected


def test_tricky_cases_find_what_they_plant() -> None:
    """The cases above exercise the patterns they name (a case that matched nothing would prove nothing)."""
    kinds = {kind for text in TRICKY.values() for kind, *_ in ungated_token_findings(text)}
    letterless = ungated_token_findings(TRICKY["tokens with no digit, or short ones, which a run of 16 holding a digit missed"])
    assert {number for _, number, *_ in letterless} == set(range(12))  # one or more on each line
    assert {kind for kind, *_ in ungated_token_findings(TRICKY["folded patterns on lines that are not ASCII"])} == {
        "slack-token", "cloudant-credentials"}
    assert {"github-token", "aws-access-key", "artifactory-credentials", "cloudant-credentials",
            "softlayer-credentials", "ibm-cloud-iam-key", "json-web-token", "stripe-access-key", "slack-token",
            "discord-bot-token", "telegram-bot-token", "twilio-api-key", "anthropic-key", "google-api-key",
            "npm-tokens", "huggingface-token"} <= kinds
    long_s = TRICKY["cloudant key, ASCII and with a LONG S that IGNORECASE matches to s (str.lower() does not)"]
    assert ("cloudant-credentials", 1) in {(kind, number) for kind, number, *_ in ungated_token_findings(long_s)}
    # No rule redacts this one (a nameless string is no token format): it is here to show the needles change
    # nothing there either. The token split over two literals goes as a whole, as its name's value.
    planted = [text for case, text in TRICKY.items() if case not in UNREDACTED]
    for text in planted:
        redacted, count = redact(text)
        assert count >= 1 and redacted.count("\n") == text.count("\n")
    for secret in (HEX64, KEY_BODY, "hunter2hunter2", "Zq8w7e6r5t", "Zx8vQ2mN4pL7", "Qw3rTy8uIo9p", GITHUB):
        assert all(secret not in redact(text)[0] for text in planted), secret


def test_every_match_of_an_argument_rule_holds_one_of_its_hints() -> None:
    """An argument rule runs only on lines whose lowercased bytes hold one of its hints: a set of the needles of
    its pattern, or of its scope (a line with a finding holds a match of both), each holding a hint proves that it
    misses none (and for a pattern that ignores case, hints without the letters some non-ASCII character matches,
    which ``bytes.lower`` would not fold)."""
    for rule in _ARGUMENT_RULES:
        hints = [hint.decode() for hint in rule.hints]
        held = []
        for pattern in (rule.pattern, rule.scope) if rule.scope else (rule.pattern,):
            found = needles(pattern)
            held.append(any(all(any(hint in needle.lower() for hint in hints) for needle in any_of)
                            for any_of in found.all_of)
                        and not (found.folded and any(letter in hint for hint in hints
                                                      for letter in ASCII_FOLDS.values())))
        assert any(held), rule


def test_aws_secret_keys_are_looked_for_near_a_token_finding_of_this_kind() -> None:
    assert AWS_ID_KIND in {kind for kind, _ in _token_patterns()}


# Pieces of the patterns' needles and of what they match, so random texts come near to matching often.
PIECES = st.sampled_from([
    "ghp_", "gho_", "glpat-", "AKIA", "ASIA", "AKC", "AP1", "AC", "SK", "sk-", "sk_live_", "rk_live_", "xox", "xoxb-",
    "xapp-1-", "eyJ", "SG.", "AIza", "hf_", "npm_", "T3BlbkFJ", "cloudant", "cl_", "sl_", "softlayer", "ibm_", "aws_",
    "key", "KEY", "pass", "PaSs", "pwd", "token", "secret", "api_", "=", ":", " = ", "=> ", '"', "'", ".", "-us1",
    "/:_authToken=", "https://", "hooks.slack.com/services/", ".cloudant.com", "@", "\n", " ", "\u017f", "\u212a",
    "\u00e9", "0123456789", "abcdef0123456789", "A1b2C3d4E5", "a1B2c3D4e5F6g7H8i9J0k1L2", "ZZZZZZZZZZ",
    "zzzzzzzzzz", "-", "_", "qwertyuiopasdfgh", "1234567890:", "M", "N", "xoxb-1-", "xapp-1-", "glpat-", "ab4c", "\u0130", "\u0131"])


@settings(max_examples=300, deadline=None)
@given(pieces=st.lists(PIECES, max_size=60))
def test_needles_keep_every_token_finding_in_random_texts(pieces: list[str]) -> None:
    text = "".join(pieces)
    assert gated_token_findings(text) == ungated_token_findings(text)


@pytest.mark.parametrize("rule", range(len(_token_patterns())))
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(data=st.data())
def test_every_match_holds_the_needles(rule: int, data: st.DataObject) -> None:
    """Strings hypothesis builds to match each pattern (any case, any character the class allows) all
    hold that pattern's needles."""
    pattern = _token_patterns()[rule][1]
    text = data.draw(st.from_regex(pattern))
    match = pattern.search(text)
    assert match
    assert needles(pattern).may_match(text, fold(text))
    run = max(map(len, match.group().encode("utf-8", "surrogatepass").translate(_RUN_TABLE).split(b" ")))
    assert run >= min_run(pattern, _TOKEN_CHARS)


def test_ascii_folds_are_every_character_ignorecase_matches_to_an_ascii_letter() -> None:
    """``fold`` relies on the list: ask ``re`` about every code point beyond ASCII, for every letter."""
    beyond = "".join(map(chr, range(128, 0x110000)))
    found = {char: letter.lower() for letter in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
             for char in re.compile(letter, re.IGNORECASE).findall(beyond)}
    assert found == ASCII_FOLDS


@pytest.mark.parametrize(("regex", "run"), [
    (r"AKC[a-zA-Z0-9]{10,}", 13),
    (r"\d{8,10}:[0-9A-Za-z_-]{35}", 35),  # the colon ends a run
    (r"(?:\s|=)ab(?:cd|e)f", 4),  # the shortest branch counts
    (r"ab(?=x)cd\b", 4),  # lookarounds and anchors consume nothing
    (r"ab.{0,3}cdef", 4),  # any character may end a run
    (r"(?i)[a-z]{5}", 5),  # folded: LONG S and KELVIN SIGN count as run characters (non-ASCII)
    (r"[^:]{9}", 0),
])
def test_min_run_of_small_patterns(regex: str, run: int) -> None:
    assert min_run(re.compile(regex), _TOKEN_CHARS) == run


@pytest.mark.parametrize(("regex", "expected"), [
    (r"ab(c|de)+f", [{"ab"}, {"c", "de"}, {"f"}]),
    (r"x(?:y|)z", [{"x"}, {"z"}]),  # an empty alternative requires nothing
    (r"(?i:secret)=\w+", [{"="}]),  # scoped flags: not trusted
    (r"(?=abc)\w+d{0,3}e{2}", [{"e"}]),  # lookarounds and optional repeats hold nothing
])
def test_needles_of_small_patterns(regex: str, expected: list[set[str]]) -> None:
    found = needles(re.compile(regex), strongest=10)
    assert sorted(map(sorted, found.all_of)) == sorted(map(sorted, expected))
    assert not found.folded


def test_ignorecase_needles_are_lowered_and_not_trusted_on_non_ascii() -> None:
    found = needles(re.compile(r"API_KEY=\d+", re.IGNORECASE))
    assert found.folded and found.all_of == (frozenset(["api_key="]),)
    assert found.may_match("Api_Key=1", "api_key=1") and not found.may_match("token=1", "token=1")
    assert found.may_match("api_\u212aey=1", None)  # KELVIN SIGN: the regex matches it, so must the test
    assert found.may_match("api_\u212aey=1", fold("api_\u212aey=1")) and fold("\u0130\u0131\u017f") == "iis"
    long_s = needles(re.compile(r"pass=\d+", re.IGNORECASE))
    assert long_s.may_match("pa\u017f\u017f=1", None) and re.search(r"pass=\d+", "pa\u017f\u017f=1", re.I)
