"""Resolve imports to files of the repository, or to external packages.

Each language names modules differently; each resolver maps an ``Import`` to candidate repo paths
and takes the first that exists. What does not resolve is an external dependency, kept as an
``ext:<package>`` node so maps can show what a repo leans on.
"""

from __future__ import annotations

import json
import posixpath
import re
import sys
import tomllib
from collections import defaultdict
from typing import Callable, Iterable, Mapping

from onboard.graph.js_modules import JsModules, module_config, package_name
from onboard.models import Edge, Import, ParsedFile

_STDLIB = frozenset(sys.stdlib_module_names)
_MAX_MANIFEST = 256_000  # characters: a Cargo.toml is short; tomllib is pure Python
_RUST_RENAME = re.compile(r"\s+as\s+\w+\s*$")  # `use ruff_python_ast as ast;` names ruff_python_ast
_JS_SUFFIXES = ("", ".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs", "/index.ts", "/index.tsx", "/index.js",
                "/index.jsx", ".d.ts", "/index.d.ts")  # declaration files last: a type-only module


class _Repo:
    """Path lookups shared by the resolvers, computed once per graph build."""

    def __init__(self, paths: set[str]) -> None:
        self.paths = paths
        self.by_basename: dict[str, list[str]] = defaultdict(list)
        self.dirs: dict[str, list[str]] = defaultdict(list)
        for path in paths:
            self.by_basename[posixpath.basename(path)].append(path)
            self.dirs[posixpath.dirname(path)].append(path)
        # Python source roots: the repo root, plus every directory that holds a top-level package.
        roots = {""}
        for path in paths:
            if path.endswith("/__init__.py"):
                package_dir = posixpath.dirname(path)
                parent = posixpath.dirname(package_dir)
                if posixpath.join(parent, "__init__.py") not in paths:
                    roots.add(parent)
        self.python_roots = tuple(sorted(roots, key=len))
        self.python_found: dict[tuple, list[str] | str] = {}  # ``_python``'s answers, by what they depend on
        self.dirs_by_name: dict[str, list[str]] = defaultdict(list)  # a folder's last name → folders
        for folder in self.dirs:
            self.dirs_by_name[posixpath.basename(folder)].append(folder)
        self.folders_found: dict[str, list[str]] = {}

    def first(self, candidates: list[str]) -> str | None:
        return next((c for c in candidates if c in self.paths), None)

    def folders_ending(self, suffix: str) -> list[str]:
        """Folders whose path is ``suffix`` or ends with ``/suffix`` (a JVM package's folders: main, test, modules)."""
        if suffix not in self.folders_found:
            last = suffix.rpartition("/")[2]
            self.folders_found[suffix] = [d for d in self.dirs_by_name.get(last, [])
                                          if d == suffix or d.endswith("/" + suffix)]
        return self.folders_found[suffix]


def _python(imp: Import, repo: _Repo) -> list[str] | str:
    """Paths for `import a.b` / `from .a import b` (b may be a module or a name in a)."""
    top = imp.module.split(".")[0]
    if imp.level:
        base = posixpath.dirname(imp.path)
        for _ in range(imp.level - 1):
            base = posixpath.dirname(base)
        bases: tuple[str, ...] = (base,)
    else:
        bases = repo.python_roots
        if top in _STDLIB:
            # `import logging` means the standard library's, unless the importer's own source root holds one: a
            # test-data folder's namespace package called logging is not what the rest of the repository imports.
            bases = tuple(root for root in bases if not root or imp.path.startswith(root + "/"))
    # The same import from the same folders resolves the same: a 20 MB tree's 25,300 imports are 8,900 such.
    key = (imp.module, imp.names, imp.level, bases)
    if (found := repo.python_found.get(key)) is None:
        found = repo.python_found[key] = _python_in(imp.module, imp.names, imp.level, bases, repo)
    return found


