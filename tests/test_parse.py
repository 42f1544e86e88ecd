"""parse: real definitions, imports and references from tree-sitter, for every supported language."""

from __future__ import annotations

from pathlib import Path

import pytest

from onboard.models import SourceFile, in_test_modules
from onboard.parse import chunk_file, parse_file
from onboard.scan import read_source, scan_repo
from tests.conftest import FIXTURES, ROOT

# (language dir, file, expected (kind, qualname, start_line) subset, expected import modules)
EXPECTED = [
    ("python", "shop/cart.py", {("class", "Cart", 6), ("method", "Cart.add", 12), ("method", "Cart.checkout", 19)},
     {"shop.payments.gateway"}),
    ("javascript", "src/cart.js", {("class", "Cart", 5), ("method", "Cart.label", 8)}, {"./util", "lodash"}),
    ("typescript", "src/model.ts", {("interface", "Item", 1), ("type", "Currency", 6), ("enum", "Status", 8)}, set()),
    ("typescript", "src/View.tsx", {("function", "CartView", 4)}, {"react", "./cart"}),
    ("go", "store/store.go", {("struct", "Store", 6), ("interface", "Lister", 11), ("method", "Store.Add", 16),
                              ("function", "New", 21)}, {"fmt"}),
    ("java", "src/main/java/com/shop/Cart.java", {("class", "Cart", 7), ("method", "Cart.total", 13),
                                                  ("interface", "Payable", 18)}, {"com.shop.Item", "java.util.List"}),
    ("rust", "src/cart.rs", {("struct", "Cart", 2), ("trait", "Total", 6), ("method", "Cart.add", 14),
                             ("enum", "Status", 21)}, set()),
    ("c", "src/cart.c", {("function", "cart_add", 5)}, {"cart.h", "stdio.h"}),
    ("cpp", "src/cart.hpp", {("module", "shop", 4), ("class", "shop.Cart", 5)}, {"vector"}),
    ("ruby", "lib/shop/cart.rb", {("module", "Shop", 4), ("class", "Shop.Cart", 5), ("method", "Shop.Cart.add", 6)},
     {"item", "json"}),
    ("csharp", "Shop/Cart.cs", {("interface", "Shop.ICart", 6), ("class", "Shop.Cart", 8),
                                ("method", "Shop.Cart.Add", 14)}, {"Shop.Models", "System.Collections.Generic"}),
]


def load(language_dir: str, rel: str):
    source = read_source(FIXTURES / language_dir / rel, rel)
    assert not hasattr(source, "reason"), source
    return source


@pytest.mark.parametrize(("language_dir", "rel", "symbols", "imports"), EXPECTED, ids=[e[1] for e in EXPECTED])
def test_definitions_and_imports(language_dir: str, rel: str, symbols: set, imports: set) -> None:
    parsed = parse_file(load(language_dir, rel))
    found = {(s.kind, s.qualname, s.start_line) for s in parsed.symbols}
    assert symbols <= found, found
    assert imports <= {i.module for i in parsed.imports}
    assert not parsed.had_errors
    for symbol in parsed.symbols:
        assert symbol.start_line <= symbol.end_line
        assert symbol.signature and "\n" not in symbol.signature


def test_signatures_docstrings_and_references() -> None:
    parsed = parse_file(load("python", "shop/cart.py"))
    by_name = {s.qualname: s for s in parsed.symbols}
    assert by_name["Cart.add"].signature == "def add(self, name: str, cents: int) -> None"
    assert by_name["Cart.add"].docstring == "Add an item."
    assert by_name["Cart"].docstring == "A cart of priced items."
    assert by_name["Cart.add"].parent == "Cart"
    assert ("charge", 20) in {(r.name, r.line) for r in parsed.references}
    relative = parse_file(load("python", "shop/__init__.py")).imports[0]
    assert (relative.module, relative.level, relative.names) == ("cart", 1, ("Cart",))
    go = parse_file(load("go", "store/store.go"))
    assert next(s for s in go.symbols if s.name == "Add").docstring == "Add appends an item."


