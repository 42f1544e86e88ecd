"""The architecture guide of an index, built from the index alone: deterministic, every statement linked.

Pages: an overview (what the project is, what it is built with), layers (packages in dependency order, with a
diagram), entry points, core abstractions (the definitions the symbol graph makes central), a reading path, and
one page per code package (purpose, key files and symbols, depends on / used by, tests, open questions). Each
page is Markdown with placeholder links (see ``onboard.guide.markdown``) that every shell resolves its own way.
Pages Claude may write prose for (the overview and the package pages) list their inputs: the files the page
rests on, with their content hashes, which is what keeps written prose fresh or marks it stale.
"""

from __future__ import annotations

import posixpath
import re
from collections import Counter, defaultdict

from onboard.answer.escape import escape
from onboard.graph import to_dot, to_mermaid
from onboard.guide import facts as F
from onboard.guide.markdown import code, page_link, where
from onboard.guide.model import Guide, Page
from onboard.guide.structure import Structure
from onboard.store import Index
from onboard.store.db import FileRow
from onboard.store.history import OWNERS_KEY, has_history, ownership, recent_changes

CORE_COUNT, KEY_FILES, KEY_SYMBOLS, LISTED, READING_PATH, DIAGRAM_NODES, OVERVIEW_FILES = 12, 8, 10, 25, 10, 40, 5


def _more(items: list, shown: int) -> list[str]:
    return [f"- … and {len(items) - shown} more"] if len(items) > shown else []


def build_guide(index: Index) -> Guide:
    """The guide of ``index`` from the index alone; prose Claude wrote is attached by ``onboard.guide.prose``."""
    b = Structure(index)
    b.packages()
    b.centrality()
    overview, scripts = _overview(b)
    entry = F.scan_entry_points({p: b.texts[p] for p in b.code if b.roles[p] == "source"},
                                {p: b.files[p].language for p in b.code})
    entry.scripts = scripts
    entry.public.sort(key=lambda f: (f.path.count("/"), -b.files[f.path].pagerank, f.path))  # the broadest first
    pages = [overview, _layers(b), _entry_points(b, entry), _core(b), _reading_path(b, entry)]
    pages += [_package_page(b, package) for package in sorted(b.members)]
    shown = sorted(b.graph, key=lambda p: -b.graph.nodes[p]["pagerank"])[:DIAGRAM_NODES]
    diagram = b.graph.subgraph(shown).copy()
    if "." in diagram:
        diagram.nodes["."]["label"] = b.label(".")
    return Guide(index.name, pages, to_mermaid(diagram), to_dot(diagram, title=f"{index.name}: packages by layer"),
                 _questions(b, entry))


# -- pages --------------------------------------------------------------------------------------------------

def _top_level(b: Structure, pattern: str) -> str | None:
    found = sorted((p for p in b.files if "/" not in p and re.match(pattern, p, re.I)), key=len)
    return found[0] if found else None