def _python_in(module: str, names: tuple[str, ...], level: int, bases: tuple[str, ...],
               repo: _Repo) -> list[str] | str:
    """``_python`` of an import of ``module`` (and ``names``) looked up from ``bases``."""
    top = module.split(".")[0]
    parts = module.split(".") if module else []
    for base in bases:
        # Longest prefix first: `a.b.c` may be a name inside a/b.py, or a module re-exported there.
        for size in range(len(parts), -1 if level else 0, -1):
            stem = posixpath.join(base, *parts[:size]) if size else base
            target = repo.first([f"{stem}.py", f"{stem}/__init__.py", f"{stem}.pyi"])
            if target is None:
                continue
            found = [target]
            if size == len(parts):  # `from pkg import module` also depends on pkg/module.py
                for name in names:
                    sub = repo.first([f"{stem}/{name}.py", f"{stem}/{name}/__init__.py"])
                    if sub:
                        found.append(sub)
            return found
    if not top:
        return []
    return f"stdlib:{top}" if top in _STDLIB else top


def _javascript(imp: Import, repo: _Repo, modules: JsModules) -> list[str] | str:
    if not imp.module.startswith("."):
        stems = modules.candidates(imp.path, imp.module)
        if target := repo.first([stem + suffix for stem in stems for suffix in _JS_SUFFIXES if stem + suffix]):
            return [target]
        return package_name(imp.module)
    stem = posixpath.normpath(posixpath.join(posixpath.dirname(imp.path), imp.module))
    target = repo.first([stem + suffix for suffix in _JS_SUFFIXES]
                        + [stem.rsplit(".", 1)[0] + s for s in (".ts", ".tsx")])
    return [target] if target else []


def _c(imp: Import, repo: _Repo) -> list[str] | str:
    here = posixpath.normpath(posixpath.join(posixpath.dirname(imp.path), imp.module))
    target = repo.first([here, imp.module, f"include/{imp.module}", f"src/{imp.module}"])
    if target is None:
        matches = [p for p in repo.by_basename.get(posixpath.basename(imp.module), []) if p.endswith(imp.module)]
        target = matches[0] if len(matches) == 1 else None
    if target:
        return [target]
    return [] if imp.level else imp.module.split("/")[0].removesuffix(".h")


def _go(imp: Import, repo: _Repo, modules: list[tuple[str, str]]) -> list[str] | str:
    for module, folder in modules:
        if imp.module == module or imp.module.startswith(module + "/"):
            package_dir = posixpath.join(folder, imp.module[len(module):].strip("/")).strip("/")
            return [p for p in repo.dirs.get(package_dir, []) if p.endswith(".go") and not p.endswith("_test.go")]
    parts = imp.module.split("/")
    return "/".join(parts[:3]) if "." in parts[0] else f"stdlib:{parts[0]}"


def _dotted(imp: Import, repo: _Repo, extension: str) -> list[str] | str:
    """Java `a.b.C` and C# namespaces: match the longest path suffix that names a file."""
    parts = imp.module.rstrip(".*").split(".")
    for size in range(len(parts), 0, -1):
        suffix = "/".join(parts[:size]) + extension
        matches = [p for p in repo.by_basename.get(parts[size - 1] + extension, []) if p.endswith(suffix)]
        if matches:
            return matches[:1]
    return parts[0]


_JVM = (".java", ".kt", ".scala")  # Java, Kotlin and Scala import each other's classes


def _jvm(imp: Import, repo: _Repo) -> list[str] | str:
    """Java, Kotlin and Scala: the file a class is named after (``_dotted``); for a wildcard (``a.b.*``) the files
    of the package's folders; a name of the repository's own package that names no file (a Kotlin top-level
    function, a nested class) resolves to nothing rather than to an external package."""
    for extension in _JVM:
        if not isinstance(found := _dotted(imp, repo, extension), str):
            return found
    parts = imp.module.removesuffix(".*").split(".")
    package = parts if imp.module.endswith(".*") else parts[:-1]
    folders = repo.folders_ending("/".join(package)) if package else []
    if not folders:
        return found
    if not imp.module.endswith(".*"):
        return []
    return sorted(p for folder in folders for p in repo.dirs[folder] if p.endswith(_JVM))


