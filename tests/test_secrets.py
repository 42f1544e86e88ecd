"""Secrets never reach the index or the model, and line numbers survive redaction."""

from __future__ import annotations

from pathlib import Path

import pytest

from onboard.models import SourceFile
from onboard.parse import parse_file
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


PUNCTUATED = "Vt5$kL9#pQ2!x"
RANDOM = "q8Ws2Lr7Tz4Nv1Xc6Yb3"


@pytest.mark.parametrize(("line", "secret"), [
    (f"password = '{PUNCTUATED}'", PUNCTUATED),
    (f'connect(host="db", password="{PUNCTUATED}", timeout=5)', PUNCTUATED),
    (f"# admin password: {PUNCTUATED} (rotate it)", PUNCTUATED),
    (f"  password: {PUNCTUATED}", PUNCTUATED),  # YAML, unquoted
    (f"password = {PUNCTUATED}", PUNCTUATED),  # INI
    (f"spring.datasource.password={PUNCTUATED}", PUNCTUATED),  # .properties
    (f"ENV DB_PASSWORD {PUNCTUATED}", PUNCTUATED),  # Dockerfile, legacy form
    (f"export DB_PASSWORD='{PUNCTUATED}'", PUNCTUATED),
    (f"mysqldump -u root --password='{PUNCTUATED}' app", PUNCTUATED),
    (f"signing_key: {RANDOM}", RANDOM),
    (f'ENCRYPTION_KEY = "{RANDOM}"', RANDOM),
    (f"api_secret={RANDOM}", RANDOM),
    (f"    client-key-data: LS0tLS1CRUdJTi{RANDOM}==", RANDOM),
    (f"    token: abc123.{RANDOM[:16]}", RANDOM[:16]),
    (f"<password>{PUNCTUATED}</password>", PUNCTUATED),
    (f'<add key="StorageAccountKey" value="{RANDOM}" />', RANDOM),
    (f"password: str = '{PUNCTUATED}'", PUNCTUATED),
    (f"'api_key' => env('API_KEY', '{RANDOM}'),", RANDOM),
    (f"source.setPassword(\"{PUNCTUATED}\");", PUNCTUATED),
    (f"cache: redis://:{RANDOM}@cache.internal:6379/0", RANDOM),
    (f'curl -H "Authorization: Bearer {RANDOM}" https://api.internal', RANDOM),
    ('curl -H "Authorization: Basic ZGVwbG95OlZ0NSRrTDkjcFEyIXg=" https://api.internal', "ZGVwbG95OlZ0NSRr"),
    ("GITHUB_TOKEN=github_pat_11ABCDEFG0" + RANDOM + "_" + RANDOM * 3, RANDOM),
    ("//registry.npmjs.org/:_authToken=npm_" + RANDOM + "a1B2c3D4e5F6g7H8", RANDOM),
    ("HF_TOKEN=hf_" + "qWeRtYuIoPaSdFgHjKlZxCvBnMqWeRtYuI", "qWeRtYuIoPaSdFgHjKlZxCvBnM"),
    ('OPENAI_API_KEY="sk-proj-' + RANDOM * 2 + '"', RANDOM),
    ("SLACK_BOT_TOKEN=xoxb-123456789012-1234567890123-" + RANDOM, RANDOM),
])
def test_secrets_in_the_forms_real_repositories_hold_them(line: str, secret: str) -> None:
    text, count = redact(f"before = 1\n{line}\nafter = 2\n")
    assert count >= 1 and secret not in text
    assert text.startswith("before = 1\n") and text.endswith("\nafter = 2\n")


# Token shapes a line filter once missed (it wanted a run of 16 token characters holding a digit): each
# matches a detect-secrets pattern, so it must go, under a name that no rule for names would take.
@pytest.mark.parametrize(("line", "secret"), [
    ('TWILIO_ACCOUNT_SID = "ACqwzkhrtpmvbnxjlcdfgsyeuioaqwzkhv"', "qwzkhrtpmvbnxjlcdfgsyeuio"),  # letters only
    ("artifactory_auth: AKCp5bQ7xT9mZ", "AKCp5bQ7xT9mZ"),  # 13 characters
    ('TELEGRAM_BOT = "1234567890:AAHfkqwLrtxmZbvNcpoEdsgJiuyKwqerTzx"', "AAHfkqwLrtxmZbvNcpoEdsgJiuyKwqerTzx"),
    ('DISCORD_TOKEN = "MTAxOTgzNzQaBcDeFgHiJkLmNo.GhIjKl.aBcDeFgHiJkLmNoPqRsTuVwXyZa"', "aBcDeFgHiJkLmNoPqRsTuVwXyZa"),
    ("SLACK_BOT = 'xoxb-123-ab4c'", "xoxb-123-ab4c"),  # 13 characters
    ('cloudant_password = "qwhzmkrtplbvnxjdcfgsyaeu"', "qwhzmkrtplbvnxjdcfgsyaeu"),  # 24 letters
])
def test_tokens_without_a_digit_or_short_are_redacted(line: str, secret: str) -> None:
    text, count = redact(f"before = 1\n{line}\nafter = 2\n")
    assert count == 1 and secret not in text and "[REDACTED:" in text
    assert text.startswith("before = 1\n") and text.endswith("\nafter = 2\n")