@pytest.mark.parametrize(("language", "path", "text", "signature"), [
    ("python", "a.py", "def at(line: int) -> int:\n    # a comment before the body\n\n    return line\n",
     "def at(line: int) -> int"),
    ("c", "a.c", "int at(int line)\n/* why */\n{\n    return line;\n}\n", "int at(int line)"),
])
def test_signatures_leave_out_comments_before_the_body(language: str, path: str, text: str, signature: str) -> None:
    source = SourceFile(path, Path(path), language, len(text), "", text)
    assert parse_file(source).symbols[0].signature == signature


def test_syntax_errors_still_yield_what_parses() -> None:
    parsed = parse_file(load("python", "shop/broken.py"))
    assert parsed.had_errors
    names = {s.qualname for s in parsed.symbols}
    assert {"fine", "StillFound", "StillFound.method"} <= names


def test_non_code_files_parse_to_nothing() -> None:
    parsed = parse_file(load("python", "README.md"))
    assert parsed.symbols == [] and parsed.imports == [] and not parsed.had_errors


def test_chunks_cover_every_line_once_and_stay_small() -> None:
    for source in scan_repo(ROOT / "onboard").files:
        parsed = parse_file(source)
        chunks = chunk_file(source.path, source.text, parsed.symbols)
        covered = [n for c in chunks for n in range(c.start_line, c.end_line + 1)]
        lines = source.text.split("\n")
        expected = len(lines) - (1 if lines[-1] == "" else 0)
        assert covered == list(range(1, expected + 1)), source.path
        assert len({c.id for c in chunks}) == len(chunks)
        for chunk in chunks:
            assert chunk.text == "\n".join(lines[chunk.start_line - 1:chunk.end_line])
            assert len(chunk.text) < 1200 or chunk.start_line == chunk.end_line


def test_this_project_parses_cleanly() -> None:
    """A real repository: every module of onboard parses without errors and finds known symbols."""
    parsed = {s.path: parse_file(s) for s in scan_repo(ROOT / "onboard").files}
    assert not [p for p, r in parsed.items() if r.had_errors]
    assert "scan_repo" in {s.name for s in parsed["scan/walker.py"].symbols}
    assert "IndexDB.file_text" in {s.qualname for s in parsed["store/db.py"].symbols}


def test_read_source_reports_unreadable(tmp_path: Path) -> None:
    skipped = read_source(tmp_path / "gone.py", "gone.py")
    assert skipped.reason.startswith("unreadable")


@pytest.mark.parametrize(("language", "text", "expected"), [
    ("python", "x = self.message\ny = self.message()\nz = e.message; w = e.message()\nwarn(message)\nf(self.send)\n",
     {("message", 1): False, ("message", 2): True, ("message", 3): True, ("warn", 4): False, ("message", 4): False,
      ("f", 5): False, ("send", 5): False}),
    ("javascript", "const a = this.total;\nthis.add(1);\nrender(x);\n",
     {("total", 1): False, ("add", 2): True, ("render", 3): False}),
    ("go", "package m\nfunc f() { s := c.Name; c.Save() }\n", {("Name", 2): False, ("Save", 2): True}),
    ("java", "class A { void f() { save(); } }\n", {("save", 1): True}),
])
def test_a_use_says_whether_it_may_name_a_method(language: str, text: str, expected: dict) -> None:
    """A member read but not called, and a bare name where methods are reached only through their object, may
    not name a method; a member that is called, or a bare name in Java, may."""
    path = {"python": "a.py", "javascript": "a.js", "go": "a.go", "java": "A.java"}[language]
    parsed = parse_file(SourceFile(path, Path(path), language, len(text), "", text))
    found = {(r.name, r.line): r.method for r in parsed.references}
    assert {key: found.get(key) for key in expected} == expected


