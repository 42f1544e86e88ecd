"""Rank the files of an index for a question.

Independent signals, each good at something the others miss:
- BM25 over chunks (exact words and split identifiers in the code, and the shorter forms code writes a
  question's words in: ``repr`` for representation), for the whole question and, when it has more lines,
  for its first one alone (an issue's title: its reproduction and log are long and speak
  of everything they touch),
- BM25 over file "cards" (path, symbol names, docstrings: what a file is about),
- vector search in chroma (paraphrases: "ASCII-only encoding" ~ ``ensure_ascii``),
- symbol names written in the question (``resolve_redirects``) → the files defining them,
- cues from the question's code (``cues.py``): paths and traceback frames, names called in snippets,
  strings and messages the code defines.
They are fused by weighted reciprocal rank and weighed by each file's role (implementation first,
unless the question asks about tests, docs or examples, or names a class or function that only a
test, an example or a vendored copy defines; test code inside an implementation file, Rust's ``#[cfg(test)] mod``,
weighs like a test's), then a personalized PageRank seeded by the
fused hits walks the dependency graph, so the files an answer *depends on* surface too. Files no
signal reached follow by centrality, so a large budget can always be filled by rank.
"""

from __future__ import annotations

import os
import re
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

import numpy as np

from onboard.graph import COMMON_NAMES, RestartWalk
from onboard.models import in_test_modules
from onboard.retrieve import tables
from onboard.retrieve.bm25 import BM25
from onboard.retrieve.cues import Cues, issue_title, read_cues, subject_roles
from onboard.retrieve.companions import COMPANION_PLACE, Companions
from onboard.retrieve.families import shadowing_stubs, spread
from onboard.retrieve.lookup import CueIndex, LiteralMaps, literal_maps
from onboard.retrieve.protocols import LEAD_FILES, lead_with_special_methods
from onboard.retrieve.terms import split_identifier, terms
from onboard.scan.roles import chunk_heads, content_roles
from onboard.store import Index

RRF_K = 20
# Vectors weigh as much as the chunks' words. Rank-only on the three sets that have vectors (2026-11-28: dev.jsonl,
# dev_large's four SWE-QA sdists, four hold-out repositories; 250 questions), top-10 at 0.8 / 1.0 / 1.2 / 1.6:
# dev 81.6 / 85.4 / 85.4 / 84.5 %, SWE-QA 74.7 / 74.7 / 77.3 / 76.0 %, hold-out 95.8 / 95.8 / 94.4 / 93.1 %; 1.0 lost
# no top-1/5/10 figure anywhere (29 questions' gold files up, 19 down), 1.2 one at the hold-out's top-10. Measured
# while chroma kept 100 search candidates and its hits differed a little between processes (three runs at 1.0: dev
# 84.5-86.4 %); with store.vectors.SEARCH_EF's 512 dev reads 85.4 % in every run.
WEIGHTS = {"chunks": 1.0, "cards": 0.7, "vectors": 1.0, "symbols": 1.2, "paths": 2.0,
           "literals": 1.2, "calls": 0.8, "title": 1.0}
CALLEE_SHARE = 0.7  # a callee the call signal lifts stays well below the hit that calls it
# In a repository of a few hundred files the graph walk from the hits already reaches their callees, and the
# call signal only reorders the ranks that decide a mid-sized pack (measured 2026-11-26: flask 3.1.1, 205
# files, lost 8 of 51 dev questions at 50k with it); in larger ones it finds callees the walk ranks 50-300
# (rank only, on in every dev_large repository, 263-4,000 files: all gold files in the top 10 for 76.8 % of
# questions instead of 74.2 %; with this threshold, which leaves out sqlfluff and reflex, the bench saw 75.2 %).
CALL_MIN_FILES = 300
CALL_SEEDS = 5  # the best files whose matching code is followed to the definitions it uses
# Roles a question does not ask about weigh less: a test or a vendored copy rarely holds the answer. Generated code
# as much as a test: it may define the very API asked about (xarray's generated aggregation methods), and at 0.5
# streamlink's generated CDP bindings still leave the top 25 of a plugin question (at 1.0 one was 5th).
ROLE_WEIGHTS = {"source": 1.0, "test": 0.5, "fixture": 0.3, "docs": 0.7, "example": 0.5, "vendored": 0.1,
                "generated": 0.5, "stub": 0.2}