@pytest.mark.parametrize(("line", "expected"), [
    ('key = "AKCp5bQ7xT9mZ"', 'key = "[REDACTED:artifactory-credentials]"'),
    ("login(token=AP6qwertyuiop1 , retries=3)", "login(token=[REDACTED:artifactory-credentials] , retries=3)"),
    ("artifactory_auth: AKCp5bQ7xT9mZ next", "artifactory_auth: [REDACTED:artifactory-credentials] next"),
    # a token may end in `=` (base64 padding): there it is part of the token, not around it
    ("token = eyJhbGciOiAiSFMyNTYiLCAidHlwIjogIkpXVCJ9.eyJzdWIiOiAiMTIzNDUifQ==", "token = [REDACTED:json-web-token]"),
])
def test_a_pattern_that_matches_the_delimiters_takes_only_the_token(line: str, expected: str) -> None:
    """Artifactory's patterns take the quote, space or `=` around a token into their match: the code keeps them."""
    assert redact(f"{line}\n") == (f"{expected}\n", 1)


RANDOM20 = "Mn4bVc7xZa1sDf6gHj9k"
PASSWORD = "S3cretPassw0rd99"
AWS_ID = "ASIAQWERTYUIOPASDFGH"
AWS_SECRET = "z9w3QlY7Zkuvqdt7s8Stqcbnr3yBdGBLEPH1qhT6"


