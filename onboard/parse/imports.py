"""Read import statements into ``Import`` records, as written; resolving them is the graph's job.

``level`` carries "relative to this file": Python's leading dots, and 1 for forms that name a path
next to the importing file (C's quoted includes, Ruby's require_relative, Rust's `mod x;`,
JavaScript's "./x").
"""

from __future__ import annotations

from tree_sitter import Node

from onboard.models import Import

_REQUIRE_FUNCS = {"require", "require_relative", "load"}


def _text(node: Node | None) -> str:
    return node.text.decode("utf-8", "replace") if node is not None and node.text is not None else ""


def _unquote(text: str) -> str:
    return text.strip().strip("\"'`<>")


def _python(node: Node, path: str) -> list[Import]:
    line = node.start_point[0] + 1
    if node.type == "import_statement":
        modules = []
        for child in node.children_by_field_name("name"):
            target = child.child_by_field_name("name") if child.type == "aliased_import" else child
            modules.append(Import(_text(target), path, line))
        return modules
    module_node = node.child_by_field_name("module_name")
    module = _text(module_node)
    level = len(module) - len(module.lstrip("."))
    names = []
    for child in node.children_by_field_name("name"):
        target = child.child_by_field_name("name") if child.type == "aliased_import" else child
        names.append(_text(target))
    if any(c.type == "wildcard_import" for c in node.children):
        names.append("*")
    return [Import(module.lstrip("."), path, line, tuple(names), level)]


def _string_import(node: Node, path: str, fn: Node | None) -> list[Import]:
    """JS/TS sources, require() calls, Ruby require; only string literals name a module."""
    if fn is not None and _text(fn) not in _REQUIRE_FUNCS:
        return []
    module = _unquote(_text(node))
    if not module:
        return []
    relative = module.startswith(".") or (fn is not None and _text(fn) == "require_relative")
    return [Import(module, path, node.start_point[0] + 1, level=1 if relative else 0)]


def _php_use(clause: Node) -> str:
    """The dotted name a PHP ``use`` clause imports: ``use A\\B\\C as D;`` imports A.B.C, not its alias, and a
    clause of a group, ``use A\\B\\{C, D as E};``, names A.B.C and A.B.D."""
    target = next((c for c in clause.named_children if c.type in ("qualified_name", "name")), clause)
    text = _text(target)
    group = clause.parent
    if group is not None and group.type == "namespace_use_group" and group.parent is not None:
        prefix = next((c for c in group.parent.named_children if c.type == "namespace_name"), None)
        text = f"{_text(prefix)}\\{text}" if prefix is not None else text
    return text.replace("\\", ".").strip(".;")


def _scala_imports(declaration: Node) -> list[str]:
    """The dotted names one Scala ``import`` names: ``a.b.C``, ``a.b.{C, D => E}`` (C and D), ``a.b._`` (``a.b.*``,
    a package's members, written as Java's wildcard), several of them separated by commas."""
    found: list[str] = []
    prefix: list[str] = []
    for child in declaration.children:
        if child.type == "identifier":
            prefix.append(_text(child))
        elif child.type in ("namespace_wildcard", "namespace_selectors"):
            selectors = [child] if child.type == "namespace_wildcard" else child.named_children
            for selector in selectors:
                name = selector.named_children[0] if selector.type == "arrow_renamed_identifier" else selector
                found.append(".".join(prefix + ["*" if selector.type == "namespace_wildcard" else _text(name)]))
            prefix = []
        elif child.type == "," and prefix:
            found.append(".".join(prefix))
            prefix = []
    return found + ([".".join(prefix)] if prefix else [])


def read_imports(language: str, path: str, captures: dict[str, list[Node]]) -> list[Import]:
    nodes = captures.get("imp", [])
    fns = captures.get("fn", [])
    found: list[Import] = []
    for node in nodes:
        line = node.start_point[0] + 1
        if language == "python":
            found.extend(_python(node, path))
        elif language in {"javascript", "typescript", "tsx", "ruby"}:
            call = node.parent.parent if node.parent is not None else None
            fn = next((f for f in fns if call is not None and f.parent == call), None)
            if node.parent is not None and node.parent.type in {"arguments", "argument_list"} and fn is None \
                    and node.parent.parent is not None and node.parent.parent.child_by_field_name("function") is not None \
                    and node.parent.parent.child_by_field_name("function").type != "import":
                continue
            found.extend(_string_import(node, path, fn))
        elif language in {"c", "cpp"}:
            quoted = node.type == "string_literal"
            found.append(Import(_unquote(_text(node)), path, line, level=1 if quoted else 0))
        elif language == "rust":
            if node.parent is not None and node.parent.type == "mod_item":
                if node.parent.child_by_field_name("body") is None:  # `mod x;` names a file
                    found.append(Import(_text(node), path, line, level=1))
            else:
                found.append(Import(_text(node), path, line))
        elif language == "go":
            found.append(Import(_unquote(_text(node)), path, line))
        elif language == "php":
            found.append(Import(_php_use(node), path, line))
        elif language in {"java", "kotlin"}:  # `import a.b.C as D` imports a.b.C; `import a.b.*` the package
            name = next((c for c in node.named_children if c.type in ("scoped_identifier", "identifier")), None)
            wildcard = any(c.type in ("asterisk", "wildcard_import") for c in node.named_children)
            found.append(Import(_text(name) + ".*" * wildcard, path, line))
        elif language == "scala":
            found.extend(Import(module, path, line) for module in _scala_imports(node))
        else:  # csharp: `using A.B;`
            names = [c for c in node.named_children if c.type not in {"comment", "identifier"} or
                     len(node.named_children) == 1]
            target = names[-1] if names else node
            text = _text(target).replace("\\", ".").strip(";")
            found.append(Import(text, path, line))
    return found
