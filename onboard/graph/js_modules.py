"""Where a JavaScript or TypeScript import that is not relative points inside the repository.

Large JS/TS repositories import their own code by name as often as by relative path: the packages of a monorepo
import each other by their ``package.json`` names (``@acme/ui``: npm, yarn and pnpm workspaces), and apps import
through the path aliases of ``tsconfig.json`` / ``jsconfig.json`` (``@/components/Button``, the Next.js default,
or ``core/util`` under a ``baseUrl``). Read as external packages, those imports left such a repository's
dependency graph with few edges: no centrality, no walk from a hit to what it uses, empty maps.

This reads the same configuration the TypeScript compiler, Node and the bundlers read, as far as a file graph
needs: ``compilerOptions.baseUrl`` and ``paths`` (with ``extends`` inside the repository; the longest matching
prefix wins, as in TypeScript); the packages a workspace lists (package.json ``workspaces``, pnpm-workspace.yaml,
lerna.json), each by its ``name``, with its entry (``source``, ``exports``, ``module``, ``main``, ``types``, or the
``src/index`` / ``index`` conventions, where a built ``dist/`` file maps back to ``src/``); and a package's own
``#`` subpath imports (package.json ``imports``). tsconfig files are JSONC (comments, trailing commas), which
rapidjson reads in its JSONC mode.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from typing import Mapping, TypeVar

import rapidjson
import yaml

_CONFIG = re.compile(r"^(?:ts|js)config(?:\.[\w.-]+)?\.json$")
_WORKSPACE_FILES = ("package.json", "pnpm-workspace.yaml", "lerna.json")  # where a monorepo lists its packages
_COMPILER_CONFIGS = ("tsconfig.json", "jsconfig.json")  # the ones that apply to the files of their folder
_ENTRY_FIELDS = ("source", "exports", "module", "main", "types", "typings")
_EXPORT_CONDITIONS = ("source", "types", "import", "module", "default", "require", "node", "browser")
_BUILT = frozenset({"dist", "lib", "build", "out", "esm", "cjs", "es", "umd"})  # folders of compiled output
_EXTENSIONS = (".d.ts", ".d.mts", ".d.cts", ".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs")
_MAX_EXTENDS = 8  # a chain longer than this is a loop
_MAX_ENTRIES = 512  # globs or aliases read from one file: real ones list a few dozen, and each import tries them all
_JSONC = rapidjson.PM_COMMENTS | rapidjson.PM_TRAILING_COMMAS  # tsconfig's JSON: comments and trailing commas
_MAX_YAML = 64_000  # characters: a pnpm-workspace.yaml is a short list, and a YAML parser is slow on a long text
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_T = TypeVar("_T")


def module_config(path: str) -> bool:
    """Whether ``path`` is a file these rules read: a package.json, a workspace list, or a tsconfig/jsconfig (also
    one that another extends)."""
    name = posixpath.basename(path)
    return (name in _WORKSPACE_FILES or _CONFIG.match(name) is not None) and "node_modules/" not in path


def _read(path: str, text: str | None) -> dict:
    """A config's object, or {} when it is missing, not an object, or unreadable (a broken config resolves nothing).
    JSON is read by rapidjson in its JSONC mode (json5, pure Python, took 10 s over a 256 KB hostile file; this
    takes 7 ms); pnpm's list is YAML."""
    if not text or (path.endswith(".yaml") and len(text) > _MAX_YAML):
        return {}
    try:
        value = (yaml.load(text, Loader=_YAML_LOADER) if path.endswith(".yaml")  # noqa: S506 - a safe loader
                 else rapidjson.loads(text, parse_mode=_JSONC))
    except (ValueError, yaml.YAMLError, RecursionError):
        return {}
    return value if isinstance(value, dict) else {}


def _glob(pattern: str) -> re.Pattern[str]:
    """A workspace glob (``packages/*``, ``apps/**``) as a regex over folder paths. Written here because the
    libraries at hand match differently: fnmatch's ``*`` crosses folders, gitignore patterns match what lies below."""
    parts = re.split(r"(\*\*/?|\*|\?)", pattern.strip("/").removeprefix("./"))
    wild = {"**/": "(?:.*/)?", "**": ".*", "*": "[^/]*", "?": "[^/]"}
    return re.compile("".join(wild.get(part, re.escape(part)) for part in parts))


def _workspace_globs(path: str, config: dict) -> list[str]:
    """The package globs a workspace file lists (``workspaces``: npm, yarn, bun; ``packages``: pnpm, lerna)."""
    listed = config.get("workspaces") if posixpath.basename(path) == "package.json" else config.get("packages")
    if isinstance(listed, dict):  # yarn 1's {"packages": [...], "nohoist": [...]}
        listed = listed.get("packages")
    return [g for g in listed[:_MAX_ENTRIES] if isinstance(g, str)] if isinstance(listed, list) else []