# Shapes an adversarial pass found stored verbatim: string prefixes and quotes, values wrapped onto the next
# line, typed declarations, secrets passed by position, command lines, Docker's auth, an AWS secret key.
@pytest.mark.parametrize(("source", "secrets"), [
    (f'API_TOKEN = f"{RANDOM}"', [RANDOM]),
    (f'SECRET_KEY = """{RANDOM20}"""', [RANDOM20]),
    (f"SECRET_KEY = '''{RANDOM20}'''", [RANDOM20]),
    (f"password = f'{PUNCTUATED}'", [PUNCTUATED]),
    (f'DB_PASSWORD = (\n    "{RANDOM}"\n)', [RANDOM]),  # Black
    (f'DB_PASSWORD = \\\n    "{RANDOM}"', [RANDOM]),  # a backslash
    (f'DB_PASSWORD = (\r\n    "{RANDOM}"\r\n)\r', [RANDOM]),  # CRLF
    (f'"password": (\n    "{RANDOM}"\n),', [RANDOM]),
    (f'const apiKey =\n  "{RANDOM}";', [RANDOM]),  # Prettier
    (f'secret = "{RANDOM20[:10]}" "{RANDOM20[10:]}"', [RANDOM20[:10], RANDOM20[10:]]),  # implicit concatenation
    (f'DB_PASSWORD = ("{RANDOM[:10]}"\n               "{RANDOM[10:]}")', [RANDOM[:10], RANDOM[10:]]),
    (f'DB_PASSWORD = ( "{RANDOM[:10]}"\n    "{RANDOM[10:]}" )', [RANDOM[:10], RANDOM[10:]]),
    (f'static API_KEY: &str = "{RANDOM20}";', [RANDOM20]),  # Rust
    (f"let password: &'static str = \"{PUNCTUATED}\";", [PUNCTUATED]),
    (f'var token string = "{RANDOM}"', [RANDOM]),  # Go
    (f'string Password {{ get; }} = "{PUNCTUATED}";', [PUNCTUATED]),  # C#
    (f'public string Password {{ get; set; }} = "{PUNCTUATED}";', [PUNCTUATED]),
    (f'#define API_KEY "{RANDOM20}"', [RANDOM20]),  # C
    (f'char password[] = "{PUNCTUATED}";', [PUNCTUATED]),
    (f'@token ||= "{RANDOM}"', [RANDOM]),  # Ruby
    (f"curl -u admin:{PASSWORD} https://api.internal", [PASSWORD]),
    (f"curl --user=deploy:{PASSWORD} https://api.internal", [PASSWORD]),
    (f"mysql -u root -p{PASSWORD} app", [PASSWORD]),
    (f"mariadb-dump -uroot -p'{PASSWORD}' app", [PASSWORD]),
    (f'requests.get(url, auth=("admin", "{PASSWORD}"))', [PASSWORD]),
    (f'auth = HTTPBasicAuth("admin", "{PASSWORD}")', [PASSWORD]),
    (f'hmac.new(b"{RANDOM20}", msg, hashlib.sha256)', [RANDOM20]),
    (f'jwt.encode(payload, "{RANDOM20}")', [RANDOM20]),
    (f'jwt.decode(token, "{RANDOM20}", algorithms=["HS256"])', [RANDOM20]),
    (f'os.environ.setdefault("API_KEY", "{RANDOM20}")', [RANDOM20]),
    (f'monkeypatch.setenv("GITHUB_TOKEN", "{RANDOM}")', [RANDOM]),
    (f'creds = ("{AWS_ID}", "{AWS_SECRET}")', [AWS_ID, AWS_SECRET]),
    (f'creds = (\n    "{AWS_ID}",\n    "{AWS_SECRET}",\n)', [AWS_ID, AWS_SECRET]),
    (f"{FAKE_AWS}:{AWS_SECRET}", [FAKE_AWS, AWS_SECRET]),
    (f"Use the secret `{AWS_SECRET}` with it.", [AWS_SECRET]),  # Markdown
    ('{"auths":{"https://index.docker.io/v1/":{"auth":"bWU6UzNjcmV0UGFzc3cwcmQ5OQ=="}}}',
     ["bWU6UzNjcmV0UGFzc3cwcmQ5OQ=="]),  # base64 of `me:S3cretPassw0rd99`
    # passwords given to a command's flag: shell scripts, Dockerfiles, CI steps, Makefiles, READMEs
    (f"docker login -u deploy -p {PASSWORD} registry.internal", [PASSWORD]),
    (f"podman login -u deploy -p '{PASSWORD}' quay.io && podman push app", [PASSWORD]),
    (f"sshpass -p '{PASSWORD}' ssh deploy@host", [PASSWORD]),
    (f"sshpass -p{PASSWORD} scp -P 2222 app.tgz host:", [PASSWORD]),
    (f"htpasswd -b /etc/nginx/.htpasswd admin {PASSWORD}", [PASSWORD]),
    (f"htpasswd -Bbn admin {PASSWORD} > auth/htpasswd", [PASSWORD]),
    (f"htpasswd -nbBC 10 admin {PASSWORD}", [PASSWORD]),
    (f"redis-cli -h cache -p 6379 -a {PASSWORD} ping", [PASSWORD]),
    (f'mongosh "mongodb://db:27017/app" -u admin -p "{PASSWORD}"', [PASSWORD]),
    (f"mongodump -u backup -p {PASSWORD} --out /backup", [PASSWORD]),
    (f"openssl pkcs12 -export -in c.pem -passin pass:{PASSWORD} -passout 'pass:{PASSWORD[::-1]}'",
     [PASSWORD, PASSWORD[::-1]]),
    (f"keytool -genkeypair -keystore app.jks -storepass {PASSWORD} -keypass {PASSWORD[::-1]}",
     [PASSWORD, PASSWORD[::-1]]),
    (f"zip -r -P {PASSWORD} backup.zip data/", [PASSWORD]),
    (f"unzip -P '{PASSWORD}' backup.zip", [PASSWORD]),
    (f"7z a -p{PASSWORD} -mhe=on backup.7z data", [PASSWORD]),
    (f"smbclient //files/share -U deploy%{PASSWORD} -c ls", [PASSWORD]),
    (f"rpcclient -U 'CORP\\deploy%{PASSWORD}' files.corp", [PASSWORD]),
    (f"sqlcmd -S localhost -U sa -P '{PASSWORD}' -Q 'SELECT 1'", [PASSWORD]),
    (f"mysqldump -u root -p{PASSWORD} app | gzip > app.sql.gz", [PASSWORD]),
    # the same as the elements of a Python list
    (f'subprocess.run(["docker", "login", "-u", "deploy", "-p", "{PASSWORD}", registry])', [PASSWORD]),
    (f"subprocess.run(['sshpass', '-p', '{PASSWORD}', 'ssh', host], check=True)", [PASSWORD]),
    (f'cmd = ["redis-cli", "-a", "{PASSWORD}", "ping"]', [PASSWORD]),
    (f'cmd = ["mysql", "-u", "root", "-p{PASSWORD}"]', [PASSWORD]),
    (f'cmd = ["docker", "login", "--password", "{PASSWORD}"]', [PASSWORD]),
    (f'cmd = ["wget", "--http-password={PASSWORD}", url]', [PASSWORD]),
    # short names of a password, in quotes (the web app's pass found them shown in the source viewer and guide)
    (f'PASS = "{PASSWORD}"', [PASSWORD]),
    (f'def send(report, pw="{PASSWORD}"):', [PASSWORD]),
    (f'def connect(user, pass_="{PASSWORD}"):', [PASSWORD]),
    (f"smtp_pass: '{PASSWORD}'", [PASSWORD]),
    # smtplib's `login(user, password)`
    (f'    server.login("reports@example.com", "{PASSWORD}")', [PASSWORD]),
])
def test_secrets_in_wrapped_typed_and_positional_shapes(source: str, secrets: list[str]) -> None:
    text, count = redact(f"before = 1\n{source}\nafter = 2\n")
    assert [s for s in secrets if s in text] == [] and count == text.count("[REDACTED:") >= 1
    assert text.startswith("before = 1\n") and text.endswith("\nafter = 2\n")
    assert text.count("\n") == source.count("\n") + 3


