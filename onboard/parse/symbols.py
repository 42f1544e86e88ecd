"""Turn definition nodes into ``Symbol`` records: names, nesting, signatures and doc comments."""

from __future__ import annotations

import re

from tree_sitter import Node

from onboard.models import CONTAINERS, MODULES, TEST_MODULE, Symbol
from onboard.parse.grammar import (ACCESSOR_KEYWORDS, BODY_FIELDS, COMMENT_TYPES, DEFINITIONS, PROPERTY_DECORATORS,
                                   VALUE_DEFINITIONS)

_SPACES = re.compile(r"\s+")
MAX_SIGNATURE = 300
MAX_DOCSTRING = 600
_NAME_NODES = ("identifier", "field_identifier", "type_identifier", "property_identifier", "constant",
               "qualified_identifier", "destructor_name", "operator_name", "scoped_identifier", "name")


def _text(node: Node | None) -> str:
    return node.text.decode("utf-8", "replace") if node is not None and node.text is not None else ""


def _declarator_name(node: Node | None) -> Node | None:
    """C/C++ hide a function's name inside nested declarators (pointer, function, reference ...)."""
    while node is not None:
        if node.type in _NAME_NODES:
            return node
        node = node.child_by_field_name("declarator") or next(
            (c for c in node.named_children if c.type in _NAME_NODES or "declarator" in c.type), None)
    return None


def _qualified(node: Node | None) -> tuple[list[str], Node | None]:
    """C++'s out-of-line ``A::B::f``: the scopes' names (a template's ``X<T>`` is ``X``) and the last name."""
    scopes = []
    while node is not None and node.type == "qualified_identifier" and node.child_by_field_name("name"):
        scope = node.child_by_field_name("scope")
        if scope is not None:
            scopes.append(_text(scope.child_by_field_name("name") or scope))
        node = node.child_by_field_name("name")
    return scopes, node


def _base_type(node: Node | None) -> str:
    """The type a Rust ``impl`` is for, by its base name (``Checker<'a>``, ``&mut Checker``, ``a::Checker``: all
    ``Checker``), so that its methods join the struct's (``Checker.visit_stmt``); generics stay in the signature."""
    while node is not None and node.type in ("generic_type", "reference_type", "pointer_type"):
        node = node.child_by_field_name("type")
    if node is not None and node.type == "scoped_type_identifier":
        node = node.child_by_field_name("name")
    return _SPACES.sub(" ", _text(node))


def symbol_name(node: Node) -> str:
    name = node.child_by_field_name("name")
    if name is not None:
        return _text(name)
    if node.type in VALUE_DEFINITIONS:  # JavaScript's class field names its `property`, an object's pair its `key`
        return _text(node.child_by_field_name("property") or node.child_by_field_name("key")).strip("'\"`")
    if node.type == "impl_item":  # rust: `impl Trait for Type` is named after the type
        return _base_type(node.child_by_field_name("type"))
    if node.type in ("function_definition", "type_definition"):
        return _text(_qualified(_declarator_name(node.child_by_field_name("declarator")))[1])
    return ""


# Expressions that hand an object literal on unchanged: `({...})`, `{...} as const`, `{...} satisfies Api`.
_TRANSPARENT = frozenset({"parenthesized_expression", "as_expression", "satisfies_expression", "non_null_expression"})
_BINDINGS = frozenset({"variable_declarator", "field_definition", "public_field_definition", "pair"})


def _bound_names(value: Node) -> list[str] | None:
    """The names an object literal is bound to, outermost first: ``api`` for ``const api = {...}``, ``test`` for
    ``const test = base.extend({...})`` (the object a call is given), ``api.users`` for ``const api = {users:
    {...}}``; None where it has none (``register({...})``, ``module.exports = {...}``)."""
    parent = value.parent
    while parent is not None and parent.type in _TRANSPARENT:
        value, parent = parent, parent.parent
    if parent is not None and parent.type == "arguments" and value.type == "object" and parent.parent is not None:
        return _bound_names(parent.parent)
    if parent is None or parent.type not in _BINDINGS or parent.child_by_field_name("value") != value:
        return None
    if parent.type != "pair":
        return [symbol_name(parent)]
    outer = _bound_names(parent.parent) if parent.parent is not None else None
    return outer + [symbol_name(parent)] if outer is not None else None


def _cfg_test(item: Node) -> bool:
    """Whether an attribute compiles what it marks for tests alone: ``#[cfg(test)]``, ``#[cfg(all(test, ...))]``;
    not ``cfg(any(test, ...))`` nor ``cfg(not(test))``, which compile it in other builds too."""
    attribute = next((c for c in item.named_children if c.type == "attribute"), None)
    if attribute is None or not attribute.named_children or _text(attribute.named_children[0]) != "cfg":
        return False
    arguments = attribute.child_by_field_name("arguments")
    predicate = arguments.named_children if arguments is not None else []
    if len(predicate) == 2 and _text(predicate[0]) == "all" and predicate[1].type == "token_tree":
        predicate = predicate[1].named_children  # `all(...)`: test must be one of its own terms, not nested deeper
    elif len(predicate) != 1:
        return False
    return any(term.type == "identifier" and _text(term) == "test" for term in predicate)