@pytest.mark.parametrize(("language", "path", "text", "properties", "uses"), [
    ("python", "a.py", "import functools\n\n\nclass T:\n    @property\n    def indices(self):\n        return 1\n\n"
                       "    @indices.setter\n    def indices(self, value):\n        pass\n\n"
                       "    @functools.cached_property\n    def cols(self):\n        return 2\n\n"
                       "    @staticmethod\n    def make():\n        return T()\n\n\n"
                       "def f(t, indices):\n    n = len(indices)\n    return t.indices, t.cols.copy(), t.make(), n\n",
     {"T.indices", "T.cols"},
     {("indices", 23): (False, False), ("indices", 24): (False, True), ("cols", 24): (False, True),
      ("make", 24): (True, False)}),
    ("javascript", "a.js", "class A {\n  get size() { return 1; }\n  set size(v) {}\n  static make() {}\n}\n"
                           "function f(a) { return a.size + a.make(); }\n",
     {"A.size"}, {("size", 6): (False, True), ("make", 6): (True, False)}),
])
def test_a_property_is_its_own_kind_and_a_member_read_may_name_one(
        language: str, path: str, text: str, properties: set[str], uses: dict) -> None:
    """A property (`@property`, `@functools.cached_property`, a setter, a JavaScript accessor) is read like a data
    attribute, never called: such a read (`t.indices`, `Reference.attribute`) may name it, where a call (`t.make()`)
    may name any method and a bare name (`indices`) neither."""
    parsed = parse_file(SourceFile(path, Path(path), language, len(text), "", text))
    assert {s.qualname for s in parsed.symbols if s.kind == "property"} == properties
    assert {s.name for s in parsed.symbols if s.kind == "method"} == {"make"}
    found = {(r.name, r.line): (r.method, r.attribute) for r in parsed.references}
    assert {key: found.get(key) for key in uses} == uses


@pytest.mark.parametrize(("language", "path", "text", "names"), [
    ("typescript", "a.ts", "function total(items: Item[]) {\n  const local = 1;\n  return sum(local);\n}\n",
     {"Item", "sum"}),
    ("csharp", "A.cs", "class A : Base {\n  List<Item> F(Cart cart) {\n    Item local = new Item();\n"
                       "    var v = Make(local);\n    return v;\n  }\n}\n", {"Base", "List", "Item", "Cart", "Make"}),
])
def test_a_local_variable_is_no_reference(language: str, path: str, text: str, names: set[str]) -> None:
    """TypeScript's and C#'s grammars match `(type (identifier))` at every identifier: every local was a use
    of any definition of its name. Types, bases and calls stay uses."""
    parsed = parse_file(SourceFile(path, Path(path), language, len(text), "", text))
    assert {r.name for r in parsed.references} == names


def test_a_file_with_too_many_uses_keeps_its_first_ones_in_order() -> None:
    """Past ``MAX_REFERENCES_PER_FILE`` uses (a generated giant) a file keeps its first ones, calls and member
    reads alike, rather than every use of one kind and none of the other."""
    from onboard.parse.parser import MAX_REFERENCES_PER_FILE
    lines = MAX_REFERENCES_PER_FILE * 3 // 4  # two uses a line: `show` and the member `label`
    text = "".join(f"show(item{n}.label)\n" for n in range(lines))
    parsed = parse_file(SourceFile("big.py", Path("big.py"), "python", len(text), "", text))
    found = {(r.name, r.line) for r in parsed.references}
    last = MAX_REFERENCES_PER_FILE // 2
    assert len(found) == MAX_REFERENCES_PER_FILE
    assert {("show", last), ("label", last)} <= found
    assert not {("show", last + 1), ("label", last + 1)} & found


def _symbols(language: str, path: str, text: str) -> dict[str, tuple[str, str | None]]:
    """{qualname: (kind, parent)} of a snippet's symbols."""
    parsed = parse_file(SourceFile(path, Path(path), language, len(text), "", text))
    assert not parsed.had_errors
    return {s.qualname: (s.kind, s.parent) for s in parsed.symbols}