def _overview(b: Structure) -> tuple[Page, list[F.Fact]]:
    info = F.Overview()
    readme = _top_level(b, r"readme(\.\w+)?$")
    lines = [f"# {escape(b.index.name)}: overview", ""]
    inputs = {}
    if readme:
        info.readme = F.readme_paragraph(readme, b.texts[readme])
        inputs[readme] = b.files[readme].sha256
    for name in F.MANIFESTS:
        if name in b.files:
            F.manifest_facts(name, b.texts[name], info)
            inputs[name] = b.files[name].sha256
    lines += ["## What it is", ""]
    # the package's own one-line description first: a README may open with anything (credits, a notice)
    for fact in info.manifests:
        lines.append(f"- {escape(fact.text)} ({where(fact.path, fact.line)})")
    if info.readme:
        if info.manifests:
            lines.append("")
        lines.append(f"{escape(info.readme.text)} ({where(readme, info.readme.line, info.readme.last)})")
    if not info.readme and not info.manifests:
        lines.append("The repository has no README or manifest at its top level, so the index cannot say what "
                     "it is for; the packages below say what each part does.")
    lines += ["", "## Built with", ""]
    by_language: dict[str, list[FileRow]] = defaultdict(list)
    for path in b.code:
        if b.roles[path] == "source":
            by_language[b.files[path].language].append(b.files[path])
    for language, rows in sorted(by_language.items(), key=lambda item: -sum(f.lines for f in item[1])):
        largest = max(rows, key=lambda f: f.lines)
        lines.append(f"- {escape(language)}: {len(rows)} source files, {sum(f.lines for f in rows):,} lines "
                     f"(largest: {where(largest.path, 1, largest.lines)})")
    if info.dependencies:
        deps = ", ".join(f"{code(d.text, 60)} ({where(d.path, d.line)})" for d in info.dependencies[:LISTED])
        lines += ["", f"Dependencies declared: {deps}" + (" …" if len(info.dependencies) > LISTED else "")]
    externals = Counter(name for used in b.externals.values() for name in used)
    if externals:
        first = {name: path for used in b.externals.values() for name, path in used.items()}
        lines += ["", "External packages imported most: " + ", ".join(
            f"{code(name, 40)} ({where(first[name], b.import_line(first[name], 'ext:' + name))})"
            for name, _ in externals.most_common(12))]
    lines += ["", "## How it is organised", ""]
    counts = Counter(b.roles[p] for p in b.files)
    lines.append(f"{len(b.files):,} indexed files ({', '.join(f'{n:,} {role}' for role, n in counts.most_common())}) "
                 f"in {len(b.members)} code packages over {max(b.layer.values(), default=-1) + 1} layers: see "
                 f"{page_link('Layers', 'layers')}, {page_link('Entry points', 'entry-points')}, "
                 f"{page_link('Core abstractions', 'core')} and the {page_link('Reading path', 'reading-path')}.")
    top = sorted(b.members, key=lambda p: -b.graph.nodes[p]["pagerank"])[:8]
    for package in top:
        doc = b.doc(b.main_file(package))
        what = f": {escape(doc.text[:160])} ({where(doc.path, doc.line, doc.last)})" if doc else \
            f" ({where(b.main_file(package), 1)})"
        lines.append(f"- {page_link(b.label(package), b.slugs[package])}{what}")
    central = sorted((p for p in b.code if b.roles[p] == "source" and b.files[p].pagerank > 0),
                     key=lambda p: -b.files[p].pagerank)[:OVERVIEW_FILES]
    inputs.update((path, b.files[path].sha256) for path in central)  # what Claude writes the overview from
    lines += _recently_changed(b)
    scripts = [_script_target(b, fact) for fact in info.scripts]
    return Page("overview", "Overview", "overview", "\n".join(lines), inputs), scripts


def _recently_changed(b: Structure) -> list[str]:
    """The newest commits with the files they touched (when the index read git history)."""
    if not has_history(b.index):
        return []
    lines = ["", "## Recently changed", ""]
    for change in recent_changes(b.index, 8):
        files = [f for f in change.files if f in b.files]
        touched = ", ".join(where(f, 1) for f in files[:3]) + (f" and {len(files) - 3} more" if len(files) > 3 else "")
        lines.append(f"- {escape(change.date)} · {escape(change.author)}: {escape(change.subject)}"
                     + (f" ({touched})" if touched else ""))
    return lines if len(lines) > 3 else []


def _who_to_ask(b: Structure, package: str, main: str) -> list[str]:
    """CODEOWNERS owners and the people who changed the package most in the last 12 months."""
    known = ownership(b.index, "" if package == "." else package)
    if not known.known:
        return []
    codeowners = b.db.manifest().get(OWNERS_KEY, "")
    lines = ["", "## Who to ask", ""]
    if known.owners:
        at = where(codeowners, 1) if codeowners in b.files else where(main, 1)
        lines.append(f"- Owners: {', '.join(code(o, 60) for o in known.owners)} ({at})")
    for person in known.authors:
        lines.append(f"- {escape(person.name)} {code(person.email, 80)}: {person.lines_changed:,} lines in "
                     f"{person.commits} commit{'s' if person.commits != 1 else ''}, last on {escape(person.last_change)}"
                     f" ({where(main, 1)})")
    if known.last_change:
        lines.append(f"- Last change {escape(known.last_change)}; {known.churn:,} lines changed in {known.commits} "
                     f"commit{'s' if known.commits != 1 else ''} over the last 12 months ({where(main, 1)})")
    return lines


def _module_file(b: Structure, module: str) -> str | None:
    base = module.replace(".", "/")
    for candidate in (f"{base}.py", f"{base}/__init__.py", f"src/{base}.py", f"src/{base}/__init__.py",
                      posixpath.normpath(module) if "/" in module else ""):
        if candidate in b.files:
            return candidate
    return None


