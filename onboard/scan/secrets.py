"""Keep secrets away from the index and the model.

Two lines of defence: secret *files* are never read (``is_secret_file``), and secret-looking
*strings* inside ordinary files are replaced before anything is stored, embedded or sent
(``redact``). Only the secret is replaced, never the code around it: names and keys stay, so the
index still reads as code, and every line keeps its number, because answers cite line numbers.

Where the rules come from:

* token formats: every regex detector of `detect-secrets` (AWS, GitHub, GitLab, Slack, Stripe,
  JWT, ...), so that list stays maintained upstream, plus the few formats it lacks, each marked
  with the gitleaks rule it follows;
* secret-sounding names (``password``, ``api_key``, ...): `detect-secrets`' KeywordDetector word
  list, widened with names it misses (``token``, ``signing_key``, ``client-key-data``, ...), and
  its false-positive filters (templated and sequential values);
* written here, because no line-based detector reports the secret itself: private key blocks and
  PuTTY keys (detect-secrets flags only the marker line), a password in a URL (its detector hides
  the whole URL), ``name:``/``value:`` pairs on two lines, Dockerfile ``ENV NAME value``, a value
  wrapped onto the next lines or split over adjacent literals, typed declarations (Rust, Go, C#,
  ``#define``), secrets passed by position (``auth=(user, pw)``, ``jwt.encode``, ``hmac.new``,
  ``curl -u``, ``mysql -p``, ``login(user, pw)``, Docker's ``"auth"``), a command's password flag (``docker login -p``,
  ``sshpass -p``, ``openssl -passin pass:``, ...), and an AWS secret key beside its key id (detect-secrets
  reads it only to verify the id).
"""

from __future__ import annotations

import base64
import binascii
import fnmatch
import importlib
import pkgutil
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import unquote

from onboard.scan.regex_needles import ASCII_FOLDS, Needles, fold, min_run, needles

# detect-secrets loads in a third of a second; `onboard list` scans (``is_secret_file``) but never
# redacts, so its rules are imported on the first redaction (``_secret_name``, ``_heuristics``).

_SECRET_FILE_PATTERNS = (
    ".env", ".env.*", "*.env", "*.pem", "*.key", "*.p12", "*.pfx", "*.jks", "*.keystore", "*.asc",
    "*.ppk", "id_rsa*", "id_dsa*", "id_ecdsa*", "id_ed25519*", ".netrc", "_netrc", ".npmrc", ".pypirc",
    ".htpasswd", "credentials", "credentials.json", "*.credentials.json", "service-account*.json",
    "secrets.yml", "secrets.yaml", "*.tfstate", "*.kdbx", ".git-credentials",
)
_ALLOWED = (".env.example", ".env.sample", ".env.template", ".env.dist")
# The patterns as one compiled expression: the scan asks about every file of a tree, and one match
# costs 1.6 µs where ``fnmatchcase`` tried pattern by pattern (and a PurePosixPath) cost 32 µs.
_SECRET_FILE = re.compile("|".join(fnmatch.translate(pattern) for pattern in _SECRET_FILE_PATTERNS))

# detect-secrets detectors replaced by the context rules below (private keys, URL passwords), or
# that flag data which is no secret (public IP addresses).
_NOISY_DETECTORS = {"IPPublicDetector", "PrivateKeyDetector", "BasicAuthDetector"}

# Token formats detect-secrets 1.5 lacks or finds in one file type only (each after a gitleaks rule).
_EXTRA_TOKENS: tuple[tuple[str, str], ...] = (
    ("anthropic-key", r"sk-ant-[A-Za-z0-9_\-]{20,}"),  # anthropic-api-key
    ("openai-token", r"sk-(?:proj|svcacct|admin)-[A-Za-z0-9_\-]{20,}"),  # openai-api-key, new key shapes
    ("google-api-key", r"AIza[0-9A-Za-z_\-]{35}"),  # gcp-api-key
    ("github-token", r"github_pat_[A-Za-z0-9_]{22,}"),  # github-fine-grained-pat
    ("npm-tokens", r"\bnpm_[A-Za-z0-9]{36}"),  # npm-access-token (detect-secrets: .npmrc lines only)
    ("huggingface-token", r"\bhf_[A-Za-z]{34}"),  # huggingface-access-token
    # slack-*-token, as two patterns: re's parser would factor an alternation to `\bx(?:ox...|app...)`,
    # whose needles ("x", "ox") are found on most lines
    ("slack-token", r"\bxox[abeoprs]-[A-Za-z0-9\-]{10,}"),
    ("slack-token", r"\bxapp-\d-[A-Za-z0-9\-]{10,}"),
)

# Names whose value is a secret: detect-secrets' KeywordDetector list (``api_?key``, ``password``,
# ``secret``, ...) with ``_?`` widened to the separators of YAML, .properties and kubeconfig, plus:
_MORE_KEYWORDS = (
    "token", "passphrase", "credentials?",
    r"(?:secret|access|signing|encryption|master|app|consumer|hmac|jwt|webhook|session|license)[-_.]?key",
)
# Every keyword holds one of these, so a cheap literal search finds the names worth a closer look.
_KEYWORD_CORE = re.compile(r"pass|pw|secret|token|key|credential|contrase")


# Short names of a password (`PASS`, `smtp_pass`, `pw`, `user_pw`, `pass_`: Python's keyword with the usual
# underscore), not the end of a word (`bypass`, `compass`, `upward`). Their values count only in quotes: bare,
# `unnecessary-pass:7:4::...` (a linter's expected output) or minified `pw=j,n=new` would read as secrets.
_SHORT_KEYWORD = r"(?<![a-z0-9])(?:pass|pw)_?"
_NAME_END = r"(?:[-_.]?(?:data|value|base|b64|base64|\d+))?(?![\w.\-])"


@lru_cache(maxsize=1)
def _secret_name() -> re.Pattern[str]:
    """A name (lowercased) ending with a keyword: ``tokenizer``, ``password_field`` and ``secret_name``
    hold no secret; a suffix that still names the secret may follow (``client-key-data``, ``PASSWORD2``)."""
    from detect_secrets.plugins.keyword import DENYLIST

    keyword = "(?:{})".format("|".join([k.replace("_?", "[-_.]?") for k in DENYLIST] + list(_MORE_KEYWORDS)))
    return re.compile(rf"{keyword}{_NAME_END}")


