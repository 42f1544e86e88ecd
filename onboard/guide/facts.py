"""Facts a guide states, read from the stored text of an index: what the project says it is, what it is built
with, and where execution enters it. Each fact carries the lines it was read from.

Manifests are parsed with the standard library (``tomllib``, ``json``, ``configparser``, and ``ast`` for a
``setup.py``, which is read, never run); go.mod and setup.cfg's console scripts are line formats read directly.
Entry points are found the way a reader skims for them: console scripts in manifests, ``__main__`` modules and
``main`` functions, command decorators, route decorators and registrations, and modules that declare a public
API (``__all__``, ``api.py``, a package ``index`` file). Only source files count: tests and examples define
routes and commands too, but they are not where the product is entered.
"""

from __future__ import annotations

import ast
import configparser
import json
import posixpath
import re
import tomllib
from dataclasses import dataclass, field

from onboard.parse.module_doc import module_doc as read_module_doc

MANIFESTS = ("pyproject.toml", "setup.cfg", "setup.py", "package.json", "go.mod", "Cargo.toml")


@dataclass(frozen=True)
class Fact:
    """One statement and the lines it rests on."""

    text: str  # plain text, escaped when rendered
    path: str
    line: int
    end: int = 0
    detail: str = ""  # a second plain-text part: a target, a signature, a route

    @property
    def last(self) -> int:
        return max(self.line, self.end)


@dataclass
class Overview:
    readme: Fact | None = None  # the README's first paragraph
    manifests: list[Fact] = field(default_factory=list)  # "name: description" per manifest
    dependencies: list[Fact] = field(default_factory=list)
    scripts: list[Fact] = field(default_factory=list)  # console scripts: text = command, detail = target


def line_of(text: str, needle: str, start: int = 1) -> int:
    """The first line (1-based, from ``start``) containing ``needle``; ``start`` when none does."""
    for number, line in enumerate(text.split("\n")[start - 1:], start):
        if needle in line:
            return number
    return start


# A line of one punctuation character repeated: an RST section's underline or overline, or a Markdown setext
# heading's underline. Written here rather than parsed with docutils: the guide wants only the first paragraph of
# prose, and docutils would run the README's directives (``.. include::`` reads files from disk).
_ADORNMENT = re.compile(r"^([=\-`:'\"~^_*+#<>])\1{2,}$")
# A Markdown link or image (innermost first: a badge is an image inside a link) or an RST substitution (|PyPI|_):
# a line of nothing else is badges or navigation (other languages, docs, chat), not prose.
_LINK = re.compile(r"!?\[[^\[\]]*\]\([^)]*\)|\|[^|\s][^|]*\|_{0,2}")


def _links_only(line: str) -> bool:
    while (bare := _LINK.sub("", line)) != line:
        line = bare
    return not re.search(r"\w", line)


def readme_paragraph(path: str, text: str) -> Fact | None:
    """The README's first paragraph of prose: headings (Markdown's and RST's), HTML, quoted notes and lines
    of badges or links only (other languages, docs, chat) skipped."""
    lines = [line.strip() for line in text.split("\n")]
    start, para = 0, []
    for number, line in enumerate(lines, 1):
        underlined = bool(line) and number < len(lines) and bool(_ADORNMENT.match(lines[number]))
        if para and (not line or underlined or line.startswith("#")):
            break
        if (not line or underlined or _ADORNMENT.match(line) or _links_only(line)
                or line.startswith(("#", "<", ">", "..", ":"))):
            continue
        para.append(line)
        start = start or number
    return Fact(" ".join(para)[:600], path, start, start + len(para) - 1) if para else None


def _toml(text: str) -> dict:
    try:
        return tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError):  # arrays or tables nested thousands deep
        return {}