def test_a_wrapped_value_is_redacted_in_place() -> None:
    """The value's lines keep their place; a string joined to the first one is left there, empty."""
    wrapped = 'DB_PASSWORD = (\n    "{}"\n)\n'
    assert redact(wrapped.format(RANDOM)) == (wrapped.format("[REDACTED:assigned-secret]"), 1)
    assert redact(f'secret = "{RANDOM20[:10]}" "{RANDOM20[10:]}"') == ('secret = "[REDACTED:assigned-secret]" ""', 1)
    assert redact(f"curl -u admin:{PASSWORD} x") == ("curl -u admin:[REDACTED:cli-password] x", 1)


def test_a_command_line_password_is_redacted_in_place() -> None:
    """Only the value goes: the command, its flags and the quotes stay, on a shell line and in a Python list;
    each of one command's password flags is found."""
    assert redact(f"sshpass -p '{PASSWORD}' ssh host") == ("sshpass -p '[REDACTED:cli-password]' ssh host", 1)
    assert redact(f'["docker", "login", "-p", "{PASSWORD}", host]') == (
        '["docker", "login", "-p", "[REDACTED:cli-password]", host]', 1)
    assert redact(f"keytool -storepass {PASSWORD} -keypass {RANDOM20} && openssl rsa -passout pass:{RANDOM}") == (
        "keytool -storepass [REDACTED:cli-password] -keypass [REDACTED:cli-password]"
        " && openssl rsa -passout pass:[REDACTED:cli-password]", 3)


def test_only_the_value_goes_and_the_name_stays() -> None:
    text, _ = redact(f"  password: {PUNCTUATED}\nsource.setPassword(\"{PUNCTUATED}\");\n")
    assert text == "  password: [REDACTED:assigned-secret]\nsource.setPassword(\"[REDACTED:assigned-secret]\");\n"


def test_a_name_line_then_a_value_line() -> None:
    """Kubernetes env entries and web.xml params put the name and the value on two lines."""
    source = (f"- name: DB_PASSWORD\n  value: \"{PUNCTUATED}\"\n"
              f"<param-name>db.password</param-name>\n<param-value>{RANDOM}</param-value>\n"
              "- name: LOG_LEVEL\n  value: debug2x\n")
    text, count = redact(source)
    assert count == 2 and PUNCTUATED not in text and RANDOM not in text and "value: debug2x" in text


def test_putty_key_material_goes_and_its_headers_stay() -> None:
    private = [RANDOM * 3, RANDOM * 2]
    source = ("PuTTY-User-Key-File-2: ssh-rsa\nPublic-Lines: 1\nAAAAB3NzaC1yc2E\nPrivate-Lines: 2\n"
              + "\n".join(private) + "\nPrivate-MAC: 0f1e2d\n")
    text, count = redact(source)
    assert count == 1 and RANDOM not in text
    assert text.count("\n") == source.count("\n") and "Private-MAC: 0f1e2d" in text