_SHORT_NAME = re.compile(rf"{_SHORT_KEYWORD}{_NAME_END}")


@lru_cache(maxsize=1)
def _heuristics() -> tuple[Callable[[str], bool], Callable[[str], bool]]:
    """detect-secrets' (is_templated_secret, is_sequential_string) false-positive filters."""
    from detect_secrets.filters.heuristic import is_sequential_string, is_templated_secret

    return is_templated_secret, is_sequential_string


_NAME_CHARS = re.compile(r"[\w.\-]*")
_DASHES = re.compile(r"-*")

# A string literal: Python's b/r/u/f prefixes and triple quotes, C#'s verbatim `@"..."`.
_QUOTED = r"""[bfru]{0,2}@?(?P<q>"{3}|'{3}|["'`])(?P<quoted>.*?)(?P=q)"""
# An unquoted value ends at whitespace, a quote, or a ``&name=`` that starts the next URL parameter.
_UNQUOTED = r"""(?P<bare>(?:[^\s"'`&]|&(?!\w+=))+)"""

# What may follow a secret name, each with what must come right before it (None: anything; looked
# for in the ``BEFORE_WINDOW`` characters before the name, which keeps long lines linear).
BEFORE_WINDOW = 40
_AFTER_NAME: tuple[tuple[re.Pattern[str] | None, re.Pattern[str]], ...] = (
    # `password = "..."`, `api_key: ...`, `"token": "..."`, `PASSWORD=...`, `password := ...`, `@token ||= ...`,
    # `"secret" => ...`, `char password[] = "..."`, a type between name and `=` (short, and `=` stands apart):
    # `password: str = "..."`, Rust's `API_KEY: &'static str = "..."`, Go's `var token string = "..."` (a quoted
    # value only, read by ``_literal_run``), C#'s `Password { get; } = "..."`; `# the password is ...`,
    # `if token == "..."`, `setPassword("...")`, and the default in `api_key = env("API_KEY", "...")`.
    # ``at`` marks where the value starts, for ``_literal_run`` (a wrapped or concatenated string).
    (None, re.compile(
        rf"""(?:(?:\[\d*\])?["'\]]{{0,2}}(?:\s*:\s*[A-Za-z_&*'][\w.\[\], |<>&'*?]{{0,40}}?\s=\s"""
        rf"""|\s*\{{[\s\w;]*\}}\s*=\s|\s*(?::=|=>|\|\|=|\?\?=|===?|!==?|=|:)|\s+is)"""
        rf"""|(?P<typed>\s+[A-Za-z_][\w.*\[\]]*\s=\s))\s*(?P<at>)"""
        rf"""(?:{_QUOTED}|[\w.:>$-]+\([^,()]*,\s*(?P<dq>["'])(?P<default>.*?)(?P=dq)|{_UNQUOTED})?"""
        rf"""|\((?P<cq>["'])(?P<called>.*?)(?P=cq)""")),
    # Dockerfile `ENV PASSWORD value`, command lines `--password value`, and as list elements
    # `["--password", "value"]` (the value a literal: `"--password", pw` passes a variable; nor a snake_case name,
    # lowercase with underscores: click's parameter name in `click.option("--api-key", "api_key_v2")`)
    (re.compile(r"(?:^\s*(?:env|arg)\s+|--)$"),
     re.compile(rf"""(?:["']\s*,\s*(?=[bfru]{{0,2}}["'])(?![bfru]{{0,2}}["'][a-z][a-z0-9]*(?:_[a-z0-9]+)+["'])|\s+)"""
                rf"""(?:{_QUOTED}|{_UNQUOTED})""")),
    # C's `#define API_KEY "..."` (quoted only: a macro's bare value is a number or an expression)
    (re.compile(r"^\s*#\s*define\s+$"), re.compile(rf"\s+{_QUOTED}")),
    # the name as a call's first argument, the secret its second: `os.environ.setdefault("API_KEY", "...")`,
    # `monkeypatch.setenv("TOKEN", "...")`, `config.get("password", "...")`
    (re.compile(r"\b(?:setdefault|setenv|putenv|getenv|get|env)\(\s*[\"']$"),
     re.compile(rf"""["']\s*,\s*{_QUOTED}""")),
    # XML `<password>...</password>`, `<add key="DbPassword" value="..."/>`
    (re.compile(r"<[\w.\-:]*$"), re.compile(r">(?P<text>[^<]+)</")),
    (re.compile(r"\b(?:name|key)=[\"']$"), re.compile(r"""["']\s+value=(?P<aq>["'])(?P<attr>[^"']*)(?P=aq)""")),
)
# ``_literal_run``: what may come between an operator and a string (a parenthesis), a string's first line's
# end when its value goes on (nothing, or a backslash), and how many lines a wrapped value may take.
_OPENING = re.compile(r"\s*\(?\s*")
_LITERAL = re.compile(rf"\s*{_QUOTED}")
_LINE_END = re.compile(r"\s*\\?\s*")
MAX_WRAPPED_LINES = 4
_VALUE_GROUPS = ("quoted", "called", "default", "attr", "bare", "text")  # quoted ones first
# Two-line pairs: `- name: DB_PASSWORD` then `value: ...` (Kubernetes, ECS), `<param-name>` then `<param-value>`.
_BEFORE_NAME_LINE = re.compile(r"""(?:\bname["']?\s*[:=]\s*["']?|<(?:param-)?name>)$""")
_VALUE_LINE = re.compile(
    rf"""\bvalue["']?\s*[:=]\s*(?:{_QUOTED}|{_UNQUOTED})|<(?:param-)?value>(?P<text>[^<]+)</""", re.IGNORECASE)
# `scheme://user:password@host` and `redis://:password@host`: only the password goes.
_URL_PASSWORD = re.compile(r"://[^\s:/@'\"]*:([^\s:/@'\"]+)@")
# HTTP credentials: `Authorization: Bearer <token>`, `Basic <base64 of user:password>`.
_AUTH_HEADER = re.compile(r"\bbearer\s+(?P<bearer>[\w.~+/\-]{16,}=*)|\bbasic\s+(?P<basic>[\w+/]{8,}={0,2})")