def _script_target(b: Structure, fact: F.Fact) -> F.Fact:
    """A console script with its target resolved to a file and line where the index has it."""
    module, _, attribute = fact.detail.partition(":")
    path = _module_file(b, module.strip())
    if path is None:
        return fact
    line = 1
    if attribute:
        line = next((s.start_line for s in b.symbols.get(path, []) if s.name == attribute.strip()), None) \
            or F.line_of(b.texts[path], f"{attribute.strip()} =")
    return F.Fact(fact.text, fact.path, fact.line, detail=f"{fact.detail}|{path}|{line}")


def _layers(b: Structure) -> Page:
    lines = ["# Layers", "", "Packages in dependency order: a package only imports packages in layers below it "
             "(layer 0 imports no other package of the repository). Read from the bottom up to meet each idea "
             "before it is used; read from the top down to follow a request in.", ""]
    for layer in sorted(set(b.layer.values()), reverse=True):
        packages = sorted((p for p in b.members if b.layer[p] == layer), key=lambda p: -b.graph.nodes[p]["pagerank"])
        label = "foundation" if layer == 0 else "top" if layer == max(b.layer.values()) else ""
        lines += [f"## Layer {layer}" + (f" ({label})" if label else ""), ""]
        for package in packages[:LISTED * 2]:
            deps = sorted(b.graph.successors(package))
            uses = (" → uses " + ", ".join(page_link(b.label(d), b.slugs[d]) for d in deps[:8])
                    + (" …" if len(deps) > 8 else "")) if deps else ""
            main = b.main_file(package)
            lines.append(f"- {page_link(b.label(package), b.slugs[package])} ({where(main, 1)}, "
                         f"{b.graph.nodes[package]['files']} files){uses}")
        lines += _more(packages, LISTED * 2) + [""]
    if b.cycles:
        lines += ["## Import cycles", ""]
        for cycle in b.cycles[:10]:
            a, c = cycle[0], cycle[1]
            src, dst = (b.file_deps.get((a, c)) or b.file_deps.get((c, a)) or [("", "")])[0]
            evidence = f" (e.g. {where(src, b.import_line(src, dst))})" if src else ""
            lines.append(f"- {' ↔ '.join(escape(b.label(p)) for p in cycle)}{evidence}")
    if len(b.graph) > DIAGRAM_NODES:
        lines += ["", f"The diagram shows the {DIAGRAM_NODES} most central of {len(b.graph)} packages."]
    return Page("layers", "Layers", "section", "\n".join(lines))


def _entry_points(b: Structure, entry: F.EntryPoints) -> Page:
    lines = ["# Entry points", "", "Where execution enters the code: commands people run, programs, command-line "
             "commands, web routes, and the modules that declare a public API.", ""]

    def section(title: str, items: list[F.Fact], render) -> None:
        lines.extend([f"## {title}", ""])
        lines.extend(render(f) for f in items[:LISTED])
        lines.extend(_more(items, LISTED))
        if not items:
            lines.append("None found in the index.")
        lines.append("")

    def script(f: F.Fact) -> str:
        target, _, resolved = f.detail.partition("|")
        path, _, line = resolved.partition("|")
        to = f" → {where(path, int(line))}" if path else ""
        return f"- {code(f.text)} runs {code(target)} ({where(f.path, f.line)}){to}"

    section("Console scripts", entry.scripts, script)
    section("Programs (`__main__` and `main`)", entry.mains, lambda f: f"- {code(f.text)}: {where(f.path, f.line, f.last)}")
    section("Command-line commands", entry.commands,
            lambda f: f"- {code(f.text)}" + (f" ({code(f.detail)})" if f.detail else "") + f": {where(f.path, f.line, f.last)}")
    section("Web routes and handlers", entry.routes,
            lambda f: f"- {code(f.text)}" + (f" → {code(f.detail)}" if f.detail else "") + f": {where(f.path, f.line, f.last)}")
    section("Public API modules", entry.public, lambda f: f"- {escape(f.path)}: {escape(f.text)} ({where(f.path, f.line, f.last)})")
    return Page("entry-points", "Entry points", "section", "\n".join(lines))


def _core(b: Structure) -> Page:
    lines = ["# Core abstractions", "", "The definitions the rest of the code leans on most (PageRank over the "
             "graph of which definition uses which), with their signatures and what their docstrings say.", ""]
    top = b.top_symbols(sorted(b.code), CORE_COUNT)
    lines += [b.symbol_line(s) for s in top] or ["The index holds no classes or functions in source files."]
    return Page("core", "Core abstractions", "section", "\n".join(lines))