def test_a_lone_begin_marker_swallows_no_code() -> None:
    """A string literal with a BEGIN marker and no END line: the key lines go, every function stays."""
    body = [RANDOM * 3 + "+/", RANDOM * 3 + "=="]
    source = ('KEY = """-----BEGIN OPENSSH PRIVATE KEY-----\n' + "\n".join(body) + '\n"""\n\n'
              'MARKER = "-----BEGIN RSA PRIVATE KEY-----\\n"\n\n'
              + "".join(f"def check_{i}(key):\n    return load(key) is not None\n\n\n" for i in range(5)))
    text, count = redact(source)
    assert count == 1 and RANDOM not in text and text.count("\n") == source.count("\n")
    assert 'MARKER = "-----BEGIN RSA PRIVATE KEY-----\\n"' in text
    parsed = parse_file(SourceFile("keys.py", Path("keys.py"), "python", len(text), "", text))
    assert not parsed.had_errors
    assert [s.name for s in parsed.symbols if s.kind == "function"] == [f"check_{i}" for i in range(5)]


def test_key_material_on_the_marker_line_goes() -> None:
    line = '"private_key": "-----BEGIN PRIVATE KEY-----\\nMIIE' + RANDOM + '\\n-----END PRIVATE KEY-----\\n",'
    text, count = redact(line)
    assert count == 1 and RANDOM not in text
    assert text == '"private_key": "-----BEGIN PRIVATE KEY-----[REDACTED:private-key]-----END PRIVATE KEY-----\\n",'