@dataclass(frozen=True, eq=False)
class _ArgumentRule:
    """A call or a command line whose argument in one place is a secret, whatever it is named: no name
    rule sees it, and no detect-secrets detector either (its keyword rules want a name before the value).
    Compared by identity: ``_candidate_lines`` asks for each hint on a line whether the line has its rules
    already, and comparing their fields (patterns) there took a tenth of redaction's time in Django."""

    kind: str
    hints: tuple[bytes, ...]  # lowercase: every match (or every match of ``scope``) holds one; lines that do are read
    pattern: re.Pattern[str]  # group ``secret``: the value
    encoded: bool = False  # the value is base64 of `user:password` (``_is_basic_credential``)
    # Where ``pattern`` looks, if not in the whole line: each match of this (a command and its arguments), so
    # that one command's several flags (`keytool -storepass a -keypass b`) are each found after it.
    scope: re.Pattern[str] | None = None


_ARGUMENT = r"""[bfru]{0,2}(?P<aq>["'])[^"'\n]*(?P=aq)"""  # a quoted argument that is no secret (a user name)
_SECRET_ARGUMENT = r"""[bfru]{0,2}(?P<sq>["'])(?P<secret>[^"'\n]*)(?P=sq)"""

# Passwords given to a command's short flag, on a shell line (scripts, Dockerfiles, CI steps, Makefiles, READMEs)
# or as the elements of a Python list (`subprocess.run(["sshpass", "-p", "..."])`). Written here because
# detect-secrets 1.5 reports none of them (its scanner, run on such lines in .sh, .py, .yml, .md files and a
# Dockerfile, found nothing): its keyword rules want a secret's name before the value, and `-p` names nothing.
# Long flags (`--password ...`) are names, found by ``_AFTER_NAME``. A flag counts only after its own command,
# with no `;`, `|` or `&` between: `-p` is a port to `docker run`, `ssh` and `redis-cli`.
_CLI_WORDS = r"""(?:["']\s*,\s*["']|\s+)"""  # between a command's words: spaces, or list elements
# Between a flag and its value: `=`, spaces, or the end of the flag's list element and a comma, and then the
# value must be a literal too (`["-p", password]` passes a variable).
_CLI_APART = r"""(?:=|(?(fq)(?P=fq)\s*,\s*(?=["'])|\s+))"""
_CLI_SKIPPED = r"""["']?[^\s"',]+["']?(?:\s*,\s*|\s+)"""  # an argument between a flag and the value


def _cli_password(commands: str, hints: tuple[bytes, ...], flag: str, *, apart: bool = True,
                  skip: int = 0, prefix: str = "") -> _ArgumentRule:
    """The password that ``flag`` of one of ``commands`` (their words as a regex) takes: ``apart`` from the
    flag (`-p pw`), or joined to it (`-ppw`, where `-p` alone asks for it); after ``skip`` other arguments
    (`htpasswd -b file user pw`) and a ``prefix`` that is no part of it (`pass:pw`, `user%pw`). Values that
    start with `-` are the next flag, those in backquotes a command."""
    return _ArgumentRule("cli-password", hints, re.compile(
        rf"""(?<![^\s"'])(?P<fq>["'])?(?:{flag}){_CLI_APART if apart else ""}{_CLI_SKIPPED * skip}"""
        rf"""(?P<sq>["']?){prefix}(?P<secret>[^\s"'`\-][^\s"'`]*)(?P=sq)"""),
        scope=re.compile(rf"\b(?:{commands.replace(' ', _CLI_WORDS)})\b[^\n;|&]*"))


# A rule per command and flag (and way the value follows it). Their hints are the flag where rules can share it
# (`-p`, `-u`), else the command: each hint is one more search of every text, a hundredth of redaction's time.
_CLI_PASSWORD_RULES = (
    _cli_password("(?:docker|podman|buildah|skopeo|nerdctl|oras|helm registry|az|cf) login", (b"-p",), "-p"),
    _cli_password("sshpass", (b"-p",), "-p"),
    _cli_password("sshpass", (b"-p",), "-p", apart=False),
    # `htpasswd -b[cBm...] file user pw`, `htpasswd -nb[B...] user pw` (`-C 10`: a bcrypt cost)
    _cli_password("htpasswd", (b"htpasswd",), r"-(?![A-Za-z]*n)[A-Za-z]*b[A-Za-z]*(?:(?<=C)\s+\d+)?", skip=2),
    _cli_password("htpasswd", (b"htpasswd",), r"-(?=[A-Za-z]*n)[A-Za-z]*b[A-Za-z]*(?:(?<=C)\s+\d+)?", skip=1),
    _cli_password("redis-cli", (b"redis-cli",), "-a"),
    _cli_password(r"mongo(?:sh|dump|restore|export|import|files|stat|top)?", (b"-p",), "-p"),
    # `mysql -pPASSWORD`, `mariadb-dump -pPASSWORD`: joined, as `-p` alone asks for the password (7z's and rar's too)
    _cli_password(r"mysql[\w-]*|mariadb[\w-]*", (b"-p",), "-p", apart=False),
    _cli_password("sqlcmd", (b"-p",), "-P"),
    _cli_password("openssl", (b"-p",), "-pass(?:in|out|word)?", prefix="pass:"),
    _cli_password("keytool", (b"keytool",), "-(?:src|dest)?(?:store|key)pass"),
    _cli_password("smbclient|rpcclient", (b"-u",), "-U", prefix=r"""[^\s%"']*%"""),
    _cli_password("zip|unzip", (b"-p",), "-P"),
    _cli_password("7z[ar]?|rar|unrar", (b"-p",), "-p", apart=False),
)
_ARGUMENT_RULES = (
    # requests' `auth=("user", "pw")`, `HTTPBasicAuth("user", "pw")`, aiohttp's `BasicAuth("user", "pw")`
    _ArgumentRule("basic-auth", (b"auth",), re.compile(
        rf"(?:\bauth\s*=\s*[(\[]|basicauth\()\s*{_ARGUMENT}\s*,\s*{_SECRET_ARGUMENT}", re.IGNORECASE)),
    # PyJWT's `jwt.encode(payload, "key")` and `jwt.decode(token, "key", ...)`; `hmac.new(b"key", ...)`
    _ArgumentRule("signing-key", (b"jwt.",),
                  re.compile(rf"\bjwt\.(?:encode|decode)\(\s*[^,()]+,\s*{_SECRET_ARGUMENT}")),
    _ArgumentRule("signing-key", (b"hmac.",), re.compile(rf"\bhmac\.(?:new|digest)\(\s*{_SECRET_ARGUMENT}")),
    # smtplib's, ftplib's, imaplib's `server.login("user", "password")` (and clients written like them)
    _ArgumentRule("login-password", (b"login(",), re.compile(rf"\blogin\(\s*{_ARGUMENT}\s*,\s*{_SECRET_ARGUMENT}")),
    # curl's `-u user:password`, `--user user:password`
    _ArgumentRule("cli-password", (b"-u",), re.compile(
        r"""(?:^|[\s"'])-?-u(?:ser)?(?:\s+|=)["']?[^\s:"'$]+:(?P<secret>[^\s"']+)""")),
    # Docker's config.json: `"auths": {"registry": {"auth": "<base64 of user:password>"}}`
    _ArgumentRule("docker-auth", (b"auth",), re.compile(
        r"""["']auth["']\s*:\s*["'](?P<secret>[A-Za-z0-9+/]{8,}={0,2})["']"""), encoded=True),
    *_CLI_PASSWORD_RULES,
)
# Each hint of those rules, with the rules it is one of: a text is searched once for each.
_ARGUMENT_HINTS = {hint: [rule for rule in _ARGUMENT_RULES if hint in rule.hints]
                   for hint in dict.fromkeys(hint for rule in _ARGUMENT_RULES for hint in rule.hints)}