BOUND_FUNCTIONS = """\
export const Avatar = ({ name }: Props) => <b>{name}</b>;
const load = async (id) => fetch(id);
function outer() { const inner = function () {}; }
class Store {
  handleClick = () => {};
  handlers = { onSave: async () => {} };
  list() { register({ done() {} }); }
}
export const test = base.extend({ tmpPath: async ({}, use) => {} });
const api = { get: function () {}, users: { list() {} }, limit: 3 } as const;
"""


@pytest.mark.parametrize(("language", "path"), [("tsx", "a.tsx"), ("javascript", "a.jsx")])
def test_functions_bound_to_a_name_are_definitions(language: str, path: str) -> None:
    """`const f = () => ...`, a class field holding a function and an object's function members define functions
    as `function f` does. An object's member belongs to the name the object is bound to (through a call it is given
    to: Playwright's `base.extend({...})`); one bound to no name is no member of the class it is written in."""
    text = BOUND_FUNCTIONS if language == "tsx" else BOUND_FUNCTIONS.replace(": Props", "").replace(" as const", "")
    assert _symbols(language, path, text) == {
        "Avatar": ("function", None), "load": ("function", None), "outer": ("function", None),
        "outer.inner": ("function", "outer"), "Store": ("class", None), "Store.handleClick": ("method", "Store"),
        "Store.handlers.onSave": ("method", "Store.handlers"), "Store.list": ("method", "Store"),
        "Store.list.done": ("method", "Store.list"), "test.tmpPath": ("method", "test"), "api.get": ("method", "api"),
        "api.users.list": ("method", "api.users")}
    assert _symbols("javascript", "b.js", "class Store {\n  static { register({ done() {} }); }\n}\n") == {
        "Store": ("class", None), "done": ("method", None)}


def test_a_bound_functions_signature_ends_where_its_body_starts() -> None:
    text = "const load = async (id: string): Promise<Item> => {\n  return fetch(id);\n};\n"
    parsed = parse_file(SourceFile("a.ts", Path("a.ts"), "typescript", len(text), "", text))
    assert [s.signature for s in parsed.symbols] == ["load = async (id: string): Promise<Item> =>"]


@pytest.mark.parametrize(("language", "path", "text", "name"), [
    ("typescript", "a.ts", "/** Shows a user. */\nexport function show() {}\n", "show"),
    ("typescript", "a.ts", "/** Shows a user. */\nexport const show = () => 1;\n", "show"),
    ("typescript", "a.ts", "/** Shows a user. */\n@Component({})\nexport class Show {}\n", "Show"),
    ("rust", "a.rs", "/// Shows a user.\n#[derive(Debug)]\n#[cfg(test)]\npub struct Show {}\n", "Show"),
    ("go", "a.go", "package m\n\n// Shows a user.\ntype Show struct{}\n", "Show"),
    ("cpp", "a.cpp", "/// Shows a user.\ntemplate <typename T>\nclass Show {};\n", "Show"),
])
def test_a_doc_comment_reaches_past_wrappers_and_attributes(language: str, path: str, text: str, name: str) -> None:
    """The comment above `export`, a Go `type` declaration, `template <...>` or Rust's `#[...]` lines documents
    the definition they hold or precede."""
    parsed = parse_file(SourceFile(path, Path(path), language, len(text), "", text))
    assert {s.name: s.docstring for s in parsed.symbols}[name] == "Shows a user."