def _stem(path: str) -> str:
    """``path`` without a JS/TS extension, so the resolver can probe ``.ts``, ``.tsx``, ``/index.ts``..."""
    for extension in _EXTENSIONS:
        if path.endswith(extension):
            return path[: -len(extension)]
    return path


def _join(folder: str, relative: str) -> str | None:
    """``relative`` from ``folder`` as a repository path; None when it leaves the repository."""
    joined = posixpath.normpath(posixpath.join(folder, relative))
    return None if joined.startswith("..") or posixpath.isabs(joined) else ("" if joined == "." else joined)


def _built_to_source(stem: str) -> str | None:
    """``dist/index`` → ``src/index``: a package's entry often names compiled output a repository does not hold."""
    parts = stem.split("/")
    for n, part in enumerate(parts[:-1]):
        if part in _BUILT:
            return "/".join(parts[:n] + ["src"] + parts[n + 1:])
    return None


def _export_targets(value: object) -> list[str]:
    """The paths an ``exports`` entry names, in the order of the conditions a source reader prefers."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [t for item in value for t in _export_targets(item)]
    if isinstance(value, dict):
        return [t for key in _EXPORT_CONDITIONS if key in value for t in _export_targets(value[key])]
    return []


def package_name(module: str) -> str:
    """The package a bare import names: ``@scope/name`` of ``@scope/name/sub``, else its first part."""
    parts = module.split("/")
    return "/".join(parts[:2]) if module.startswith("@") else parts[0]


def _wildcard(pattern: str, module: str) -> str | None:
    """What ``*`` stands for when ``module`` matches ``pattern`` (``""`` for an exact pattern), else None."""
    if "*" not in pattern:
        return "" if pattern == module else None
    prefix, _, suffix = pattern.partition("*")
    if module.startswith(prefix) and module.endswith(suffix) and len(module) >= len(prefix) + len(suffix):
        return module[len(prefix): len(module) - len(suffix)]
    return None


def _member(folder: str, members: list[tuple[str, re.Pattern[str], bool]]) -> bool:
    """Whether a workspace lists ``folder`` as one of its packages (and no ``!`` glob takes it out again). Only
    those are linked by name: a test fixture's package.json may well be called ``react``."""
    matched = False
    for root, glob, excluded in members:
        inside = folder[len(root) + 1:] if root else folder
        if (not root or folder.startswith(root + "/")) and glob.fullmatch(inside):
            matched = not excluded
    return matched


def _aliases(folder: str, table: dict) -> list[tuple[str, list[str]]]:
    """An alias table (tsconfig ``paths``, package.json ``imports``) with its targets as repository paths."""
    aliases = []
    for pattern, value in list(table.items())[:_MAX_ENTRIES]:
        joined = [_join(folder, t) for t in _export_targets(value)]
        aliases.append((pattern, [t for t in joined if t is not None]))
    return aliases


def _aliased(aliases: list[tuple[str, list[str]]], module: str) -> list[str]:
    """The targets of the alias matching ``module`` with the longest prefix (TypeScript and Node try no other)."""
    matches = [(len(pattern.partition("*")[0]), targets, star) for pattern, targets in aliases
               if (star := _wildcard(pattern, module)) is not None]
    if not matches:
        return []
    _, targets, star = max(matches, key=lambda m: m[0])
    return [t.replace("*", star, 1) for t in targets]


def _nearest(by_folder: Mapping[str, _T], path: str) -> _T | None:
    """The value of the folder nearest above ``path`` that has one: the config that applies to a file."""
    folder = posixpath.dirname(path)
    while folder not in by_folder:
        if not folder:
            return None
        folder = posixpath.dirname(folder)
    return by_folder[folder]


@dataclass
class _Package:
    folder: str
    entries: list[str]  # stems of the bare import's file, best first
    subpaths: list[tuple[str, list[str]]] = field(default_factory=list)  # exports' "./x" or "./x/*" → targets


@dataclass
class _Compiler:
    base: str | None  # baseUrl as a repository folder
    paths: list[tuple[str, list[str]]]  # pattern → targets, as repository paths (still with their ``*``)