# An AWS secret access key is 40 base64 characters with no format of its own: taken as one within ``AWS_NEAR``
# lines of an access key id (a token finding of ``AWS_ID_KIND``), or on a line that says "secret". detect-secrets
# looks for it next to an id only to verify the id online (``aws.get_secret_access_keys``), never reports it.
_AWS_SECRET = re.compile(r"(?<![\w+/])[A-Za-z0-9+/]{40}(?![\w+/=])")
AWS_ID_KIND = "aws-access-key"
AWS_NEAR = 2

# Private key blocks: key material on the marker's own line (JSON's "-----BEGIN...-----\nMIIE...\n"),
# body lines (maybe quoted in source: `"MIIE...\n" +`), `Proc-Type:` style headers, the END marker.
_KEY_BEGIN = re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----")
_KEY_END = re.compile(r"-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----")
_KEY_INLINE = re.compile(r"(?:\\[rn]|[A-Za-z0-9+/=])+")
_KEY_BODY = re.compile(r"""\s*["']?(?P<material>[A-Za-z0-9+/=]+)(?:\\n)?["']?\s*[+,]?\s*""")
_KEY_HEADER = re.compile(r"\s*[A-Z][\w-]*: \S.*")
# PuTTY's `.ppk` format is no PEM block: `Private-Lines: N`, then N lines of key material.
_PUTTY = re.compile(r"\s*Private-Lines: *(\d+)\s*")
# Bump when redaction finds what it let through before: an index written under older rules is read in
# full again by its next `onboard index`/`reindex`, so text those rules missed does not stay stored.
# 2: six token shapes detect-secrets matches (letters-only Twilio/Discord, short Artifactory/Slack, ...).
# 3: f-strings, triple quotes, wrapped and concatenated strings, typed declarations, `#define`, secrets passed by
#    position (`auth=(user, pw)`, `jwt.encode`, `hmac.new`, `setdefault`), `-u user:pw`, `mysql -p...`, Docker's
#    `"auth"`, AWS secret keys near a key id.
# 4: passwords given to a command's flag (`docker login -p`, `sshpass -p`, `htpasswd -b`, `openssl -passin pass:`,
#    ...), on a shell line or as list elements, and `["--password", "..."]`; short names in quotes (`PASS = "..."`,
#    `pw="..."`, `pass_=`), `login("user", "...")`.
RULES_VERSION = "4"
MIN_KEY_RUN = 16  # key material on a marker's line, or in a block with no END marker, is this long

# Cheap pre-filter, run once over the whole text as bytes: rules for names run only on lines that
# hold a keyword (or a URL, an auth header); a token pattern only on lines that hold what each of its
# matches holds (``_TokenRule``), so it misses none. One search per word: sre scans fast for one
# literal, not for an alternation of them.
_NAME_HINTS = (b"pass", b"pw", b"secret", b"token", b"key", b"credential", b"contrase", b"bearer", b"basic", b"://")
# What tokens are made of. Runs are counted on UTF-8 bytes, every non-ASCII byte a token character, as
# ``min_run`` allows (IGNORECASE's ``[a-z]`` matches LONG S, two bytes long).
_TOKEN_CHARS = "".join(c for c in map(chr, range(128)) if c.isalnum() or c in "_+/=-")
_RUN_TABLE = bytes(ord("a") if c >= 128 or chr(c) in _TOKEN_CHARS else ord(" ") for c in range(256))
# Token patterns whose every match holds a run this long are found by one scan for such runs (most
# hold 24 to 99); those with shorter ones (JWT, AWS key ids, Slack and Artifactory tokens) by their
# needles. Either way is exact; the floor sets the cost: in Django 1 line in 20 holds a run of 24, 1 in
# 12 one of 20, while the needles of the rules below 24 ("AP" the most) are on 1 line in 600.
RUN_FLOOR = 24

# Values that are examples, not secrets. Letters-only values are never taken: a secret of fewer
# than ~30 random characters almost surely holds a digit or a symbol; names and words do not.
_PLACEHOLDER = re.compile(r"example|change.?me|placeholder|dummy|redacted|your|xxxx|\*\*\*|<|>|^[\W_]*$"
                          r"|(?<![a-z])(?:test|fake|mock|sample)(?![a-z])", re.IGNORECASE)