def test_a_rust_impl_is_named_after_its_base_type() -> None:
    """Generics, lifetimes, references and paths are left to the signature: the methods join their struct."""
    text = ("pub struct Checker<'a> { a: &'a str }\nimpl<'a> Checker<'a> {\n    fn visit_stmt(&self) {}\n}\n"
            "impl Trait for &str {}\nimpl<T> Trait for Option<T> {}\nimpl<T> Trait for &mut T {}\n"
            "impl crate::ast::Expr {\n    fn walk(&self) {}\n}\n")
    parsed = parse_file(SourceFile("a.rs", Path("a.rs"), "rust", len(text), "", text))
    assert [(s.kind, s.qualname, s.parent) for s in parsed.symbols] == [
        ("struct", "Checker", None), ("impl", "Checker", None), ("method", "Checker.visit_stmt", "Checker"),
        ("impl", "str", None), ("impl", "Option", None), ("impl", "T", None), ("impl", "Expr", None),
        ("method", "Expr.walk", "Expr")]
    assert parsed.symbols[1].signature == "impl<'a> Checker<'a>"


RUST_TESTS = """pub fn evict() {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evict_removes_the_entry() {
        evict();
    }

    mod helpers {
        pub fn make() {}
    }
}

#[cfg(all(test, unix))]
// only on unix
mod unix_tests {
    fn one() {}
}

#[cfg(any(test, feature = "testing"))]
pub mod testing {
    pub fn shared() {}
}

#[cfg(not(test))]
mod real {}

#[cfg(test)]
mod snapshots;
"""


def test_a_rust_module_compiled_for_tests_alone_is_a_test_module() -> None:
    """Rust keeps unit tests in the file they test: ``#[cfg(test)]`` (or ``all(test, ...)``) marks their module,
    whatever its name; ``any(test, ...)`` and ``not(test)`` compile in other builds too, so they are no tests."""
    parsed = parse_file(SourceFile("src/cache.rs", Path("src/cache.rs"), "rust", len(RUST_TESTS), "", RUST_TESTS))
    kinds = {s.qualname: (s.kind, s.parent) for s in parsed.symbols}
    assert kinds == {"evict": ("function", None), "tests": ("test_module", None),
                     "tests.evict_removes_the_entry": ("function", "tests"), "tests.helpers": ("module", "tests"),
                     "tests.helpers.make": ("function", "tests.helpers"), "unix_tests": ("test_module", None),
                     "unix_tests.one": ("function", "unix_tests"), "testing": ("module", None),
                     "testing.shared": ("function", "testing"), "real": ("module", None),
                     "snapshots": ("test_module", None)}
    assert in_test_modules(parsed.symbols) == {"tests", "tests.evict_removes_the_entry", "tests.helpers", "tests.helpers.make", "unix_tests",
                     "unix_tests.one", "snapshots"}


def test_a_cpp_method_defined_out_of_its_class_is_the_classs_method() -> None:
    text = ("void JPMethodDispatch::findOverload(int a) {}\nJPClass::~JPClass() {}\nint Box<T>::size() { return 1; }\n"
            "namespace jp {\nvoid Outer::Inner::run() {}\n}\n")
    assert _symbols("cpp", "a.cpp", text) == {
        "JPMethodDispatch.findOverload": ("method", "JPMethodDispatch"), "JPClass.~JPClass": ("method", "JPClass"),
        "Box.size": ("method", "Box"), "jp": ("module", None), "jp.Outer.Inner.run": ("method", "jp.Outer.Inner")}


def test_a_header_is_cpp_where_its_text_is(tmp_path: Path) -> None:
    """`.h` is C's extension and C++'s: a C++ header read as C garbled `class JPClass : public JPResource {...}`
    into a function named `JPResource`."""
    files = {"jp_class.h": "#include <string>\nclass JPClass : public JPResource\n{\npublic:\n    void f();\n};\n",
             "cart.h": "/* The class declaration. */\nstruct cart { int n; };\nint cart_add(struct cart *c);\n"}
    for rel, text in files.items():
        (tmp_path / rel).write_text(text)
    sources = {rel: read_source(tmp_path / rel, rel) for rel in files}
    assert {rel: source.language for rel, source in sources.items()} == {"jp_class.h": "cpp", "cart.h": "c"}
    assert [(s.kind, s.name) for s in parse_file(sources["jp_class.h"]).symbols] == [("class", "JPClass")]