class JsModules:
    """The repository's package names and path aliases, read once per graph build from its config texts."""

    def __init__(self, texts: Mapping[str, str]) -> None:
        self.texts = texts
        configs = {path: _read(path, text) for path, text in texts.items()
                   if posixpath.basename(path) in _WORKSPACE_FILES}
        members: list[tuple[str, re.Pattern[str], bool]] = []  # (workspace folder, glob, excluded)
        for path, config in configs.items():
            folder = posixpath.dirname(path)
            for glob in _workspace_globs(path, config):
                members.append((folder, _glob(glob.lstrip("!")), glob.startswith("!")))
        roots = {folder for folder, _, _ in members}
        self.packages: dict[str, _Package] = {}
        for path in sorted((p for p in configs if posixpath.basename(p) == "package.json"), key=len):
            folder = posixpath.dirname(path)
            if folder in roots or _member(folder, members):
                self._add_package(folder, configs[path])
        # Node's subpath imports (``"imports": {"#utils/*": "./src/utils/*.js"}``): those of the package.json nearest
        # above the importer, which need not be a workspace's
        self.private: dict[str, list[tuple[str, list[str]]]] = {
            posixpath.dirname(path): (_aliases(posixpath.dirname(path), config["imports"])
                                      if isinstance(config.get("imports"), dict) else [])
            for path, config in configs.items() if posixpath.basename(path) == "package.json"}
        self.compilers: dict[str, _Compiler] = {}
        for path in texts:
            if posixpath.basename(path) in _COMPILER_CONFIGS:
                folder = posixpath.dirname(path)
                if folder not in self.compilers or posixpath.basename(path) == "tsconfig.json":
                    self.compilers[folder] = self._compiler(path)

    def _add_package(self, folder: str, manifest: dict) -> None:
        name = manifest.get("name")
        if not isinstance(name, str) or not name or name in self.packages:  # the shallowest of a name wins
            return
        exports = manifest.get("exports")
        root_export: object = exports
        subpaths: list[tuple[str, list[str]]] = []
        if isinstance(exports, dict) and any(key.startswith(".") for key in exports):
            root_export = exports.get(".")
            subpaths = [(key[2:], [t for t in _export_targets(value) if t.startswith("./")])
                        for key, value in exports.items() if key.startswith("./")]
        targets = [t for entry in _ENTRY_FIELDS
                   for t in _export_targets(root_export if entry == "exports" else manifest.get(entry))]
        entries: list[str] = []
        for target in targets + ["src/index", "index", "lib/index"]:
            relative = posixpath.normpath(target)
            if relative.startswith("..") or posixpath.isabs(relative):
                continue
            stem = "index" if relative == "." else _stem(relative)
            for inside in (stem, _built_to_source(stem)):
                if inside is not None:
                    entries.append(posixpath.join(folder, inside))
        self.packages[name] = _Package(folder, list(dict.fromkeys(entries)), subpaths)

    def _compiler(self, path: str, depth: int = 0) -> _Compiler:
        """baseUrl and paths of the config at ``path``, after those it extends (each relative to its own file)."""
        config = _read(path, self.texts.get(path))
        folder = posixpath.dirname(path)
        inherited = _Compiler(None, [])
        extends = config.get("extends")
        for parent in ([extends] if isinstance(extends, str) else extends if isinstance(extends, list) else []):
            if isinstance(parent, str) and parent.startswith(".") and depth < _MAX_EXTENDS:
                target = _join(folder, parent if parent.endswith(".json") else parent + ".json")
                if target is not None and target in self.texts:
                    found = self._compiler(target, depth + 1)
                    inherited = _Compiler(found.base or inherited.base, found.paths or inherited.paths)
        options = config.get("compilerOptions")
        options = options if isinstance(options, dict) else {}
        base = inherited.base
        if isinstance(options.get("baseUrl"), str):
            base = _join(folder, options["baseUrl"])
        paths = inherited.paths
        if isinstance(options.get("paths"), dict):  # TypeScript 4.1+: relative to the config's folder without baseUrl
            listed = {pattern: targets for pattern, targets in options["paths"].items() if isinstance(targets, list)}
            paths = _aliases(base if base is not None else folder, listed)
        return _Compiler(base, paths)

    def candidates(self, importer: str, module: str) -> list[str]:
        """Repository path stems a non-relative import of ``importer`` may mean, best first (none: external)."""
        if module.startswith("#"):  # a subpath import names a file of the importer's own package only
            return [_stem(f) for f in _aliased(_nearest(self.private, importer) or [], module)]
        compiler = _nearest(self.compilers, importer)
        found: list[str] = []
        if compiler is not None:
            found += _aliased(compiler.paths, module)
            if compiler.base is not None:
                found.append(posixpath.join(compiler.base, module))
        name = package_name(module)
        package = self.packages.get(name)
        if package is not None:
            rest = module[len(name):].lstrip("/")
            if not rest:
                found += package.entries
            else:
                for pattern, targets in package.subpaths:
                    if (star := _wildcard(pattern, rest)) is not None:
                        found += [p for t in targets if (p := _join(package.folder, t.replace("*", star, 1)))]
                found += [posixpath.join(package.folder, rest), posixpath.join(package.folder, "src", rest)]
        return [_stem(f) for f in dict.fromkeys(found)]

    def probe_names(self, path: str) -> set[str]:
        """Strings in the imports that may name ``path`` by a package name or an alias (see ``resolve.probe_names``):
        the names of the packages holding it, and the aliases whose targets could reach it."""
        names = {name for name, package in self.packages.items()
                 if not package.folder or path.startswith(package.folder + "/")}
        for aliases in [c.paths for c in self.compilers.values()] + list(self.private.values()):
            for pattern, targets in aliases:
                if any(_wildcard(_stem(t), _stem(path)) is not None for t in targets):
                    names.add(pattern.partition("*")[0] or pattern)
        return {n for n in names if n}
