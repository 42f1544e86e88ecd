"""Per-language knowledge for tree-sitter: which nodes define symbols, which are uses, which import.

Kept as data, not code, so adding a language is adding a table entry. Patterns that a grammar does
not know are dropped when the query is compiled (see ``onboard.parse.queries``), which lets one
reference list serve every language.
"""

from __future__ import annotations

# node type -> symbol kind. "function" becomes "method" when nested in a class-like symbol.
DEFINITIONS: dict[str, dict[str, str]] = {
    "python": {"class_definition": "class", "function_definition": "function"},
    "javascript": {"class_declaration": "class", "function_declaration": "function",
                   "generator_function_declaration": "function", "method_definition": "method"},
    "typescript": {"class_declaration": "class", "abstract_class_declaration": "class",
                   "function_declaration": "function", "generator_function_declaration": "function",
                   "method_definition": "method", "interface_declaration": "interface",
                   "type_alias_declaration": "type", "enum_declaration": "enum", "internal_module": "module",
                   "abstract_method_signature": "method"},
    "go": {"function_declaration": "function", "method_declaration": "method", "type_spec": "type"},
    "java": {"class_declaration": "class", "interface_declaration": "interface", "enum_declaration": "enum",
             "record_declaration": "class", "annotation_type_declaration": "interface",
             "method_declaration": "method", "constructor_declaration": "method"},
    "rust": {"struct_item": "struct", "enum_item": "enum", "trait_item": "trait", "impl_item": "impl",
             "function_item": "function", "function_signature_item": "function", "mod_item": "module",
             "type_item": "type", "union_item": "struct", "macro_definition": "macro"},
    "c": {"function_definition": "function", "struct_specifier": "struct", "enum_specifier": "enum",
          "union_specifier": "struct", "type_definition": "type"},
    "cpp": {"function_definition": "function", "struct_specifier": "struct", "enum_specifier": "enum",
            "class_specifier": "class", "union_specifier": "struct", "namespace_definition": "module",
            "type_definition": "type", "alias_declaration": "type"},
    "ruby": {"class": "class", "module": "module", "method": "function", "singleton_method": "function"},
    "csharp": {"class_declaration": "class", "interface_declaration": "interface", "struct_declaration": "struct",
               "enum_declaration": "enum", "record_declaration": "class", "method_declaration": "method",
               "constructor_declaration": "method", "namespace_declaration": "module",
               "file_scoped_namespace_declaration": "module"},
    "php": {"class_declaration": "class", "interface_declaration": "interface", "trait_declaration": "trait",
            "function_definition": "function", "method_declaration": "method"},
    "kotlin": {"class_declaration": "class", "object_declaration": "class", "function_declaration": "function"},
    "swift": {"class_declaration": "class", "protocol_declaration": "interface", "function_declaration": "function"},
    "scala": {"class_definition": "class", "object_definition": "class", "trait_definition": "trait",
              "function_definition": "function"},
}
# JavaScript and TypeScript define as many functions by binding a name to a function value as by declaring one:
# `const Avatar = () => ...`, a class field `handleClick = () => {}`, an object's `onSave: async () => {...}`.
# These nodes define a symbol only where their ``value`` is one of ``FUNCTION_VALUES`` (``queries.file_query``).
_BOUND_FUNCTIONS = {"variable_declarator": "function", "pair": "method"}
DEFINITIONS["javascript"] |= _BOUND_FUNCTIONS | {"field_definition": "method"}
DEFINITIONS["typescript"] |= _BOUND_FUNCTIONS | {"public_field_definition": "method"}
DEFINITIONS["tsx"] = DEFINITIONS["typescript"]
VALUE_DEFINITIONS = frozenset({*_BOUND_FUNCTIONS, "field_definition", "public_field_definition"})
FUNCTION_VALUES = ("arrow_function", "function_expression", "function", "generator_function")

# Struct/interface/enum bodies are not "bodies" that the signature should stop at for these node kinds.
BODY_FIELDS = ("body", "block")