def _reading_path(b: Structure, entry: F.EntryPoints) -> Page:
    steps: list[tuple[str, int, int, str]] = []  # path, start, end, why

    def add(path: str | None, why: str, start: int = 1, end: int | None = None) -> None:
        if path and path in b.files and path not in {s[0] for s in steps} and len(steps) < READING_PATH:
            steps.append((path, start, end or min(b.files[path].lines, start + 39) or 1, why))

    readme = _top_level(b, r"readme(\.\w+)?$")
    add(readme, "what the project is for and how people use it")
    add(_top_level(b, r"(architecture|design|overview)(\.\w+)?$"), "how its parts fit together, in its authors' words")
    add(next((m for m in F.MANIFESTS if m in b.files), None), "what it is built with and which commands it installs")
    for f in entry.scripts[:1]:
        _, _, resolved = f.detail.partition("|")
        path, _, line = resolved.partition("|")
        add(path or None, f"where the {f.text!r} command starts", int(line or 1))
    for f in (entry.mains + entry.commands + entry.routes)[:1]:
        add(f.path, "where execution enters the code", f.line)
    for f in entry.public[:1]:
        add(f.path, "the public API the rest of the world calls")
    for symbol in b.top_symbols(sorted(b.code), 2):
        add(symbol.path, f"defines {symbol.name}, one of the most used abstractions", symbol.start_line,
            min(symbol.end_line, symbol.start_line + 39))
    central = sorted((p for p in b.code if b.roles[p] == "source" and b.importers.get(p)),
                     key=lambda p: (-len(b.importers[p]), -b.files[p].pagerank, p))[:READING_PATH]
    room = READING_PATH - len(steps) - 1
    for path in sorted(central[:max(room, 0)], key=lambda p: (b.layer.get(b.owner.get(p, ""), 0), -b.files[p].pagerank)):
        names = ", ".join([s.name for s in b.symbols.get(path, []) if s.parent is None][:3])
        users = len(b.importers.get(path, ()))
        add(path, f"central: imported by {users} file{'s' if users != 1 else ''}"
                  + (f"; defines {names}" if names else "") + f" (layer {b.layer.get(b.owner.get(path, ''), 0)})")
    tests = Counter(e.src for e in b.edges if b.roles[e.src] == "test" and e.dst in {s[0] for s in steps})
    if tests:
        test = tests.most_common(1)[0][0]
        add(test, "a test that shows the central code in use")
    lines = ["# Reading path", "", f"{len(steps)} files to read in this order on day one, each with why.", ""]
    for n, (path, start, end, why) in enumerate(steps, 1):
        lines.append(f"{n}. {where(path, start, end)}: {escape(why)}")
    return Page("reading-path", "Reading path", "section", "\n".join(lines))


def _package_page(b: Structure, package: str) -> Page:
    files = b.members[package]
    main = b.main_file(package)
    node = b.graph.nodes[package]
    lines = [f"# Package {escape(b.label(package))}", ""]
    doc = b.doc(main) or next((d for d in map(b.doc, files) if d), None)
    lines += ["## Purpose", ""]
    if doc:
        lines.append(f"{escape(doc.text)} ({where(doc.path, doc.line, doc.last)})")
    else:
        lines.append(f"No file of this package states its purpose in a docstring or header comment ({where(main, 1)}).")
    lines.append(f"\n{node['files']} files, {node['lines']:,} lines; layer {b.layer[package]} of the "
                 f"{page_link('layers', 'layers')} ({where(main, 1)}).")
    lines += ["", "## Key files", ""]
    for path in files[:KEY_FILES]:
        fdoc = b.doc(path)
        lines.append(f"- {where(path, 1, b.files[path].lines)} ({b.files[path].lines} lines)"
                     + (f": {escape(fdoc.text[:160])}" if fdoc else ""))
    lines += _more(files, KEY_FILES)
    symbols = b.top_symbols(files, KEY_SYMBOLS)
    lines += ["", "## Key symbols", ""] + ([b.symbol_line(s, detailed=True) for s in symbols]
                                            or ["No public classes or functions are defined here."])
    lines += ["", "## Depends on", ""]
    deps = sorted(b.graph.successors(package), key=lambda d: -len(b.file_deps[(package, d)]))
    for dep in deps[:LISTED]:
        src, dst = b.file_deps[(package, dep)][0]
        n = len(b.file_deps[(package, dep)])
        lines.append(f"- {page_link(b.label(dep), b.slugs[dep])}: {n} import{'s' if n != 1 else ''}, e.g. "
                     f"{where(src, b.import_line(src, dst))}")
    lines += _more(deps, LISTED)
    external = b.externals.get(package, {})
    if external:
        lines.append("- external: " + ", ".join(f"{code(name, 40)} ({where(path, b.import_line(path, 'ext:' + name))})"
                                               for name, path in sorted(external.items())[:LISTED]))
    if not deps and not external:
        lines.append("Nothing else in the repository: this package is a foundation.")
    lines += ["", "## Used by", ""]
    users = sorted(b.graph.predecessors(package), key=lambda u: -len(b.file_deps[(u, package)]))
    for user in users[:LISTED]:
        src, dst = b.file_deps[(user, package)][0]
        lines.append(f"- {page_link(b.label(user), b.slugs[user])}: e.g. {where(src, b.import_line(src, dst))}")
    lines += _more(users, LISTED)
    if not users:
        lines.append("No other code package imports it: it is a top layer, an entry point or unused.")
    tests: dict[str, str] = {}
    for edge in (e for path in files for e in b.tested_by.get(path, ())):
        tests.setdefault(edge.src, edge.dst)
    lines += ["", "## Tests that exercise it", ""]
    for test, target in sorted(tests.items())[:LISTED]:
        lines.append(f"- {where(test, b.import_line(test, target))} (imports {escape(target)})")
    lines += _more(sorted(tests), LISTED)
    if not tests:
        lines.append("No test file imports this package.")
    lines += _who_to_ask(b, package, main)
    lines += ["", "## Open questions", ""] + _open_questions(b, package, files, tests, doc)
    inputs = {path: b.files[path].sha256 for path in files}
    return Page(b.slugs[package], b.label(package), "package", "\n".join(lines), inputs, package)