ASKED_ROLE_WEIGHT = 1.0  # a question about tests, docs or examples weighs them like the implementation
# (measured: a boost above 1 lost more than it won, since such questions usually need the implementation too)
GRAPH_WEIGHT = 0.3
SEEDS = 15
MAX_DEFINERS = 8  # a name defined in more files than this names nothing in particular (`fit`, `__init__`)
MAX_QUALIFIED = 3  # ... but `xr.where` does, through the module: unless that imports it from more files than this
PER_SIGNAL = 60
WIDE_SIGNAL = 150  # the lexical signals reach further down: a 200k budget holds a hundred files or more
TAIL_SCORE = 0.01  # files no signal reached, by centrality, below every file a signal did reach
# A question word's shorter forms in the code's names (repr, config, init) count at this share of the word.
# Rank-only on dev_large (310 questions), top-1/5/10/100: 36.1/68.7/76.5/95.2 % → 36.8/69.7/77.7/95.5 %; any
# word of the index as a prefix gained top-10 78.4 % but lost the long tail (two questions out of the 200k pack)
PREFIX_WEIGHT = 0.8
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{2,}")
# "the Version class", "class Legend", "Q objects": a capitalised word the question calls a class, or whose objects
# it speaks of, names one, though a single word is otherwise prose ("Version" alone is not a name; `InfinityType`
# is). A single capital letter counts too (Django's `Q` and `F`), bar the words "A" and "I".
_CLASS_NAME = r"(?!A\b|I\b)[A-Z](?:[a-z0-9]{2,})?"
_CLASS_WORD = re.compile(rf"\b({_CLASS_NAME})\s+(?:class(?:es)?|objects?|instances?)\b"
                         rf"|\bclass(?:es)?\s+({_CLASS_NAME})\b")


@dataclass
class RankedFile:
    path: str
    score: float
    reasons: list[str] = field(default_factory=list)
    symbols: list[str] = field(default_factory=list)  # qualnames the question touched in this file
    hits: list[tuple[int, int]] = field(default_factory=list)  # line ranges of matching chunks
    # Qualnames of the file's test code (``models.in_test_modules``) that readers put after its implementation's
    # definitions: all of it unless the question asks about tests (``cues.roles``), when none is.
    aside: AbstractSet[str] = frozenset()