# Stock words that, with digits and punctuation around them, make the stand-ins of tests and docs:
# `password1`, `pass%20pass`, `secret123`, `abc123`, `admin:admin`.
_STOCK_WORDS = re.compile(r"(?:pass|password|passwd|pwd|pw|secret|test|user|admin|root|guest|demo|default"
                          r"|token|key|abc|xyz|foo|bar|baz|qwerty|letmein)+", re.IGNORECASE)
_NON_LETTERS = re.compile(r"[^A-Za-z]")
_TEMPLATE = re.compile(r"\{\{|\$\{|%\(|%s\b|#\{|\{\d*\}|\{[A-Za-z_]")  # `{{ x }}`, `${X}`, `%(x)s`, `{x!r}`
# `user.password`, `cfg::Token`, `TEST_DATA_BASE64`, `os.environ[...]`, `get_secret(...)`: code, when
# unquoted. A random token's parts mix digits in (`k3j9x2.ab12...`), an identifier's end with them, if any.
_CODE_REFERENCE = re.compile(
    r"[A-Za-z_$][A-Za-z_$]*\d*(?:(?:\.|::|->)[A-Za-z_$][A-Za-z_$]*\d*)+|[A-Za-z_]*_[A-Za-z_]*\d*|.*[(\[].*")
_METHOD_CALL = re.compile(r"\.[A-Za-z_]\w*\(")  # `"))?.split("`: quotes paired across code
_PASSWORD_SYMBOL = re.compile(r"[!#$%&*+=?@^|~]")
_ASCII_LOWER = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}  # keeps offsets, unlike str.lower()
_TOKEN_TAIL = re.compile(r"[A-Za-z0-9_+/=.\-]*")
# What Artifactory's patterns take around a token (`(?:\s|=|:|"|^)AKC…(?:\s|"|$)`): never part of it. A match
# may well end in `=` elsewhere (base64 padding; a lazy JWT part), so `=` and `:` count only in front.
_BEFORE_TOKEN, _AFTER_TOKEN = frozenset(" \t\"'=:"), frozenset(" \t\"'")
MIN_SECRET = 6
MIN_URL_PASSWORD = 4  # `u:p@`, `user:pw@` are stand-ins in tests and docs
MIN_AWS_SYMBOLS = 3  # digits, `+` or `/` in 40 random base64 characters: ~6.6 on average, < 3 once in 70

Span = tuple[int, int, int]  # line number, start and end column


@dataclass(frozen=True)
class _Finding:
    """One secret: its kind and the spans that hold it (one per line for a multi-line key)."""

    kind: str
    spans: tuple[Span, ...]


def is_secret_file(path: str) -> bool:
    """True for files that hold credentials by convention (.env, keys, keystores, ...)."""
    name = path.rpartition("/")[2].lower()  # repository paths are POSIX
    return name not in _ALLOWED and _SECRET_FILE.match(name) is not None


@lru_cache(maxsize=1)
def _token_patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """detect-secrets' token regexes plus ours, compiled once."""
    import detect_secrets.plugins as plugins
    from detect_secrets.plugins.base import RegexBasedDetector

    found: list[tuple[str, re.Pattern[str]]] = []
    for module_info in pkgutil.iter_modules(plugins.__path__):
        module = importlib.import_module(f"detect_secrets.plugins.{module_info.name}")
        for obj in vars(module).values():
            if (isinstance(obj, type) and issubclass(obj, RegexBasedDetector)
                    and obj is not RegexBasedDetector and obj.__name__ not in _NOISY_DETECTORS
                    and obj.__module__ == module.__name__):
                kind = obj.secret_type.lower().replace(" ", "-")
                found.extend((kind, pattern) for pattern in obj.denylist)
    found.extend((kind, re.compile(pattern)) for kind, pattern in _EXTRA_TOKENS)
    return tuple(found)


@dataclass(frozen=True)
class _TokenRule:
    """A token pattern and what every one of its matches holds (``regex_needles`` says why neither
    promise can fail): its needles, and a run of ``run`` token characters (``_TOKEN_CHARS``)."""

    kind: str
    pattern: re.Pattern[str]
    needles: Needles
    run: int


@lru_cache(maxsize=1)
def _token_rules() -> tuple[_TokenRule, ...]:
    return tuple(_TokenRule(kind, pattern, needles(pattern), min_run(pattern, _TOKEN_CHARS))
                 for kind, pattern in _token_patterns())


def _possible_tokens(lines: list[str], candidates: dict[int, int | None]) -> list[_TokenRule]:
    """The token rules that may match in one of these lines (``_token_lines``). Patterns run on one line
    at a time, so a match lies within a line, its run too, and its needles are in the lines joined. A
    file leaves a few patterns of the forty, which spares a search per pattern on every candidate line."""
    joined = "\n".join([lines[number] for number in candidates])
    lowered = fold(joined)
    longest = len(joined) if None in candidates.values() else max(candidates.values())  # type: ignore[type-var]
    return [rule for rule in _token_rules() if rule.run <= longest and rule.needles.may_match(joined, lowered)]


# -- which values are secrets -------------------------------------------------------------------

def _is_stand_in(value: str) -> bool:
    """An example rather than a secret: a placeholder, or stock words dressed up with digits."""
    return bool(_PLACEHOLDER.search(value) or _STOCK_WORDS.fullmatch(_NON_LETTERS.sub("", value)))


def _is_secret_value(value: str, quoted: bool) -> bool:
    """A value given to a secret-sounding name is a secret unless it is a reference, a template, a
    stand-in or a word. Unquoted, ``password = user.password`` or ``password=password`` is code."""
    is_templated_secret, is_sequential_string = _heuristics()
    if len(value) < MIN_SECRET or value.startswith("[REDACTED") or is_templated_secret(value):
        return False
    if any(c.isspace() for c in value) or "://" in value or _TEMPLATE.search(value):
        return False
    if _METHOD_CALL.search(value) or _is_stand_in(value):
        return False
    if value[0] in "$%/.+" or is_sequential_string(value):  # variables, paths, `"+password+"`
        return False
    if not quoted and (value[0] in ":@&*!" or "\\" in value or _CODE_REFERENCE.fullmatch(value)):
        return False  # bind parameters, YAML tags and aliases, regular expressions, references
    has_letter = any(c.isalpha() for c in value)
    return has_letter and (any(c.isdigit() for c in value) or bool(_PASSWORD_SYMBOL.search(value)))