def manifest_facts(path: str, text: str, overview: Overview) -> None:
    """Add what one manifest says (name, description, dependencies, console scripts) to ``overview``."""
    name = posixpath.basename(path)
    if name == "pyproject.toml":
        data = _toml(text)
        project = data.get("project") or data.get("tool", {}).get("poetry", {})
        _describe(overview, path, line_of(text, "name"), project.get("name"), project.get("description"))
        deps = project.get("dependencies", [])
        deps = list(deps) if isinstance(deps, list) else list(deps)
        for dep in deps[:40]:
            overview.dependencies.append(Fact(str(dep), path, line_of(text, f'"{dep}' if isinstance(deps, list)
                                                                       else str(dep))))
        scripts = {**project.get("scripts", {}), **data.get("tool", {}).get("poetry", {}).get("scripts", {})}
        for command, target in scripts.items():
            overview.scripts.append(Fact(command, path, line_of(text, command, line_of(text, "scripts]")),
                                         detail=str(target)))
    elif name == "setup.py":
        _setup_call(path, text, overview)
    elif name == "setup.cfg":
        _setup_cfg_metadata(path, text, overview)
        in_scripts = False
        for number, line in enumerate(text.split("\n"), 1):
            if line.strip().startswith("console_scripts"):
                in_scripts = True
            elif in_scripts and "=" in line and line[:1].isspace():
                command, target = (part.strip() for part in line.split("=", 1))
                overview.scripts.append(Fact(command, path, number, detail=target))
            elif in_scripts and line.strip() and not line[:1].isspace():
                in_scripts = False
    elif name == "package.json":
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            return
        if not isinstance(data, dict):
            return
        _describe(overview, path, line_of(text, '"name"'), data.get("name"), data.get("description"))
        for dep in list(data.get("dependencies") or {})[:40]:
            overview.dependencies.append(Fact(dep, path, line_of(text, f'"{dep}"')))
        bins = data.get("bin")
        bins = {data.get("name", "bin"): bins} if isinstance(bins, str) else bins or {}
        for command, target in bins.items():
            overview.scripts.append(Fact(str(command), path, line_of(text, str(target)), detail=str(target)))
    elif name == "go.mod":
        module = re.search(r"^module\s+(\S+)", text, re.M)
        if module:
            overview.manifests.append(Fact(f"Go module {module.group(1)}", path, line_of(text, "module ")))
        for match in re.finditer(r"^\s*(?:require\s+)?([\w.\-]+\.[\w.\-/]+)\s+v[\w.\-+]+", text, re.M):
            overview.dependencies.append(Fact(match.group(1), path, text.count("\n", 0, match.start(1)) + 1))
    elif name == "Cargo.toml":
        data = _toml(text)
        package = data.get("package", {})
        _describe(overview, path, line_of(text, "name"), package.get("name"), package.get("description"))
        for dep in list(data.get("dependencies", {}))[:40]:
            overview.dependencies.append(Fact(dep, path, line_of(text, dep, line_of(text, "[dependencies]"))))
        for binary in data.get("bin", []):
            if isinstance(binary, dict) and binary.get("name"):
                overview.scripts.append(Fact(binary["name"], path, line_of(text, binary["name"]),
                                             detail=str(binary.get("path", ""))))