# Uses of names: calls, attribute/member access, type names, constructor calls. One list for all
# grammars; each pattern that a grammar rejects is dropped for that grammar. A member access is captured as
# ``@member`` and, where it is called, again as ``@callee``: a member read but not called may be a data attribute
# (``self.message``), which is no use of a method of that name (``Reference.method``).
REFERENCE_PATTERNS = (
    "(call function: (identifier) @ref)",
    "(attribute attribute: (identifier) @member)",
    "(call function: (attribute attribute: (identifier) @callee))",
    "(argument_list (identifier) @ref)",
    "(decorator (identifier) @ref)",
    "(call_expression function: (identifier) @ref)",
    "(member_expression property: (property_identifier) @member)",
    "(call_expression function: (member_expression property: (property_identifier) @callee))",
    "(new_expression constructor: (identifier) @ref)",
    "(type_identifier) @ref",
    "(selector_expression field: (field_identifier) @member)",
    "(call_expression function: (selector_expression field: (field_identifier) @callee))",
    "(field_expression field: (field_identifier) @member)",
    "(call_expression function: (field_expression field: (field_identifier) @callee))",
    "(scoped_identifier name: (identifier) @ref)",
    "(method_invocation name: (identifier) @ref)",
    "(object_creation_expression type: (identifier) @ref)",
    "(invocation_expression function: (identifier) @ref)",
    "(member_access_expression name: (identifier) @member)",
    "(invocation_expression function: (member_access_expression name: (identifier) @callee))",
    "(call method: (identifier) @ref)",
    "(constant) @ref",
    "(qualified_identifier name: (identifier) @ref)",
    "(scope_resolution name: (constant) @ref)",
    "(identifier_name) @ref",
)

# Patterns for one grammar only. In TypeScript's and C#'s grammars ``type`` is a supertype that ``(type (identifier))``
# matches at every identifier, so every local variable was a "use" of any definition of its name.
LANGUAGE_REFERENCE_PATTERNS: dict[str, tuple[str, ...]] = {
    "python": ("(type (identifier) @ref)",),  # annotations
    "csharp": ("(variable_declaration type: (identifier) @ref)", "(parameter type: (identifier) @ref)",
               "(property_declaration type: (identifier) @ref)", "(base_list (identifier) @ref)",
               "(generic_name (identifier) @ref)", "(type_argument_list (identifier) @ref)",
               "(method_declaration returns: (identifier) @ref)"),
}

# Languages that reach a method only through its object (``self.save()``, ``this.save()``, ``x.Save()``): a bare name
# there is a local, a function or a class, never a method (``Reference.method``). Java, C#, C++, Ruby, Rust's
# ``Self::new`` and the rest call methods by bare name too.
OBJECT_METHODS = frozenset({"python", "javascript", "typescript", "tsx", "go"})

# Methods read like data attributes, with no call (``Reference.attribute``), are of kind "property": in Python
# those under a decorator of this family (its last dotted name: ``@property``, ``@functools.cached_property``,
# ``@total.setter``), in JavaScript and TypeScript a ``get`` or ``set`` accessor (``method_definition``'s keyword).
PROPERTY_DECORATORS = frozenset({"property", "cached_property", "abstractproperty", "setter", "getter", "deleter"})
ACCESSOR_KEYWORDS = frozenset({"get", "set"})

# Import statements: the captured node is handled by ``onboard.parse.imports`` per language.
IMPORT_PATTERNS: dict[str, tuple[str, ...]] = {
    "python": ("(import_statement) @imp", "(import_from_statement) @imp"),
    "javascript": ("(import_statement source: (string) @imp)", "(export_statement source: (string) @imp)",
                   "(call_expression function: (identifier) @fn arguments: (arguments (string) @imp))",
                   "(call_expression function: (import) arguments: (arguments (string) @imp))"),
    "go": ("(import_spec path: (_) @imp)",),
    "java": ("(import_declaration) @imp",),
    "kotlin": ("(import_header) @imp",),
    "scala": ("(import_declaration) @imp",),
    "rust": ("(use_declaration argument: (_) @imp)", "(mod_item name: (identifier) @imp)",
             "(extern_crate_declaration name: (identifier) @imp)"),
    "c": ("(preproc_include path: (_) @imp)",),
    "ruby": ("(call method: (identifier) @fn arguments: (argument_list (string) @imp))",),
    "csharp": ("(using_directive) @imp",),
    "php": ("(namespace_use_clause) @imp",),
}
IMPORT_PATTERNS["typescript"] = IMPORT_PATTERNS["tsx"] = IMPORT_PATTERNS["javascript"]
IMPORT_PATTERNS["cpp"] = IMPORT_PATTERNS["c"]

COMMENT_TYPES = frozenset({"comment", "line_comment", "block_comment"})