def _rust_file(base: str, parts: list[str], repo: _Repo) -> str | None:
    """The file of the longest module path ``parts`` names below ``base`` (``a::b::C`` → ``a/b.rs`` or ``a.rs``)."""
    for size in range(len(parts), 0, -1):
        stem = posixpath.join(base, *parts[:size])
        if target := repo.first([f"{stem}.rs", f"{stem}/mod.rs"]):
            return target
    return None


def _rust_children(path: str) -> str:
    """The folder of the modules a Rust file declares (``mod x;``): beside a lib.rs, main.rs or mod.rs, and in a
    folder of the file's own name otherwise (``src/a/b.rs`` declares ``src/a/b/x.rs``, Rust 2018)."""
    folder, name = posixpath.split(path)
    stem = posixpath.splitext(name)[0]
    return folder if stem in ("lib", "main", "mod") else posixpath.join(folder, stem)


def _crate_folder(path: str, crates: Mapping[str, str]) -> str:
    """The folder of the root file of the crate ``path`` belongs to, where ``crate::`` paths start: the workspace
    crate whose root folder holds it (the longest), else the nearest ``src`` folder above it (Cargo's layout, for a
    crate whose Cargo.toml is not indexed), else the top-level ``src``."""
    folders = [posixpath.dirname(root) for root in crates.values()]
    if holding := [folder for folder in folders if not folder or path.startswith(folder + "/")]:
        return max(holding, key=len)
    parts = path.split("/")[:-1]
    return "/".join(parts[:len(parts) - parts[::-1].index("src")]) if "src" in parts else "src"


def _rust(imp: Import, repo: _Repo, crates: Mapping[str, str]) -> list[str] | str:
    children = _rust_children(imp.path)  # what `self::` names; `super::` is the folder above
    if imp.level:  # `mod x;`
        return [t] if (t := _rust_file(children, [imp.module], repo)) else []
    parts = [p.strip() for p in _RUST_RENAME.sub("", imp.module).replace("{", " ").split("::")]
    head = parts[0]
    if head in {"crate", "self", "super"}:
        base = _crate_folder(imp.path, crates) if head == "crate" else children if head == "self" \
            else posixpath.dirname(children)
        return [t] if (t := _rust_file(base, parts[1:], repo)) else []
    if head in crates:  # another crate of the workspace: its modules, or its root file for what that defines
        root = crates[head]
        target = _rust_file(posixpath.dirname(root), parts[1:], repo) or repo.first([root])
        return [target] if target else []
    if local := _rust_file(children, parts, repo):  # `mod render;` then `use render::Renderer;`
        return [local]
    return "stdlib:" + head if head in {"std", "core", "alloc"} else head


def _rust_crates(texts: Mapping[str, str]) -> dict[str, str]:
    """Each workspace crate's name as code writes it (``acme-core`` → ``acme_core``, or its ``[lib] name``) → its
    library's root file (``[lib] path``, else ``src/lib.rs`` beside its Cargo.toml). tomllib: the standard library's."""
    crates: dict[str, str] = {}
    for path, text in texts.items():
        if posixpath.basename(path) != "Cargo.toml" or len(text) > _MAX_MANIFEST:
            continue
        try:
            manifest = tomllib.loads(text)
        except (tomllib.TOMLDecodeError, RecursionError):
            continue
        package, lib = manifest.get("package"), manifest.get("lib")
        lib = lib if isinstance(lib, dict) else {}
        name = lib.get("name") or (package.get("name") if isinstance(package, dict) else None)
        root = lib.get("path") if isinstance(lib.get("path"), str) else "src/lib.rs"
        joined = posixpath.normpath(posixpath.join(posixpath.dirname(path), root))
        if isinstance(name, str) and name and not joined.startswith(".."):
            crates.setdefault(name.replace("-", "_"), joined)
    return crates