def _is_url_password(value: str) -> bool:
    """In a URL the password's place is unambiguous, so only templates and stand-ins are spared."""
    plain = unquote(value)
    return not (len(plain) < MIN_URL_PASSWORD or _heuristics()[0](value) or _TEMPLATE.search(value)
                or value[0] in "$%:" or any(c.isspace() for c in plain) or _is_stand_in(plain))


def _is_aws_secret(value: str) -> bool:
    """40 random base64 characters mix cases and hold digits (or `+`, `/`); a hash, a word or a name does not."""
    symbols = sum(c.isdigit() or c in "+/" for c in value)
    return (symbols >= MIN_AWS_SYMBOLS and any(c.isupper() for c in value) and any(c.islower() for c in value)
            and not _is_stand_in(value))


def _is_basic_credential(value: str) -> bool:
    """``Basic`` carries base64 of ``user:password``; decoding tells it from a word."""
    try:
        decoded = base64.b64decode(value, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return False
    user, colon, password = decoded.partition(":")
    return bool(colon and password) and decoded.isprintable() and _is_url_password(password)


# -- findings in one line ----------------------------------------------------------------------

def _token_span(match: re.Match[str]) -> tuple[int, int]:
    """The part of a detect-secrets match to hide: the longest captured group when it captures the
    secret itself (a quoted key after its name), else the match; lazy patterns (JWT) stop early, so
    the rest of their token run goes too."""
    groups = [i for i in range(1, (match.re.groups or 0) + 1) if match.group(i) and len(match.group(i)) >= 8]
    if groups:
        return match.span(max(groups, key=lambda i: len(match.group(i))))
    # Some patterns (Artifactory's) take the space, quote, `=` or `:` around the token into the match:
    # those stay, so `x = "AKC…"` keeps its quotes and the word after the token keeps its space.
    text, start, end = match.string, match.start(0), match.end(0)
    while start < end and text[start] in _BEFORE_TOKEN:
        start += 1
    if end > start and text[end - 1] in _AFTER_TOKEN:
        while end > start and text[end - 1] in _AFTER_TOKEN:
            end -= 1
        return start, end
    return start, _TOKEN_TAIL.match(text, end).end()


def _secret_value(line: str, match: re.Match[str] | None, quoted_only: bool = False) -> tuple[int, int] | None:
    """The span of the value ``match`` captured, if that value is a secret (``quoted_only``: and in quotes)."""
    if match is None:
        return None
    group = next((g for g in _VALUE_GROUPS if g in match.re.groupindex and match.group(g) is not None), None)
    if group is None or quoted_only and group in ("bare", "text"):
        return None
    start, end = match.span(group)
    if group == "bare":  # `f(password=pw, ...)`: the closing punctuation is code
        end = start + len(match.group(group).rstrip(",;)]}"))
    return (start, end) if _is_secret_value(line[start:end].strip(), group not in ("bare", "text")) else None


def _secret_names(lowered: str) -> Iterator[tuple[int, int, bool]]:
    """(start, end, short) of each name in the (lowercased) line that ends with a secret keyword; ``short``: only
    with a ``_SHORT_KEYWORD``, so only a quoted value counts."""
    backwards = lowered[::-1]
    done = 0
    for core in _KEYWORD_CORE.finditer(lowered):
        if core.start() < done:
            continue  # another keyword of a name already looked at (`secret_key`)
        start = len(lowered) - _NAME_CHARS.match(backwards, len(lowered) - core.start()).end()
        start = _DASHES.match(lowered, start, core.start()).end()  # a flag's dashes are not the name's
        done = _NAME_CHARS.match(lowered, core.end()).end()
        if _secret_name().search(lowered, start, done):
            yield start, done, False
        elif _SHORT_NAME.search(lowered, start, done):
            yield start, done, True


def _token_findings(lines: list[str], number: int, longest: int | None,
                    rules: list[_TokenRule]) -> Iterator[tuple[str, int, int, int]]:
    """(kind, line, start, end) of each token in line ``number`` (``longest``: its longest run of token
    characters, if known; ``rules``: from ``_possible_tokens``; the line must hold a rule's run and
    needles too, which spares most searches the file's lines left)."""
    line = lines[number]
    if longest is None:
        longest = _longest_run(line.encode("utf-8", "surrogatepass"))
    lowered = fold(line)
    for rule in rules:
        if rule.run <= longest and rule.needles.may_match(line, lowered):
            for match in rule.pattern.finditer(line):
                yield (rule.kind, number, *_token_span(match))


def _literal_run(lines: list[str], number: int, at: int) -> tuple[Span, ...]:
    """The insides of the string literals from column ``at`` of line ``number``: one, or several the language
    joins (`"ab" "cd"`), on the next lines too when the value is wrapped: in parentheses (Black's `= (`, then
    the string), after a backslash, or after an operator that ends the line (`const apiKey =`)."""
    spans: list[Span] = []
    wrapped = False
    row, column = number, at
    while True:
        line = lines[row]
        opening = _OPENING.match(line, column)
        column, wrapped = opening.end(), wrapped or "(" in opening.group()
        while literal := _LITERAL.match(line, column):
            spans.append((row, *literal.span("quoted")))
            column = literal.end()
        tail = _LINE_END.fullmatch(line, column)
        if (tail is None or row + 1 >= len(lines) or row - number >= MAX_WRAPPED_LINES
                or (spans and not wrapped and "\\" not in tail.group()) or (not spans and row > number)):
            return tuple(spans)
        row, column = row + 1, 0


def _assigned(lines: list[str], number: int, match: re.Match[str] | None,
              quoted_only: bool = False) -> tuple[Span, ...] | None:
    """The spans of the secret a rule of ``_AFTER_NAME`` found, if it is one (None: not; empty: the rule
    has no string literal to read, and the line keeps its other readings)."""
    if match is None:
        return None
    if "at" in match.re.groupindex and match.group("at") is not None:
        spans = _literal_run(lines, number, match.end("at"))
        if spans or match.group("typed") is not None:  # Go's `name type = value`: a literal or nothing
            value = "".join(lines[row][start:end] for row, start, end in spans).strip()
            return spans if spans and _is_secret_value(value, quoted=True) else None
    span = _secret_value(lines[number], match, quoted_only)
    return ((number, *span),) if span else None


def _named_findings(lines: list[str], number: int) -> Iterator[_Finding]:
    """Each secret in line ``number`` given to a name (maybe on the next lines), in a URL, in an HTTP auth
    header, or an AWS secret key on a line that says "secret"."""
    line = lines[number]
    lowered = line.lower() if line.isascii() else line.translate(_ASCII_LOWER)
    for start, end, short in _secret_names(lowered):
        window = max(0, start - BEFORE_WINDOW)
        for before, after in _AFTER_NAME:
            if before is None or before.search(lowered, window, start):
                if spans := _assigned(lines, number, after.match(line, end), short):
                    yield _Finding("assigned-secret", spans)
                    break
        if number + 1 < len(lines) and _BEFORE_NAME_LINE.search(lowered, window, start):
            if span := _secret_value(lines[number + 1], _VALUE_LINE.search(lines[number + 1]), short):
                yield _Finding("assigned-secret", ((number + 1, *span),))
    for match in _URL_PASSWORD.finditer(line) if "@" in line else ():
        if _is_url_password(match.group(1)):
            yield _Finding("url-password", ((number, *match.span(1)),))
    auth = "bearer" in lowered or "basic" in lowered  # each match holds one, and is rarely there
    for match in _AUTH_HEADER.finditer(lowered) if auth else ():  # found lowered, read in the line itself
        bearer = match.group("bearer") is not None
        start, end = match.span("bearer" if bearer else "basic")
        value = line[start:end]
        if _is_secret_value(value, quoted=True) if bearer else _is_basic_credential(value):
            yield _Finding("auth-header", ((number, start, end),))
    if "secret" in lowered:
        yield from _aws_secret_findings(lines, (number,))


def _argument_findings(line: str, number: int, rules: Iterable[_ArgumentRule]) -> Iterator[_Finding]:
    """Each secret in line ``number`` that one of these rules (those whose hint it holds) finds."""
    for rule in rules:
        for start, end in [scope.span() for scope in rule.scope.finditer(line)] if rule.scope else [(0, len(line))]:
            for match in rule.pattern.finditer(line, start, end):
                value = match.group("secret")
                if _is_basic_credential(value) if rule.encoded else _is_secret_value(value, quoted=True):
                    yield _Finding(rule.kind, ((number, *match.span("secret")),))


def _aws_secret_findings(lines: list[str], rows: Iterable[int]) -> Iterator[_Finding]:
    """AWS secret keys in these lines."""
    for row in rows:
        for match in _AWS_SECRET.finditer(lines[row]):
            if _is_aws_secret(match.group()):
                yield _Finding("aws-secret-key", ((row, *match.span()),))


# -- private keys ------------------------------------------------------------------------------

def _key_findings(lines: list[str]) -> Iterator[_Finding]:
    """Private key material: a whole block when its END marker follows, else only the lines that are
    surely key material, so a string literal holding a lone BEGIN marker never swallows the code after it."""
    for number, line in enumerate(lines):
        if "PRIVATE KEY" in line:
            for begin in _KEY_BEGIN.finditer(line):
                inline = _KEY_INLINE.match(line, begin.end())
                if inline and inline.end() - inline.start() >= MIN_KEY_RUN:
                    yield _Finding("private-key", ((number, *inline.span()),))
                else:
                    yield from _key_body(lines, number + 1, None)
        elif "Private-Lines" in line and (putty := _PUTTY.fullmatch(line)):
            yield from _key_body(lines, number + 1, int(putty.group(1)))


def _key_body(lines: list[str], first: int, count: int | None) -> Iterator[_Finding]:
    """Key material from line ``first``: ``count`` lines for PuTTY, else up to an END marker."""
    spans: list[Span] = []
    ended = count is not None
    for number in range(first, len(lines) if count is None else min(first + count, len(lines))):
        line = lines[number]
        if count is None and _KEY_END.search(line):
            ended = True
            break
        body = _KEY_BODY.fullmatch(line)
        if body:
            spans.append((number, *body.span("material")))
        elif spans or (line.strip() and not _KEY_HEADER.fullmatch(line)):
            break  # blank lines and `Proc-Type:` headers may come before the material, nothing else
    if not ended:  # no END marker: stop at the first line too short to be key material
        spans = spans[:next((i for i, (_, s, e) in enumerate(spans) if e - s < MIN_KEY_RUN), len(spans))]
    if spans:
        yield _Finding("private-key", tuple(spans))


# -- the whole text ----------------------------------------------------------------------------

def _lines_of(data: bytes, positions: Iterable[int]) -> Iterator[int]:
    """The number of the line of ``data`` that holds each of these positions (ascending)."""
    line = counted = 0
    for position in positions:
        line += data.count(b"\n", counted, position)
        counted = position
        yield line


def _line_numbers(data: bytes, positions: Iterable[int]) -> set[int]:
    return set(_lines_of(data, positions))


def _long_runs(raw: bytes, length: int) -> Iterator[tuple[int, int]]:
    """(start, end) of each run of ``length`` or more token characters."""
    shape = raw.translate(_RUN_TABLE)  # token characters become "a", the rest " "
    run = b"a" * length
    position = 0
    while (start := shape.find(run, position)) != -1:  # a run's start: ``position`` is never inside one
        position = shape.find(b" ", start)
        if position == -1:
            position = len(shape)
        yield start, position


def _longest_run(data: bytes) -> int:
    """The longest run of token characters in ``data`` (one line, UTF-8)."""
    return max(map(len, data.translate(_RUN_TABLE).split(b" ")))


def _hits(data: bytes, hints: Iterable[bytes]) -> list[int]:
    """Where the hints occur; ``in`` first, because it is faster still than a search that finds nothing."""
    return [match.start() for hint in hints if hint in data for match in _literal(hint).finditer(data)]


@lru_cache(maxsize=None)
def _literal(hint: bytes) -> re.Pattern[bytes]:
    return re.compile(re.escape(hint))


@lru_cache(maxsize=1)
def _token_scan() -> tuple[int, tuple[bytes, ...], tuple[bytes, ...]]:
    """How ``_token_lines`` finds every line where a token rule may match: (the run to scan for, the
    shortest that a rule found by its run promises; the strongest needles of the rules found by their
    needles, one of which each of their matches holds: those of case-sensitive rules, of folded ones)."""
    by_run = [rule for rule in _token_rules() if rule.run >= RUN_FLOOR or not rule.needles.all_of]
    by_needle = [rule for rule in _token_rules() if rule not in by_run]
    hints = [{needle.encode("utf-8", "surrogatepass") for rule in by_needle if rule.needles.folded is folded
              for needle in rule.needles.all_of[0]} for folded in (False, True)]
    return min(rule.run for rule in by_run), tuple(hints[0]), tuple(hints[1])


def _token_lines(text: str, raw: bytes, lowered: bytes) -> dict[int, int | None]:
    """The lines where a token pattern may match, each with its longest run of token characters (None:
    not counted yet; ``lowered``: ``raw.lower()``)."""
    shortest, plain, folded = _token_scan()
    if shortest == 0:
        return dict.fromkeys(range(text.count("\n") + 1))  # a rule promising nothing: every line
    found: dict[int, int | None] = {}
    runs = list(_long_runs(raw, shortest))
    for line, (start, end) in zip(_lines_of(raw, [start for start, _ in runs]), runs):
        found[line] = max(end - start, found.get(line) or 0)
    positions = sorted(_hits(raw, plain))
    for line, position in zip(_lines_of(raw, positions), positions):
        if line not in found:  # a line with no long run: its runs are short, and it is one of few
            start, end = raw.rfind(b"\n", 0, position) + 1, raw.find(b"\n", position)
            found[line] = _longest_run(raw[start:len(raw) if end == -1 else end])
    if folded:  # bytes.lower() folds ASCII only: enough unless the text holds a character of ASCII_FOLDS
        data = lowered if text.isascii() or not any(char in text for char in ASCII_FOLDS) \
            else fold(text).encode("utf-8", "surrogatepass")  # folding keeps every line break
        for line in _line_numbers(data, sorted(_hits(data, folded))):
            found.setdefault(line, None)  # its longest run: counted when the line is examined
    return found


def _candidate_lines(text: str) -> tuple[dict[int, int | None], set[int], dict[int, list[_ArgumentRule]]]:
    """(lines that may hold a token, with their longest run if known; lines that may name a secret, see
    ``_NAME_HINTS``; lines that hold a hint of an ``_ARGUMENT_RULES`` rule, with those rules)."""
    raw = text.encode("utf-8", "surrogatepass")
    lowered = raw.lower()
    arguments: dict[int, list[_ArgumentRule]] = {}
    for hint, rules in _ARGUMENT_HINTS.items():
        if hint in lowered:
            for line in _line_numbers(lowered, sorted(_hits(lowered, (hint,)))):
                arguments.setdefault(line, []).extend(rule for rule in rules if rule not in arguments[line])
    return _token_lines(text, raw, lowered), _line_numbers(raw, sorted(_hits(lowered, _NAME_HINTS))), arguments


def _findings(lines: list[str], token_lines: dict[int, int | None], named_lines: set[int],
              argument_lines: dict[int, list[_ArgumentRule]], key_marker: bool) -> list[_Finding]:
    """Every finding, key blocks first, then by position (``key_marker``: the text names a private key)."""
    keys = list(_key_findings(lines)) if key_marker else []
    rules = _possible_tokens(lines, token_lines) if token_lines else []
    tokens: list[tuple[str, int, int, int]] = []
    others: list[_Finding] = []
    for number in sorted(token_lines.keys() | named_lines | argument_lines.keys()):
        if number in token_lines:
            tokens.extend(_token_findings(lines, number, token_lines[number], rules))
        if number in named_lines:
            others.extend(_named_findings(lines, number))
        if number in argument_lines:
            others.extend(_argument_findings(lines[number], number, argument_lines[number]))
    # tokens first: where two findings start and end alike, the sort keeps this order, and the token's kind wins
    found = [_Finding(kind, ((number, start, end),)) for kind, number, start, end in tokens] + others
    near_ids = {row for kind, number, *_ in tokens if kind == AWS_ID_KIND
                for row in range(max(0, number - AWS_NEAR), min(len(lines), number + AWS_NEAR + 1))}
    found.extend(_aws_secret_findings(lines, sorted(near_ids)))
    found.sort(key=lambda f: (f.spans[0][0], f.spans[0][1], -f.spans[0][2]))
    return keys + found


def _select(findings: list[_Finding]) -> list[_Finding]:
    """Findings in order, less those overlapping one taken before."""
    taken: list[_Finding] = []
    spans_by_line: dict[int, list[tuple[int, int]]] = {}
    for finding in findings:
        if any(s < end and start < e for number, start, end in finding.spans
               for s, e in spans_by_line.get(number, ())):
            continue
        taken.append(finding)
        for number, start, end in finding.spans:
            spans_by_line.setdefault(number, []).append((start, end))
    return taken


def redact(text: str) -> tuple[str, int]:
    """Replace secret-looking strings with ``[REDACTED:<kind>]``; return the new text and how many.

    A secret spread over several lines (a key block) leaves one marker on its first line and the
    rest of its lines empty of it, so every line keeps its number.
    """
    token_lines, named_lines, argument_lines = _candidate_lines(text)
    key_marker = "PRIVATE KEY" in text or "Private-Lines" in text
    if not (token_lines or named_lines or argument_lines or key_marker):
        return text, 0  # no line to look at: no need to split and join the text
    lines = text.split("\n")
    findings = _select(_findings(lines, token_lines, named_lines, argument_lines, key_marker))
    edits: dict[int, list[tuple[int, int, str]]] = {}
    for finding in findings:
        for i, (number, start, end) in enumerate(finding.spans):
            edits.setdefault(number, []).append((start, end, f"[REDACTED:{finding.kind}]" if i == 0 else ""))
    for number, spans in edits.items():
        line = lines[number]
        for start, end, marker in sorted(spans, reverse=True):
            line = line[:start] + marker + line[end:]
        lines[number] = line
    return "\n".join(lines), len(findings)
