"""Turn definition nodes into ``Symbol`` records: names, nesting, signatures and doc comments."""

from __future__ import annotations

import re

from tree_sitter import Node

from onboard.models import CONTAINERS, Symbol
from onboard.parse.grammar import ACCESSOR_KEYWORDS, BODY_FIELDS, COMMENT_TYPES, DEFINITIONS, PROPERTY_DECORATORS

_SPACES = re.compile(r"\s+")
MAX_SIGNATURE = 300
MAX_DOCSTRING = 600
_NAME_NODES = ("identifier", "field_identifier", "type_identifier", "property_identifier", "constant",
               "qualified_identifier", "destructor_name", "operator_name", "scoped_identifier", "name")


def _text(node: Node | None) -> str:
    return node.text.decode("utf-8", "replace") if node is not None and node.text is not None else ""


def _declarator_name(node: Node | None) -> str:
    """C/C++ hide a function's name inside nested declarators (pointer, function, reference ...)."""
    while node is not None:
        if node.type in _NAME_NODES:
            return _text(node)
        node = node.child_by_field_name("declarator") or next(
            (c for c in node.named_children if c.type in _NAME_NODES or "declarator" in c.type), None)
    return ""


def symbol_name(node: Node) -> str:
    name = node.child_by_field_name("name")
    if name is not None:
        return _text(name)
    if node.type == "impl_item":  # rust: `impl Trait for Type` is named after the type
        return _text(node.child_by_field_name("type"))
    if node.type == "function_definition":
        return _declarator_name(node.child_by_field_name("declarator"))
    if node.type == "type_definition":
        return _declarator_name(node.child_by_field_name("declarator"))
    return ""


def _kind(language: str, node: Node, parent_kind: str | None) -> str:
    kind = DEFINITIONS[language][node.type]
    if node.type == "type_spec":  # go: `type X struct {...}` / `type Y interface {...}`
        body = node.child_by_field_name("type")
        kind = {"struct_type": "struct", "interface_type": "interface"}.get(body.type if body else "", "type")
    if kind == "function" and parent_kind in CONTAINERS and parent_kind != "module":
        kind = "method"
    if kind == "method" and _is_property(node):
        kind = "property"
    return kind


def _is_property(node: Node) -> bool:
    """A method read like a data attribute (``grammar.PROPERTY_DECORATORS``, ``grammar.ACCESSOR_KEYWORDS``)."""
    if node.type == "method_definition":
        return any(child.type in ACCESSOR_KEYWORDS for child in node.children)
    parent = node.parent
    return parent is not None and parent.type == "decorated_definition" and any(
        _text(child).lstrip("@").strip().rsplit(".", 1)[-1] in PROPERTY_DECORATORS
        for child in parent.children if child.type == "decorator")


_COMMENT_STARTS = ("#", "//", "/*")


def _signature(node: Node, source: bytes) -> str:
    """The header of a definition: everything before its body, on one line."""
    body = next((b for f in BODY_FIELDS if (b := node.child_by_field_name(f)) is not None), None)
    end = body.start_byte if body is not None and body.start_byte > node.start_byte else node.end_byte
    header = source[node.start_byte:end].decode("utf-8", "replace")
    if body is None:
        header = header.split("\n", 1)[0]
    lines = header.split("\n")
    while len(lines) > 1 and (not lines[-1].strip() or lines[-1].strip().startswith(_COMMENT_STARTS)):
        lines.pop()  # blank lines and comments between the header and the body
    header = _SPACES.sub(" ", "\n".join(lines)).strip().rstrip("{:").strip()
    return header[:MAX_SIGNATURE]


def _python_docstring(node: Node) -> str:
    body = node.child_by_field_name("body")
    first = body.named_children[0] if body is not None and body.named_children else None
    if first is not None and first.type == "expression_statement" and first.named_children:
        first = first.named_children[0]  # older grammars wrap the docstring in a statement
    if first is None or first.type != "string":
        return ""
    content = [c for c in first.named_children if c.type == "string_content"]
    return "".join(_text(c) for c in content).strip()


def _leading_comment(node: Node) -> str:
    """Comments right above a definition (`///`, `/** */`, `#`): the usual doc form outside Python."""
    lines: list[str] = []
    prev = node.prev_named_sibling
    row = node.start_point[0]
    while prev is not None and prev.type in COMMENT_TYPES and row - prev.end_point[0] <= 1:
        lines.insert(0, _text(prev))
        row = prev.start_point[0]
        prev = prev.prev_named_sibling
    cleaned = (re.sub(r"^\s*(/\*\*?|\*/|\*|///?|#)\s?", "", line) for block in lines for line in block.splitlines())
    return "\n".join(line.rstrip("*/ ") for line in cleaned).strip()


def _docstring(language: str, node: Node) -> str:
    doc = _python_docstring(node) if language == "python" else _leading_comment(node)
    return doc[:MAX_DOCSTRING]


def _go_receiver(node: Node) -> str:
    receiver = node.child_by_field_name("receiver")
    names = [n for n in _walk(receiver) if n.type == "type_identifier"] if receiver is not None else []
    return _text(names[0]) if names else ""


def _walk(node: Node):
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.children))


def build_symbols(language: str, path: str, source: bytes, nodes: list[Node]) -> list[Symbol]:
    """Symbols from definition nodes in document order; nesting by byte ranges gives qualnames."""
    nodes = sorted(nodes, key=lambda n: (n.start_byte, -n.end_byte))
    stack: list[tuple[Node, Symbol]] = []
    symbols: list[Symbol] = []
    for node in nodes:
        while stack and stack[-1][0].end_byte <= node.start_byte:
            stack.pop()
        name = symbol_name(node)
        if not name or (node.type.endswith("_specifier") and node.child_by_field_name("body") is None):
            continue  # C's `struct cart *c` mentions a struct; only `struct cart {...}` defines it
        parent = stack[-1][1] if stack else None
        kind = _kind(language, node, parent.kind if parent else None)
        prefix = parent.qualname if parent else ""
        if node.type == "method_declaration" and language == "go":
            prefix = _go_receiver(node) or prefix
        symbol = Symbol(
            name=name,
            qualname=f"{prefix}.{name}" if prefix else name,
            kind=kind,
            path=path,
            start_line=node.start_point[0] + 1,
            end_line=node.end_point[0] + 1,
            signature=_signature(node, source),
            docstring=_docstring(language, node),
            parent=parent.qualname if parent else None,
        )
        symbols.append(symbol)
        stack.append((node, symbol))
    return symbols