def _setup_call(path: str, text: str, overview: Overview) -> None:
    """The name and description written as plain strings in a ``setup(...)`` call (older projects and many
    sdists say what they are only there)."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):  # nesting or a chain of operators too deep
        return
    for node in ast.walk(tree):
        callee = node.func if isinstance(node, ast.Call) else None
        if getattr(callee, "id", getattr(callee, "attr", None)) != "setup":
            continue
        strings = {k.arg: k.value for k in node.keywords
                   if isinstance(k.value, ast.Constant) and isinstance(k.value.value, str)}
        if "name" in strings or "description" in strings:
            name, description = (strings[k].value if k in strings else None for k in ("name", "description"))
            line = (strings.get("description") or strings["name"]).lineno
            _describe(overview, path, line, name, description)
            return


def _setup_cfg_metadata(path: str, text: str, overview: Overview) -> None:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text)
    except configparser.Error:
        return
    name = parser.get("metadata", "name", fallback=None)
    description = parser.get("metadata", "description", fallback=None)
    key = re.compile(rf"^{'description' if description else 'name'}\s*[=:]")
    line = next((n for n, row in enumerate(text.split("\n"), 1) if key.match(row)), 1)
    _describe(overview, path, line, name, description)


def _describe(overview: Overview, path: str, line: int, name: object, description: object) -> None:
    if name or description:
        what = f"{name}: {description}" if name and description else str(name or description)
        overview.manifests.append(Fact(what, path, line))


# -- entry points -------------------------------------------------------------------------------------------

_MAIN_GUARD = re.compile(r"""^if\s+__name__\s*==\s*["']__main__["']\s*:""")
_MAIN_FUNCTION = re.compile(r"^\s*(?:func\s+main\s*\(\)|fn\s+main\s*\(|(?:public\s+)?static\s+void\s+main\s*\("
                            r"|(?:int|void)\s+main\s*\()")
_COMMAND = re.compile(r"^\s*@([\w.]+)\.(command|group)\b(?:\(\s*(?:name\s*=\s*)?[\"']([\w:-]+)[\"'])?")
_CLICK = re.compile(r"^\s*@click\.(command|group)\b")
_SUBPARSER = re.compile(r"\.add_parser\(\s*[\"']([\w:-]+)[\"']")
_COBRA = re.compile(r"\bUse:\s*\"([\w:-]+)")
_DEF = re.compile(r"^\s*(?:async\s+)?def\s+(\w+)")
_ROUTES = (
    re.compile(r"^\s*@[\w.]+\.(route|get|post|put|patch|delete|websocket|api_route)\(\s*[rf]?[\"']([^\"']*)[\"']"),
    re.compile(r"\b(?:app|router|server|api)\.(get|post|put|patch|delete|all|use)\(\s*[\"'`](/[^\"'`]*)[\"'`]"),
    re.compile(r"\b(HandleFunc|Handle|GET|POST|PUT|DELETE|PATCH)\(\s*\"(/[^\"]*)\""),
    re.compile(r"@(Get|Post|Put|Delete|Patch|Request)Mapping\(\s*(?:value\s*=\s*|path\s*=\s*)?\"([^\"]*)\""),
    re.compile(r"^\s*(re_path|path|url)\(\s*r?[\"']([^\"']*)[\"']\s*,"),
)


@dataclass
class EntryPoints:
    scripts: list[Fact] = field(default_factory=list)  # console scripts, each linked to its target
    mains: list[Fact] = field(default_factory=list)
    commands: list[Fact] = field(default_factory=list)
    routes: list[Fact] = field(default_factory=list)
    public: list[Fact] = field(default_factory=list)

    def all(self) -> list[Fact]:
        return self.scripts + self.mains + self.commands + self.routes + self.public


def _next_def(lines: list[str], after: int) -> tuple[str, int]:
    for number in range(after, min(len(lines), after + 8)):
        match = _DEF.match(lines[number])
        if match:
            return match.group(1), number + 1
    return "", after


def scan_entry_points(texts: dict[str, str], languages: dict[str, str]) -> EntryPoints:
    """Entry points of the files in ``texts`` (path → stored text): the caller passes the source files only."""
    found = EntryPoints()
    for path in sorted(texts):
        text, language = texts[path], languages.get(path, "")
        lines = text.split("\n")
        name = posixpath.basename(path)
        if name == "__main__.py":
            module = posixpath.dirname(path).removeprefix("src/").replace("/", ".")
            found.mains.append(Fact(f"python -m {module or name}", path, 1, len(lines)))
        in_docstring = False
        for number, line in enumerate(lines, 1):
            if language == "python":  # examples in docstrings (``@app.route("/")``) are not entry points
                quotes = line.count('"""') + line.count("'''")
                was, in_docstring = in_docstring, in_docstring != (quotes % 2 == 1)
                if was or quotes:
                    continue
            if _MAIN_GUARD.match(line) or (language != "python" and _MAIN_FUNCTION.match(line)):
                if name != "__main__.py":
                    found.mains.append(Fact("runs as a program", path, number))
            command = _COMMAND.match(line) or _CLICK.match(line)
            if command and language == "python":
                function, at = _next_def(lines, number)
                given = command.group(3) if command.re is _COMMAND else None
                label = given or function.replace("_", "-").strip("-") or "(command)"
                found.commands.append(Fact(label, path, number, at, detail=function))
            if "/management/commands/" in f"/{path}" and line.startswith("class Command("):  # Django's manage.py
                found.commands.append(Fact(posixpath.splitext(name)[0], path, number, detail="Command"))
            for pattern in (_SUBPARSER, _COBRA):
                for match in pattern.finditer(line):
                    found.commands.append(Fact(match.group(1), path, number))
            for pattern in _ROUTES:
                match = pattern.search(line)
                if match and (pattern is not _ROUTES[4] or name == "urls.py"):
                    function, at = _next_def(lines, number) if language == "python" else ("", number)
                    method = match.group(1).upper() if pattern in _ROUTES[:3] else ""
                    label = f"{method} {match.group(2)}".strip() if method not in ("ROUTE", "") else match.group(2)
                    found.routes.append(Fact(label or "/", path, number, at, detail=function))
                    break
        if language == "python" and re.search(r"^__all__\s*[:=]", text, re.M):
            found.public.append(Fact("declares its public API (__all__)", path, line_of(text, "__all__")))
        elif name == "__init__.py" and len(re.findall(r"^from \.\w* import", text, re.M)) >= 2:
            found.public.append(Fact("re-exports its modules' names", path, line_of(text, "from .")))
        elif name in ("api.py", "index.ts", "index.js", "lib.rs", "mod.rs") and path.count("/") <= 2:
            found.public.append(Fact("public module", path, 1, min(len(lines), 20)))
    return found


def module_doc(path: str, text: str) -> Fact | None:
    """What a file says it is: its module docstring or leading comment, first paragraph (licence headers skipped)."""
    doc = read_module_doc(text)
    return Fact(doc.text, path, doc.line, doc.end) if doc else None