class Retriever:
    """Built once per index version (see ``retriever_for``); read-only afterwards, so threads may share it."""

    def __init__(self, index: Index) -> None:
        self.index = index
        self.vector_note: str | None = None  # why the last ranking went without (some) vectors
        self.size = 0  # estimated bytes held, set by retriever_for
        db = index.db
        version = db.manifest().get("updated_at", "")  # read before the rows the tables are built from
        self.files = {f.path: f for f in db.files()}
        self.chunks = db.chunks()
        self.chunk_by_id = {c.id: c for c in self.chunks}
        symbols = db.symbols()
        self.symbols_by_path: dict[str, list] = defaultdict(list)
        self.definers: dict[str, set[str]] = defaultdict(set)  # lowercased: questions do not keep code's case
        self.exact_definers: dict[str, set[str]] = defaultdict(set)  # code does: `engine` is not `Engine`
        self.compounds: dict[str, set[str]] = defaultdict(set)  # "symbolgraph" → files defining symbol_graph
        self.name_parts: set[str] = set()  # the words identifiers are made of: where code abbreviates
        for s in symbols:
            parts = split_identifier(s.name)
            self.name_parts.update(parts)
            self.symbols_by_path[s.path].append(s)
            self.definers[s.name.lower()].add(s.path)
            self.exact_definers[s.name].add(s.path)
            if len(parts) > 1:
                self.compounds["".join(parts)].add(s.path)
        self.longest_part = max(map(len, self.name_parts), default=0)  # once, not per question (30k parts: ~6 ms)
        # Test code in files whose path says implementation (Rust's unit tests), by file; and which chunks hold it.
        self.test_code = {path: frozenset(names) for path, defined in self.symbols_by_path.items()
                          if (names := in_test_modules(defined))}
        self.test_chunks = np.array([c.symbol in self.test_code.get(c.path, ()) for c in self.chunks], dtype=bool)
        self.card_paths = sorted(self.files)
        self.tables_loaded = False  # whether the lexical tables came from the index directory
        maps = self._lexical_tables(version)
        self.graph = db.file_graph()
        self.walk = RestartWalk(self.graph)
        self.roles = content_roles(self.files, chunk_heads(self.chunks))
        self.roles |= {path: "stub" for path in shadowing_stubs(self.files)}  # a role of ranking only
        self.companions = Companions(path for path, role in self.roles.items() if role == "test")
        self.subject = subject_roles(" ".join([path] + [s.name for s in self._implementation(path)])
                                     for path, role in self.roles.items() if role == "source")
        self.cue_index = CueIndex(self.files, maps, self.roles)

    def _implementation(self, path: str) -> list:
        """The file's definitions but its test code: what the file is about (its card, the repository's subject)."""
        tests = self.test_code.get(path, frozenset())
        return [s for s in self.symbols_by_path.get(path, []) if s.qualname not in tests]

    def role_weight(self, path: str, asked: set[str], named: AbstractSet[str] = frozenset()) -> float:
        """``named``: files the question names a symbol of that only they define, asked about whatever their role."""
        if path in named:
            return ASKED_ROLE_WEIGHT
        role = self.roles.get(path, "source")
        return ASKED_ROLE_WEIGHT if role in asked or (role == "fixture" and "test" in asked) else ROLE_WEIGHTS[role]

    def _lexical_tables(self, version: str) -> LiteralMaps:
        """BM25 over chunks and over file cards, and the cue lookup's maps (returned): loaded when an earlier
        process saved them for this very index, else built and saved for the next one (``retrieve.tables``)."""
        key = tables.table_key(version, self.chunks, self.card_paths)
        stored = tables.load(self.index.directory, key)
        if stored is not None:
            self.tables_loaded = True
            self.chunk_bm25, self.card_bm25 = tables.bm25_from("chunks", stored), tables.bm25_from("cards", stored)
            return tables.maps_from(stored, self.card_paths)
        self.chunk_bm25 = BM25([terms(c.path) + terms(c.symbol or "") + terms(c.text) for c in self.chunks])
        self.card_bm25 = BM25([self._card(p) for p in self.card_paths])
        maps = literal_maps(self.chunks)
        tables.save(self.index.directory, key, tables.bm25_arrays("chunks", self.chunk_bm25)
                    | tables.bm25_arrays("cards", self.card_bm25) | tables.maps_arrays(maps, self.card_paths))
        return maps

    def _card(self, path: str) -> list[str]:
        words = terms(path) * 3
        for s in self._implementation(path):  # a Rust file's unit tests' long names say what they test, not the file
            words += terms(s.name) + terms(s.docstring.split("\n\n")[0])
        return words

    # -- signals ----------------------------------------------------------------------------------

    def _chunk_signal(self, query: list[str] | dict[str, float], out: dict[str, "RankedFile"], tests_aside: bool,
                      reason: str = "words match the code") -> list[str]:
        scores = self.chunk_bm25.scores(query)
        if tests_aside and self.test_code:  # test code in an implementation file weighs as a test file's does
            scores = np.where(self.test_chunks, scores * ROLE_WEIGHTS["test"], scores)
        best: dict[str, float] = {}
        for i in np.argsort(-scores)[: WIDE_SIGNAL * 3]:
            if scores[i] <= 0:
                break
            chunk = self.chunks[i]
            ranked = out.setdefault(chunk.path, RankedFile(chunk.path, 0.0))
            if (chunk.start_line, chunk.end_line) not in ranked.hits:
                ranked.hits.append((chunk.start_line, chunk.end_line))
            if chunk.symbol and chunk.symbol not in ranked.symbols:
                ranked.symbols.append(chunk.symbol)
            best[chunk.path] = best.get(chunk.path, 0.0) + float(scores[i]) * (1.0 if chunk.path not in best else 0.15)
        order = sorted(best, key=best.get, reverse=True)[:WIDE_SIGNAL]
        for path in order[:PER_SIGNAL]:
            out[path].reasons.append(reason)
        return order

    def _card_signal(self, query: list[str] | dict[str, float], out: dict[str, "RankedFile"]) -> list[str]:
        scores = self.card_bm25.scores(query)
        order = [self.card_paths[i] for i in np.argsort(-scores)[:WIDE_SIGNAL] if scores[i] > 0]
        for path in order[:10]:
            out.setdefault(path, RankedFile(path, 0.0)).reasons.append("path, symbol names or docstrings match")
        return order

    def _vector_signal(self, question: str, out: dict[str, "RankedFile"]) -> list[str]:
        embedded = self.index.db.manifest().get("vectors_complete") == "true"
        progress = None if embedded else self.index.vector_progress()
        if progress is not None and progress.done == 0:
            # nothing to search yet: chroma is not even imported (seconds saved on a first answer). An
            # index built with --no-embed says so in `list` and `stats`, not under every answer.
            self.vector_note = (None if progress.state == "off" else
                                f"{progress.describe(self.index.name)}; answered without vectors.")
            return []
        try:
            hits = self.index.vectors.query(question, PER_SIGNAL * 2)
        except Exception as err:  # noqa: BLE001 - lexical and graph signals still answer without vectors
            self.vector_note = f"Answered without vectors: {err}"
            return []
        self.vector_note = None if progress is None else (f"{progress.describe(self.index.name)}; searched the "
                                                          "vectors embedded so far, so some passages may be missed.")
        order: list[str] = []
        for chunk_id, distance in hits:
            chunk = self.chunk_by_id.get(chunk_id)  # ids SQLite does not know are leftovers: ignore
            if chunk is None:
                continue
            ranked = out.setdefault(chunk.path, RankedFile(chunk.path, 0.0))
            if chunk.path not in order:
                order.append(chunk.path)
                ranked.reasons.append(f"similar in meaning (lines {chunk.start_line}-{chunk.end_line}, "
                                      f"distance {distance:.2f})")
            ranked.hits.append((chunk.start_line, chunk.end_line))
            if chunk.symbol and chunk.symbol not in ranked.symbols:
                ranked.symbols.append(chunk.symbol)
        return order

    def _touch(self, out: dict[str, "RankedFile"], path: str, reason: str, name: str | None = None) -> None:
        ranked = out.setdefault(path, RankedFile(path, 0.0))
        ranked.reasons.append(reason)
        if name:
            key = name.lower()
            names = [s.qualname for s in self.symbols_by_path[path]
                     if key in (s.name.lower(), "".join(split_identifier(s.name)))]
            ranked.symbols.extend(n for n in names if n not in ranked.symbols)

    def _definers(self, key: str) -> list[str]:
        paths = self.definers.get(key, set()) or self.compounds.get(key, set())
        return sorted(paths, key=lambda p: -self.files[p].pagerank) if 0 < len(paths) <= MAX_DEFINERS else []

    def _symbol_signal(self, question: str, cues: Cues, out: dict[str, "RankedFile"],
                       named: set[str]) -> list[str]:
        """Symbols the question names: as written (``resolve_redirects``), spelled out in words for a
        compound name ("symbol graph"), or called in its code (``ax.set_xlim(...)``). A plain word
        ("extra", "read") counts only where the question uses it as code: in prose it names nothing."""
        words = _IDENTIFIER.findall(question)
        spelled = ["".join(w.lower() for w in words[i:i + n]) for n in (3, 2) for i in range(len(words) - n + 1)]
        keys = [key for key in spelled if key in self.compounds]
        n_spelled = len(keys)  # "plugin arguments" may mean a `PluginArguments`, but only code names one
        code = {name.lower() for name in cues.code_names + cues.frames}
        for word in words:
            # an all-caps word names a constant defined in that case (`DEBUG`); else it is an acronym or
            # a keyword ("SELECT", "URL"), not the `select` or `url` of some class
            codey = "_" in word or len(split_identifier(word)) > 1 or (word.isupper() and word in self.exact_definers)
            if codey or word.lower() in code:
                keys.append(word.lower())
        keys += [name.lower() for name in cues.frames + cues.code_names]
        keys += [w.lower() for pair in _CLASS_WORD.findall(question) for w in pair if w in self.exact_definers]
        # ``np.empty(...)`` names numpy's function, not the `empty` a C++ header or another class of this repository
        # defines: a name its code reaches only through modules none of whose files are here names nothing here
        foreign = {name.lower() for name, modules in cues.through.items()
                   if not any(self.roles[path] != "vendored" for m in modules
                              for path in self.cue_index.files_for_path(m.replace(".", "/")))}
        keys = keys[:n_spelled] + [key for key in keys[n_spelled:] if key not in foreign]
        written = set(keys[n_spelled:])
        order: list[str] = self._qualified_definers(cues, out)
        definers = {key: self._definers(key) for key in dict.fromkeys(keys)}
        for key, paths in definers.items():  # touched in the question's order, the order its excerpt shows them in
            if paths and key in written and all(self.roles[p] != "source" for p in paths):
                named.update(paths)  # only a vendored copy, a test or an example defines it: that file is asked about
            for path in paths:
                names = [s.qualname for s in self.symbols_by_path[path]
                         if key in (s.name.lower(), "".join(split_identifier(s.name)))]
                self._touch(out, path, f"defines {names[0] if names else key}", key)
        # The files by how few define each name, as BM25 weighs a rare word: a name one file defines says more than
        # one eight files define. Rank-only, 2026-11-27, both dev sets: dev_large top-1 38.4 -> 39.0 %, top-5 / 10
        # and dev.jsonl unchanged (six questions' gold file up, two down).
        for key in sorted(definers, key=lambda k: len(definers[k])):
            order += [path for path in definers[key] if path not in order]
        return order

    def _qualified_definers(self, cues: Cues, out: dict[str, "RankedFile"]) -> list[str]:
        """Files defining what the question's code calls through a module (``xr.where(...)`` after ``import
        xarray as xr``): the module's file when it defines the name, else the files it imports that do (a
        package's ``__init__`` re-exports ``where`` from ``core/computation.py``); top-level definitions only, as a
        module's attribute is one. A name defined in many files (``where``, ``plot``) otherwise names none of them."""
        order: list[str] = []
        for module, name in cues.qualified:
            for holder in self.cue_index.files_for_path(module.replace(".", "/")):
                found = [holder] if self._defines_top_level(holder, name) else sorted(
                    t for t in self.graph.successors(holder) if self._defines_top_level(t, name))
                if 0 < len(found) <= MAX_QUALIFIED:
                    for path in found:
                        self._touch(out, path, f"defines {module}.{name}", name)
                        if path not in order:
                            order.append(path)
        return order

    def _defines_top_level(self, path: str, name: str) -> bool:
        return any(s.name == name and s.parent is None for s in self.symbols_by_path.get(path, ()))

    def _path_signal(self, cues: Cues, out: dict[str, "RankedFile"]) -> list[str]:
        """Files the question names by path, module or traceback frame."""
        order: list[str] = []
        for cue in cues.paths:
            for path in self.cue_index.files_for_path(cue):
                if path not in order:
                    order.append(path)
                    self._touch(out, path, f"named in the question ({cue})")
        return order

    def _literal_signal(self, cues: Cues, out: dict[str, "RankedFile"]) -> list[str]:
        """Files that define a string, flag or setting the question quotes, or emit its message."""
        order: list[str] = []
        for literal in cues.literals:
            for path in self.cue_index.files_for_literal(literal):
                if path not in order:
                    order.append(path)
                    self._touch(out, path, f"defines the string {literal!r}")
        for path, _ in self.cue_index.files_for_messages(cues):
            if path not in order:
                order.append(path)
                self._touch(out, path, "emits a message quoted in the question")
        return order

    def _call_signal(self, fused: dict[str, float], out: dict[str, "RankedFile"]) -> dict[str, str]:
        """Files defining what the best hits' matching code uses, each with the hit that uses it most.

        The code an answer depends on, found at the level of the lines that matched rather than whole
        files: a central module imports dozens of files, the function the question is about calls
        three of them."""
        weights: dict[str, float] = defaultdict(float)
        callers: dict[str, str] = {}
        called: dict[str, set[str]] = defaultdict(set)
        seeds = sorted(fused, key=lambda p: -fused[p])[:CALL_SEEDS]
        for rank, path in enumerate(seeds):
            spans = list(out[path].hits) if path in out else []
            touched = set(out[path].symbols) if path in out else set()
            spans += [(s.start_line, s.end_line) for s in self.symbols_by_path.get(path, []) if s.qualname in touched]
            names = {ref.name for ref in self.index.db.references(path)
                     if not spans or any(start <= ref.line <= end for start, end in spans)}
            for name in names:
                targets = self.exact_definers.get(name, ()) if name not in COMMON_NAMES and len(name) > 2 else ()
                if 0 < len(targets) <= 3:
                    for target in targets - {path}:
                        weights[target] += 1.0 / (rank + 1) / len(targets)
                        callers.setdefault(target, path)
                        called[target].add(name)
        order = sorted(weights, key=lambda p: (-weights[p], p))[:PER_SIGNAL]
        for n, target in enumerate(order):
            ranked = out.setdefault(target, RankedFile(target, 0.0))
            if n < 10:
                ranked.reasons.append(f"defines what the matching code in {callers[target]} uses")
            # the definitions used come after the file's own hits, so its excerpt shows what was called
            ranked.symbols += [s.qualname for s in self.symbols_by_path[target]
                               if s.name in called[target] and s.qualname not in ranked.symbols]
        return {target: callers[target] for target in order}

    # -- fusion -----------------------------------------------------------------------------------

    def rank(self, question: str, limit: int = 400) -> list[RankedFile]:
        out: dict[str, RankedFile] = {}
        query = self.chunk_bm25.with_prefixes(terms(question), PREFIX_WEIGHT, self.name_parts, self.longest_part)
        cues = read_cues(question)
        cues.roles -= self.subject
        tests_aside = "test" not in cues.roles
        signals: dict[str, list[str]] = {}
        if (title := issue_title(question)) is not None:
            # first, so the lines it matched head each file's hits and its excerpt
            signals["title"] = self._chunk_signal(terms(title), out, tests_aside,
                                                  "the question's first line matches the code")
        named: set[str] = set()
        signals |= {
            "chunks": self._chunk_signal(query, out, tests_aside),
            "cards": self._card_signal(query, out),
            "vectors": self._vector_signal(question, out),
            "symbols": self._symbol_signal(question, cues, out, named),
            "paths": self._path_signal(cues, out),
            "literals": self._literal_signal(cues, out),
        }
        fused = self._fuse(signals, cues, named)
        if len(self.files) >= CALL_MIN_FILES:
            fused = self._with_calls(fused, signals, cues, out, named)
        seeds = dict(sorted(fused.items(), key=lambda kv: -kv[1])[:SEEDS])
        walk = self.walk.scores(seeds) if seeds else {}
        top_fused = max(fused.values(), default=1.0)
        top_walk = max(walk.values(), default=1.0) or 1.0
        for path in set(fused) | set(walk):
            if path not in self.files:
                continue
            ranked = out.setdefault(path, RankedFile(path, 0.0))
            graph_part = walk.get(path, 0.0) / top_walk * self.role_weight(path, cues.roles, named)
            ranked.score = fused.get(path, 0.0) / top_fused + GRAPH_WEIGHT * graph_part
            if path not in fused and graph_part > 0.05:
                neighbours = [s for s in seeds if self.graph.has_edge(s, path) or self.graph.has_edge(path, s)]
                ranked.reasons.append("linked in the dependency graph to " + (", ".join(neighbours[:2]) or "the hits"))
        ranked_files = [r for r in out.values() if r.path in self.files and r.score > 0]
        ranked_files.sort(key=lambda r: (-r.score, r.path))
        ranked_files = self._with_companion(spread(ranked_files))[:limit]
        lead_with_special_methods(ranked_files[:LEAD_FILES], self.symbols_by_path, cues.special, cues.constructed,
                                  set(cues.text_words.split()))
        for r in ranked_files:
            role = self.roles[r.path]
            if role != "source":
                r.reasons.append(f"role: {role}")
            if tests_aside and r.path in self.test_code:
                self._set_tests_aside(r)
        return ranked_files + self._tail(ranked_files, cues, limit - len(ranked_files))

    def _set_tests_aside(self, ranked: RankedFile) -> None:
        """The file's test code after its implementation: in the definitions the question touched and in the
        lines that matched (the digest's best match), as other signals (vectors, names) may have put it first."""
        ranked.aside = self.test_code[ranked.path]
        ranked.symbols.sort(key=lambda q: q in ranked.aside)
        spans = [(s.start_line, s.end_line) for s in self.symbols_by_path[ranked.path] if s.qualname in ranked.aside]
        ranked.hits.sort(key=lambda hit: any(a <= hit[0] and hit[1] <= b for a, b in spans))

    def _with_companion(self, ranked: list[RankedFile]) -> list[RankedFile]:
        """``ranked`` with the tests of its best implementation file (among the first three) at
        ``COMPANION_PLACE`` if they rank below it. bench/retrieval_bench.py, 2026-11-27: dev_large top-10
        79.7 -> 81.0 %, all gold at 13k 80.3 -> 81.3 %; top-5 and dev's top-k unchanged."""
        best = next((r.path for r in ranked[:3] if self.roles[r.path] == "source"), None)
        test = self.companions.of(best) if best else None
        if test is None or len(ranked) <= COMPANION_PLACE:
            return ranked
        at = next((i for i, r in enumerate(ranked) if r.path == test), len(ranked))
        if at <= COMPANION_PLACE:
            return ranked
        lifted = ranked.pop(at) if at < len(ranked) else RankedFile(test, 0.0)
        lifted.score = ranked[COMPANION_PLACE].score
        lifted.reasons.append(f"the tests of {best}")
        ranked.insert(COMPANION_PLACE, lifted)
        return ranked

    def _fuse(self, signals: dict[str, list[str]], cues: Cues, named: AbstractSet[str]) -> dict[str, float]:
        """Weighted reciprocal rank fusion, weighed by role."""
        fused: dict[str, float] = defaultdict(float)
        for signal, order in signals.items():
            for rank, path in enumerate(order):
                fused[path] += WEIGHTS[signal] / (RRF_K + rank + 1)
        return {path: score * self.role_weight(path, cues.roles, named) for path, score in fused.items()}

    def _with_calls(self, fused: dict[str, float], signals: dict[str, list[str]], cues: Cues,
                    out: dict[str, "RankedFile"], named: AbstractSet[str]) -> dict[str, float]:
        """Fusion with the call signal, where a callee may rise to well below its caller, not above it:
        measured on dev_large, callees allowed up to their caller's score cost a sixth of the top-1 hits
        (the graph walk then lifts them past it); at 0.7 top-1 holds and top-10 gains 2.6 points."""
        callers = self._call_signal(fused, out)
        signals["calls"] = list(callers)
        widened = self._fuse(signals, cues, named)
        for target, caller in callers.items():
            widened[target] = min(widened[target], max(fused.get(target, 0.0), CALLEE_SHARE * fused[caller]))
        return widened

    def _tail(self, ranked: list[RankedFile], cues: Cues, room: int) -> list[RankedFile]:
        """Files no signal reached, most central first (by role), so a big budget fills by rank."""
        if room <= 0:
            return []
        seen = {r.path for r in ranked}
        rest = sorted((p for p in self.files if p not in seen),
                      key=lambda p: (-self.files[p].pagerank * self.role_weight(p, cues.roles), p))[:room]
        top = max((self.files[p].pagerank for p in rest), default=1.0) or 1.0
        return [RankedFile(p, TAIL_SCORE * self.files[p].pagerank / top, ["central in the dependency graph"])
                for p in rest]