def _open_questions(b: Structure, package: str, files: list[str], tests: dict, doc: F.Fact | None) -> list[str]:
    """What the index could not tell about this package, each pointing at where to look."""
    main = b.main_file(package)
    questions = []
    if not doc:
        questions.append(f"- What is this package for? Nothing in it says ({where(main, 1)}).")
    if not tests:
        questions.append(f"- How is it tested? No test imports it ({where(main, 1)}).")
    broken = [f for f in files if b.files[f].had_errors]
    for path in broken[:5]:
        questions.append(f"- {where(path, 1)} did not parse cleanly: some of its definitions may be missing here.")
    undocumented = [s for s in b.top_symbols(files, 50) if not s.docstring]
    if undocumented:
        s = undocumented[0]
        questions.append(f"- {len(undocumented)} of its central public definitions have no docstring, e.g. "
                         f"{code(s.qualname)} ({where(s.path, s.start_line, s.end_line)}): what do they promise?")
    for cycle in b.cycles:
        if package in cycle:
            others = [p for p in cycle if p != package][:3]
            pair = next(((a, c) for a, c in b.file_deps if a == package and c in cycle), None)
            src, dst = b.file_deps[pair][0] if pair else (main, main)
            questions.append(f"- It is in an import cycle with {', '.join(escape(o) for o in others)} "
                             f"({where(src, b.import_line(src, dst))}): which way should the dependency go?")
            break
    skipped = b.skipped.get(package, [])
    if skipped:
        questions.append(f"- {len(skipped)} file(s) here were not indexed (e.g. {code(skipped[0].path)}: "
                         f"{escape(skipped[0].reason)}), so nothing above covers them ({where(main, 1)}).")
    return questions or [f"- None the index can name: the code, its docstrings and its tests agree ({where(main, 1)})."]


def _questions(b: Structure, entry: F.EntryPoints) -> list[str]:
    """Starter questions a new hire would ask about this repository, from its own names."""
    questions = ["What does this project do, and where does execution start?"]
    if entry.scripts:
        questions.append(f"What happens, step by step, when someone runs `{entry.scripts[0].text}`?")
    elif entry.routes:
        questions.append(f"How is a request to `{entry.routes[0].text}` handled?")
    elif entry.commands:
        questions.append(f"How does the `{entry.commands[0].text}` command work?")
    core = b.top_symbols(sorted(b.code), 2)
    if core:
        questions.append(f"What is `{core[0].name}` responsible for, and who uses it?")
    top = sorted(b.members, key=lambda p: -b.graph.nodes[p]["pagerank"])[:2]
    if len(top) == 2:
        named = [f"`{p}`" if p != "." else "the top-level modules" for p in top]
        questions.append(f"How do {named[0]} and {named[1]} work together?")
    questions.append("Where is configuration read, and what can be configured?")
    return questions