def _php_roots(texts: Mapping[str, str]) -> list[tuple[str, str]]:
    """(namespace prefix as dotted words, folder) of each composer.json's PSR-4 autoload map (``"App\\": "app/"``,
    dev maps too), the longest prefix first: the autoloader's own rule for which file holds a class."""
    roots = []
    for path, text in texts.items():
        if posixpath.basename(path) != "composer.json":
            continue
        try:
            manifest = json.loads(text)
        except (ValueError, RecursionError):
            continue
        for section in ("autoload", "autoload-dev"):
            table = manifest.get(section) if isinstance(manifest, dict) else None
            mapping = table.get("psr-4") if isinstance(table, dict) else None
            for prefix, folders in (mapping.items() if isinstance(mapping, dict) else ()):
                for folder in [folders] if isinstance(folders, str) else folders if isinstance(folders, list) else []:
                    if not isinstance(folder, str):
                        continue
                    joined = posixpath.normpath(posixpath.join(posixpath.dirname(path), folder))
                    if not joined.startswith(".."):
                        roots.append((prefix.replace("\\", ".").strip("."), "" if joined == "." else joined))
    return sorted(roots, key=lambda root: -len(root[0]))


def _php(imp: Import, repo: _Repo, roots: list[tuple[str, str]]) -> list[str] | str:
    for prefix, folder in roots:
        if not prefix or imp.module.startswith(prefix + "."):
            rest = imp.module[len(prefix):].strip(".").split(".")
            if target := repo.first([posixpath.join(folder, *rest) + ".php"]):
                return [target]
    return _dotted(imp, repo, ".php")


def _ruby(imp: Import, repo: _Repo) -> list[str] | str:
    name = imp.module if imp.module.endswith(".rb") else imp.module + ".rb"
    if imp.level:
        return [t] if (t := repo.first([posixpath.normpath(posixpath.join(posixpath.dirname(imp.path), name))])) else []
    return [t] if (t := repo.first([f"lib/{name}", name])) else imp.module.split("/")[0]


def _go_modules(texts: Mapping[str, str]) -> list[tuple[str, str]]:
    """(module path, folder) of each go.mod, the longest module path first, then the shallowest folder: a
    monorepo's nested modules (or a go.work's) each own their folder, and an import names the longest match."""
    found = []
    for path, text in texts.items():
        if posixpath.basename(path) == "go.mod":
            module = next((line.split()[1].strip('"') for line in text.splitlines()
                           if line.startswith("module ") and len(line.split()) > 1), None)
            if module:
                found.append((module, posixpath.dirname(path)))
    return sorted(found, key=lambda m: (-len(m[0]), m[1].count("/"), m[1]))


_INDEX_STEMS = frozenset({"index", "mod"})  # JS/TS `dir/index.ts` and Rust `dir/mod.rs` are found by the folder's name


def probe_names(path: str) -> set[str] | None:
    """Strings of which one occurs in the module, names or own path of every import that could resolve
    differently when ``path`` appears in or disappears from the repository; None when no such strings
    exist and every import must be resolved again.

    Why it holds: each resolver above probes candidate paths built from the import's module and names
    and the importing file's own folders (plus fixed prefixes like ``lib/`` or a Python source root),
    and matches a candidate by its whole file name or, for index files, its folder. So an import can
    only find or lose ``path`` if its text or its file's path contains that file name's stem (or that
    folder's name). A reindex that adds or deletes files re-resolves just those importers. Exceptions:
    ``__init__.py`` moves Python's source roots, Go resolves whole package folders, C# resolves
    namespaces declared inside files; and an index file at the top has no folder name to look for.
    """
    folder, name = posixpath.split(path)
    stem, extension = posixpath.splitext(name)
    if stem == "__init__" or extension in (".go", ".cs") or not path.isascii() or '"' in path or "\\" in path:
        return None  # non-ASCII and quotes: stored import names are JSON, which escapes them
    if stem in _INDEX_STEMS:
        return {stem, posixpath.basename(folder)} if folder else None
    return {stem}