_CACHE: OrderedDict[tuple[str, str], Retriever] = OrderedDict()
_CACHE_LOCK = threading.Lock()  # held for lookups and updates of _CACHE, never for a build
_BUILDING: dict[tuple[str, str], threading.Lock] = {}  # one lock per retriever being built
BYTES_PER_TEXT_BYTE = 10  # measured (bench/memory_bench.py): resident bytes per byte of chunk text, 7-13 on sdists


def memory_budget() -> int:
    """Bytes all cached retrievers may hold together (``ONBOARD_RETRIEVER_MEMORY_MB``, default 2048)."""
    return int(os.environ.get("ONBOARD_RETRIEVER_MEMORY_MB", "2048")) * 1_048_576


def estimated_bytes(retriever: Retriever) -> int:
    return BYTES_PER_TEXT_BYTE * sum(len(c.text) for c in retriever.chunks)


def retriever_for(index: Index) -> Retriever:
    """One Retriever per index version, shared across threads and Streamlit reruns.

    A process that asks across many indexes keeps the most recently used ones, up to
    ``memory_budget()`` bytes (estimated from their text), instead of every index it ever touched.
    A build (seconds on a large repository) holds only its own index's lock: in the web app, questions on
    the indexes already open go on meanwhile, and a second question on the index being built waits for it.
    """
    key = (str(index.directory.resolve()), index.db.manifest().get("updated_at", ""))
    with _CACHE_LOCK:
        if (cached := _cached(key, index)) is not None:
            return cached
        building = _BUILDING.setdefault(key, threading.Lock())
    with building:
        try:
            with _CACHE_LOCK:
                if (cached := _cached(key, index)) is not None:  # built while this thread waited
                    return cached
            retriever = Retriever(index)
            retriever.size = estimated_bytes(retriever)
            with _CACHE_LOCK:
                for stale in [k for k in _CACHE if k[0] == key[0]]:
                    del _CACHE[stale]
                _CACHE[key] = retriever
                while len(_CACHE) > 1 and sum(r.size for r in _CACHE.values()) > memory_budget():
                    _CACHE.popitem(last=False)
            return retriever
        finally:
            with _CACHE_LOCK:
                _BUILDING.pop(key, None)


def _cached(key: tuple[str, str], index: Index) -> Retriever | None:
    """The cached retriever of ``key``, now the most recently used (call with ``_CACHE_LOCK`` held)."""
    if key not in _CACHE:
        return None
    _CACHE.move_to_end(key)
    _CACHE[key].index = index  # the caller's is open; the one it was built with may be closed by now
    return _CACHE[key]


def cached_retrievers() -> list[tuple[str, int]]:
    """(index directory, estimated bytes) of the retrievers held now, least recently used first."""
    with _CACHE_LOCK:
        return [(key[0], r.size) for key, r in _CACHE.items()]