@pytest.mark.parametrize("line", [
    'password = request.form["password"]',
    "def check_password(self, password: str) -> bool:",
    'TOKEN_HEADER = "Authorization"',
    "verify_ssl_certificates_for_every_request_in_session = True",
    'url = "https://example.com/path"',
    'READ_ONLY_PASSWORD = os.environ["READ_ONLY_PASSWORD"]',
    'password = os.environ.get("DB_PASSWORD", "")',
    "token = tokens[0]",
    "password=password,",
    "api_key: process.env.API_KEY,",
    'tokenizer = "cl100k_base"',
    'pad_token = "[PAD]"',
    "secret_name: billing-db-credentials",
    "password_min_length: 12",
    'return sql.Open("postgres", "host=db user=app password="+password+" dbname=app")',
    'DATABASE_URL = "postgres://user:pass@localhost:5432/app"',
    'proxy = "http://u:p@proxy.internal:3128"',
    'password = "${DB_PASSWORD}"',
    "DB_PASSWORD: ${{ secrets.DB_PASSWORD }}",
    'api_key = "<your-api-key>"',
    'PASSWORD = "changeme123"',
    'if password == "":',
    'parser.add_argument("--password", help="the password to use")',
    "password: The password to log in with.",
    "WHERE password = :password AND user_id = :user_id",
    'headers = {"Authorization": f"Bearer {token}"}',
    "Authorization: Bearer YOUR_ACCESS_TOKEN",
    'KEY_BEGIN = "-----BEGIN RSA PRIVATE KEY-----"',
    'print(f"password={password!r}")',
    """user = User(username='scolvin', password='password1')""",
    '"client-key-data": TEST_DATA_BASE64,',
    """match=r'^Unauthorized: The "Authorization" token is invalid\\.$'""",
    "twitch: fixed broken client-integrity token decoding+parsing",
    """MultiHostUrl('https://foo.com:123,foo:bar@bar.com/path')""",
    'cookie.split("; ").find(item=>item.startsWith("auth-token="))?.split("=")[1]',
    "password = get_password()",
    'token = request.headers["X-Token"]',
    'password: str = ""',
    'password = "changeme"',
    "def login(user: str, password: str = None):",
    "requests.get(url, auth=(user, password))",
    'auth=("admin", password)',
    "HTTPBasicAuth(username, password)",
    "hmac.new(key, msg, hashlib.sha256)",
    'hmac.new(settings.SECRET_KEY.encode(), msg, "sha256")',
    'jwt.encode(payload, settings.SECRET_KEY, algorithm="HS256")',
    'os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")',
    'os.environ.setdefault("API_KEY", "")',
    'monkeypatch.setenv("TOKEN", "test-token")',
    "git push -u origin main",
    "docker run -u 1000:1000 image",
    'docker run -u "$(id -u):$(id -g)" image',
    'curl -u "$USER:$PASSWORD" https://x',
    "curl -u user:pass https://x",
    "mysql -u root -p app",
    'mysql -u root -p"$MYSQL_PASSWORD" app',
    "mysql --port=3306 -P3306 app",
    'secret = "not a secret" "at all"',
    '{"auths": {"https://index.docker.io/v1/": {"auth": "$DOCKER_AUTH"}}}',
    '"auth": "cGxhaW50ZXh0"',  # base64 of a word, no `user:password`
    "commit da39a3ee5e6b4b0d3255bfef95601890afd80709 fixed the secret handling",
    "password = (\n    get_password()\n)",
    "TOKEN = \\\n    compute()",
    "SECRET_KEY = (\n    os.environ['SECRET_KEY']\n)",
    'password = (\n    "The password used for"\n    " the admin user"\n)',
    'Password string `json:"password"`',
    '<input type="password" name="password1" id="id_password1" required>',
    "const apiKey: string = process.env.API_KEY;",
    'static API_KEY: &str = env!("API_KEY");',
    "#define PASSWORD_LEN 12",
    "#define TOKEN 0x1f2e3d4c",
    "string Password { get; set; }",
    'x = token if token else "abc"',
    'api_key = f"{prefix}-{suffix}"',
    'password = f"{user.password}"',
    'secret_key = """\n    multi line docstring\n"""',
    'help="-u USER:PASSWORD for basic auth"',
    # flags that take no password, or a password that is a reference, a placeholder or asked for
    "docker run -p 8080:80 -p 127.0.0.1:5432:5432 app",
    '@click.option("--api-key", "api_key_v2", envvar="API_KEY")',  # click's parameter name, not a value
    'bypass = "Sup3rS3cretPw!x"',  # a word that ends like a password's short name
    "unnecessary-pass:7:4:7:8::Unnecessary pass statement:UNDEFINED",  # a linter's expected output
    "function pw(){pw=j,nCn=new EI}",  # minified code: a short name's bare value is code
    "self.client.login(username, next_url)",
    '@click.option("--token", "token_file2", type=click.Path())',
    "ssh -p 2222 deploy@host",
    "mysql -p",
    "pytest -p no:cacheprovider",
    "python -m pip install -p",
    "git commit -p",
    'zip -P "$PW" out.zip data',
    "cp -p a b",
    "mkdir -p dir",
    "tar -czf x.tgz -p",
    "ps -p 123",
    "grep -P '\\d+'",
    'docker login -u "$REGISTRY_USER" -p "$REGISTRY_PASSWORD" registry.internal',
    "docker login -u ${{ secrets.USER }} -p ${{ secrets.PASSWORD }} ghcr.io",
    'echo "$TOKEN" | docker login --password-stdin -u deploy registry.internal',
    "docker login -u deploy -p $(cat /run/secrets/registry) registry.internal",
    "docker login -u deploy -p <password> registry.internal",
    "docker login -u deploy -p yourpassword registry.internal",
    "sshpass -p changeme ssh host",
    "sshpass -f ~/.pw ssh -p 2222 host2",
    'subprocess.run(["sshpass", "-p", password, "ssh", host])',
    'subprocess.run(["sshpass", "-p", self.pw2, "ssh", host])',
    'cmd = "redis-cli -a %(pw)s ping"',
    'cmd = f"mongosh -u admin -p {password}"',
    'parser.add_argument("--password", default=None, help="registry password")',
    'parser.add_argument("--password", "-p", help="the password")',
    "mongo -u admin -p --authenticationDatabase admin",
    "7z x -p- archive.7z",
    "htpasswd -Bbn testuser testpassword",
    "openssl pkcs12 -export -passin env:P12_PASSWORD -passout file:pw.txt",
    "keytool -list -storepass:file pw.txt -keystore app.jks",
    "smbclient //files/share -U deploy -N",
    "for name, data in zip(names, rows): print(-P2x)",
    'redis-cli -h cache -p 6379 ping; echo "auth -a ok2!"',
])
def test_ordinary_code_is_left_alone(line: str) -> None:
    assert redact(line) == (line, 0)


@pytest.mark.parametrize(("path", "secret"), [
    (".env", True), ("config/.env.production", True), (".env.example", False), ("certs/server.pem", True),
    ("keys/id_ed25519", True), ("home/.netrc", True), ("src/env.py", False), ("docs/keys.md", False),
])
def test_secret_files(path: str, secret: bool) -> None:
    assert is_secret_file(path) is secret