def config_file(path: str) -> bool:
    """Whether the resolvers read ``path``: go.mod, Cargo.toml and composer.json files, and the package lists and
    tsconfig/jsconfig files of JS/TS. No ``testdata``, ``vendor`` or ``target`` folder's module is built: their
    manifests name nothing."""
    if posixpath.basename(path) in ("go.mod", "Cargo.toml", "composer.json"):
        return not {"testdata", "vendor", "target"} & set(path.split("/"))
    return module_config(path)


def import_probes(paths: Iterable[str], texts: Mapping[str, str]) -> list[set[str] | None]:
    """``probe_names`` of each path, with the JS/TS package names and path aliases (``JsModules.probe_names``) and
    the Rust crate names that may name it, read from ``texts``, the repository's ``config_file`` texts."""
    modules, crates = JsModules(texts), _rust_crates(texts)
    return [None if (names := probe_names(path)) is None else
            names | modules.probe_names(path) | {c for c, root in crates.items() if _holds(root, path)}
            for path in paths]


def _holds(root: str, path: str) -> bool:
    """Whether ``path`` lies in the folder of a crate's root file (its ``src``): a file the crate's name may reach."""
    folder = posixpath.dirname(root)
    return not folder or path.startswith(folder + "/")


def resolve_imports(parsed: list[ParsedFile], paths: set[str], texts: Mapping[str, str] | None = None) -> list[Edge]:
    """File→file import edges and file→``ext:<package>`` edges, merged by (src, dst). ``texts``: the texts of
    the repository's ``config_file`` files (go.mod, Cargo.toml, composer.json, JS/TS package lists and configs);
    other paths in it are left out."""
    repo = _Repo(paths)
    namespaces: dict[str, list[str]] = defaultdict(list)  # C#: `using A.B;` names a namespace, not a file
    for file in parsed:
        if file.language == "csharp":
            for symbol in file.symbols:
                if symbol.kind == "module" and file.path not in namespaces[symbol.qualname]:
                    namespaces[symbol.qualname].append(file.path)
    texts = {path: text for path, text in (texts or {}).items() if config_file(path)}
    go_modules, crates, php_roots = _go_modules(texts), _rust_crates(texts), _php_roots(texts)
    modules = JsModules(texts)
    resolvers: dict[str, Callable[[Import], list[str] | str]] = {
        "python": lambda i: _python(i, repo),
        "javascript": lambda i: _javascript(i, repo, modules), "typescript": lambda i: _javascript(i, repo, modules),
        "tsx": lambda i: _javascript(i, repo, modules),
        "c": lambda i: _c(i, repo), "cpp": lambda i: _c(i, repo),
        "go": lambda i: _go(i, repo, go_modules),
        "java": lambda i: _jvm(i, repo), "kotlin": lambda i: _jvm(i, repo), "scala": lambda i: _jvm(i, repo),
        "csharp": lambda i: namespaces.get(i.module) or _dotted(i, repo, ".cs"),
        "rust": lambda i: _rust(i, repo, crates), "ruby": lambda i: _ruby(i, repo),
        "php": lambda i: _php(i, repo, php_roots),
    }
    weights: dict[tuple[str, str, str], float] = defaultdict(float)
    for file in parsed:
        resolve = resolvers.get(file.language)
        if resolve is None:
            continue
        for imp in file.imports:
            target = resolve(imp)
            if isinstance(target, str):
                weights[(file.path, f"ext:{target}", "external")] += 1
            else:
                for dst in target:
                    if dst != file.path:
                        weights[(file.path, dst, "import")] += 1
    return [Edge(src, dst, kind, weight) for (src, dst, kind), weight in sorted(weights.items())]