def _for_tests(node: Node) -> bool:
    """A Rust ``mod`` under a ``#[cfg(test)]`` attribute (among the attributes and comments right above it)."""
    prev = node.prev_named_sibling
    while prev is not None and (prev.type == "attribute_item" or prev.type in COMMENT_TYPES):
        if prev.type == "attribute_item" and _cfg_test(prev):
            return True
        prev = prev.prev_named_sibling
    return False


def _kind(language: str, node: Node, member: bool) -> str:
    kind = DEFINITIONS[language][node.type]
    if node.type == "mod_item" and _for_tests(node):
        return TEST_MODULE
    if node.type == "type_spec":  # go: `type X struct {...}` / `type Y interface {...}`
        body = node.child_by_field_name("type")
        kind = {"struct_type": "struct", "interface_type": "interface"}.get(body.type if body else "", "type")
    if kind == "function" and member:
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
    """The header of a definition: everything before its body (a bound function's: ``f = async (x) =>``), on
    one line."""
    function = node.child_by_field_name("value") if node.type in VALUE_DEFINITIONS else node
    body = next((b for f in BODY_FIELDS if function and (b := function.child_by_field_name(f)) is not None), None)
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


# Nodes that hold a definition and name nothing themselves: the doc comment above one is the definition's
# (`/** doc */ export function f`, Go's `// doc` above `type X struct`, whose `type_spec` is the symbol, and
# `const f = () => ...`'s declaration).
_WRAPPERS = frozenset({"export_statement", "type_declaration", "template_declaration", "lexical_declaration",
                       "variable_declaration"})
# What may stand between a doc comment and its definition: Rust's `#[derive(...)]` lines, a decorator before
# `export class`, C++'s `template <typename T>`.
_PREAMBLES = frozenset({"attribute_item", "decorator", "template_parameter_list"})


def _above(node: Node) -> tuple[Node | None, int]:
    """The node right above a definition, past its preambles and out of its wrappers, and the row it starts."""
    while True:
        prev, row = node.prev_named_sibling, node.start_point[0]
        while prev is not None and prev.type in _PREAMBLES:
            prev, row = prev.prev_named_sibling, prev.start_point[0]
        if prev is not None or node.parent is None or node.parent.type not in _WRAPPERS:
            return prev, row
        node = node.parent


def _leading_comment(node: Node) -> str:
    """Comments right above a definition (`///`, `/** */`, `#`): the usual doc form outside Python."""
    lines: list[str] = []
    prev, row = _above(node)
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


def _join(*names: str | None) -> str | None:
    return ".".join(name for name in names if name) or None


def _place(language: str, node: Node, enclosing: Symbol | None) -> tuple[str | None, str | None, bool]:
    """Where a definition sits: the qualified name its name goes under, its parent's, and whether it is a member
    (of a class, or of what an object literal or a C++ scope names: a function there is a method)."""
    outer = enclosing.qualname if enclosing else None
    in_class = enclosing is not None and enclosing.kind in CONTAINERS and enclosing.kind not in MODULES
    if node.type == "method_declaration" and language == "go":
        return _go_receiver(node) or outer, outer, in_class
    if node.type in ("pair", "method_definition") and node.parent is not None and node.parent.type == "object":
        # An object's member belongs to the name the object is bound to; one bound to none is nested where it is
        # written, but never in a class, which holds fields and methods, not the members of an object it makes.
        names = _bound_names(node.parent)
        owner = _join(outer, *names) if names else None if in_class else outer
        return owner, owner, True
    if node.type == "function_definition" and language == "cpp":
        scopes = _qualified(_declarator_name(node.child_by_field_name("declarator")))[0]
        if scopes:  # `void Dispatch::find() {}` is a method of the class `Dispatch` its header declares
            return _join(outer, *scopes), _join(outer, *scopes), True
    return outer, outer, in_class


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
        prefix, parent, member = _place(language, node, stack[-1][1] if stack else None)
        symbol = Symbol(
            name=name,
            qualname=_join(prefix, name) or name,
            kind=_kind(language, node, member),
            path=path,
            start_line=node.start_point[0] + 1,
            end_line=node.end_point[0] + 1,
            signature=_signature(node, source),
            docstring=_docstring(language, node),
            parent=parent,
        )
        symbols.append(symbol)
        stack.append((node, symbol))
    return symbols
