"""scan: what gets indexed, and a clear reason for everything that does not."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from onboard.scan import language_for, scan_repo


def write(root: Path, rel: str, data: str | bytes) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return path


def reasons(result) -> dict[str, str]:
    return {s.path: s.reason for s in result.skipped}


def test_nested_gitignore_and_onboardignore(tmp_path: Path) -> None:
    write(tmp_path, ".gitignore", "*.log\nbuild/\n")
    write(tmp_path, "app.py", "x = 1\n")
    write(tmp_path, "debug.log", "noise")
    write(tmp_path, "build/out.py", "y = 2\n")
    write(tmp_path, "pkg/.gitignore", "generated_*.py\n/local.py\n")
    write(tmp_path, "pkg/generated_models.py", "z = 3\n")
    write(tmp_path, "pkg/local.py", "z = 3\n")
    write(tmp_path, "pkg/sub/local.py", "kept = True\n")
    write(tmp_path, "pkg/keep.py", "k = 4\n")
    write(tmp_path, ".onboardignore", "vendor/\n")
    write(tmp_path, "vendor/lib.py", "v = 5\n")
    paths = [f.path for f in scan_repo(tmp_path).files]
    assert paths == ["app.py", "pkg/keep.py", "pkg/sub/local.py"]


def test_bad_files_are_skipped_with_reasons(tmp_path: Path) -> None:
    write(tmp_path, "ok.py", "print('hi')\n")
    write(tmp_path, "blob.py", b"\x00\x01\x02binary")
    write(tmp_path, "latin.py", "name = 'caf\xe9'\n".encode("latin-1"))
    write(tmp_path, "huge.py", "x = 1\n" * 1_000_000)
    write(tmp_path, "app.min.js", "var a=1;" * 2000)
    write(tmp_path, ".env", "SECRET_KEY=abc\n")
    write(tmp_path, "deploy/id_rsa", "-----BEGIN OPENSSH PRIVATE KEY-----\n")
    write(tmp_path, "logo.png", b"\x89PNG\r\n")
    result = scan_repo(tmp_path, max_bytes=5 * 1024 * 1024)
    why = reasons(result)
    assert [f.path for f in result.files] == ["ok.py"]
    assert why["blob.py"] == "binary"
    assert why["latin.py"].startswith("not UTF-8")
    assert why["huge.py"].startswith("too large")
    assert why["app.min.js"] == "minified"
    assert why[".env"].startswith("secret file")
    assert why["deploy/id_rsa"].startswith("secret file")
    assert why["logo.png"] == "not a source or documentation file"


def test_symlinks_stay_inside_and_loops_end(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    write(repo, "src/a.py", "a = 1\n")
    write(tmp_path, "outside/secret.py", "leak = True\n")
    os.symlink(repo / "src", repo / "src" / "again")  # a loop
    os.symlink(tmp_path / "outside", repo / "escape")
    os.symlink(repo / "missing.py", repo / "dangling.py")
    result = scan_repo(repo)
    assert [f.path for f in result.files] == ["src/a.py"]
    why = reasons(result)
    assert why["escape"] == "symlink leaves the repository"
    assert why["dangling.py"] == "broken symlink"
    assert why["src/again"].startswith("symlink loop")


def test_missing_path_and_file_path_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        scan_repo(tmp_path / "nope")
    write(tmp_path, "f.py", "")
    with pytest.raises(NotADirectoryError):
        scan_repo(tmp_path / "f.py")


def test_empty_repo_and_hash(tmp_path: Path) -> None:
    assert scan_repo(tmp_path).files == []
    write(tmp_path, "a.py", "x = 1\n")
    first = scan_repo(tmp_path).files[0]
    write(tmp_path, "a.py", "x = 2\n")
    assert scan_repo(tmp_path).files[0].sha256 != first.sha256


@pytest.mark.parametrize(("path", "language"), [
    ("a/b.py", "python"), ("x.tsx", "tsx"), ("x.ts", "typescript"), ("m.mjs", "javascript"), ("main.go", "go"),
    ("A.java", "java"), ("lib.rs", "rust"), ("x.h", "c"), ("x.hpp", "cpp"), ("x.rb", "ruby"), ("P.cs", "csharp"),
    ("README.md", "markdown"), ("Dockerfile", "dockerfile"), ("package-lock.json", None), ("x.exe", None),
    ("sklearn/tree/_tree.pyx", "cython"), ("_tree.pxd", "cython"),
])
def test_language_for(path: str, language: str | None) -> None:
    assert language_for(path) == language


def test_deep_trees_do_not_overflow(tmp_path: Path) -> None:
    deep = tmp_path
    for _ in range(1100):  # deeper than Python's default recursion limit (made level by level)
        deep = deep / "d"
        deep.mkdir()
    (deep / "leaf.py").write_text("x = 1\n")
    try:
        files = scan_repo(tmp_path).files
        assert len(files) == 1 and files[0].path.count("/") == 1100 and files[0].path.endswith("d/leaf.py")
    finally:  # shutil.rmtree (pytest's cleanup) recurses: take the tree down level by level, pass or fail
        (deep / "leaf.py").unlink()
        while deep != tmp_path:
            deep.rmdir()
            deep = deep.parent


def test_files_too_young_to_stamp_are_hashed_against_the_last_index(tmp_path: Path) -> None:
    """A fresh clone or copy leaves files too young for a trusted stamp: the next scan re-reads them,
    but one whose bytes hash as the index recorded is unchanged, while any edit (same size and
    mtime included) still comes back as a file to reindex."""
    same = write(tmp_path, "same.py", "x = 1\n")
    edited = write(tmp_path, "edited.py", "y = 1\n")
    new = write(tmp_path, "new.py", "z = 1\n")
    first = scan_repo(tmp_path)
    assert first.stamps == {} and len(first.files) == 3  # all written just now: no stamp trusted
    hashes = {f.path: f.sha256 for f in first.files if f.path != "new.py"}
    stamp = edited.stat()
    edited.write_text("y = 2\n")
    os.utime(edited, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    result = scan_repo(tmp_path, hashes=hashes)
    assert result.unchanged == ["same.py"]
    assert [(f.path, f.text) for f in result.files] == [("edited.py", "y = 2\n"), ("new.py", "z = 1\n")]
    # Once old enough, the hashed file's stamp is recorded, so the scan after that skips reading it.
    past = same.stat().st_mtime_ns - 3_600 * 10**9
    for path in (same, edited, new):
        os.utime(path, ns=(past, past))
    aged = scan_repo(tmp_path, hashes=hashes)
    assert aged.unchanged == ["same.py"] and aged.stamps["same.py"] == (same.stat().st_size, past)


def test_a_file_refused_by_name_is_refused_even_when_its_stamp_is_known(tmp_path: Path) -> None:
    """An index made before a name became a secret file's holds its stamp: the scan must still
    refuse the file (the indexer then removes it) rather than trust the stamp."""
    env = write(tmp_path, ".env", "TOKEN=abc\n")
    info = env.stat()
    os.utime(env, ns=(info.st_atime_ns, info.st_mtime_ns - 3_600 * 10**9))
    info = env.stat()
    result = scan_repo(tmp_path, known={".env": (info.st_size, info.st_mtime_ns)})
    assert result.unchanged == [] and reasons(result) == {".env": "secret file (never indexed)"}


def _aged(root: Path) -> None:
    """Every entry, the root included, dated an hour back: old enough for its stamp to be trusted."""
    past = os.stat(root).st_mtime_ns - 3_600 * 10**9
    for path in [root, *root.rglob("*")]:
        os.utime(path, ns=(past, past), follow_symlinks=False)


def _scanned(result) -> tuple:
    return ([(f.path, f.sha256, f.text) for f in result.files], result.unchanged,
            [(s.path, s.reason) for s in result.skipped], result.stamps, result.watched)


def _walks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The directories listed from now on: empty when a scan did not walk the tree."""
    listed: list[str] = []
    real = os.scandir
    monkeypatch.setattr(os, "scandir", lambda path: listed.append(str(path)) or real(path))
    return listed


@pytest.mark.parametrize("change", ["none", "edit", "add", "add_nested", "remove", "rename", "gitignore",
                                    "shrink_skipped", "ignored_dir", "young"])
def test_the_last_scans_stamps_spare_the_walk_and_never_change_the_result(tmp_path: Path, change: str,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Given what the last scan recorded, a scan looks at the files whose stamps moved without walking the
    tree while no directory, ignore file or skipped file moved (`onboard list` over many indexes, a
    reindex after a few edits). Whatever the change, its result is the walk's."""
    write(tmp_path, ".gitignore", "build/\n")
    write(tmp_path, "app.py", "x = 1\n")
    write(tmp_path, "pkg/core.py", "def run():\n    return 1\n")
    write(tmp_path, "pkg/data.py", "x = '" + "a" * 2_000 + "'\n")  # too large for the scans below
    write(tmp_path, "build/out.py", "y = 2\n")
    _aged(tmp_path)
    recorded = scan_repo(tmp_path, max_bytes=1_000)
    assert reasons(recorded)["pkg/data.py"].startswith("too large")
    assert sorted(recorded.stamps) == [f.path for f in recorded.files] == ["app.py", "pkg/core.py"]
    assert {"", "pkg", ".gitignore", "pkg/data.py"} <= recorded.watched.keys()

    def keep_mtime(path: Path, edit) -> None:  # an edit in place that leaves its directory's mtime alone
        parent = path.parent.stat()
        edit()
        os.utime(path.parent, ns=(parent.st_atime_ns, parent.st_mtime_ns))

    core = tmp_path / "pkg" / "core.py"
    if change == "edit":
        core.write_text("def run():\n    return 2\n")
    elif change == "add":
        write(tmp_path, "extra.py", "z = 3\n")
    elif change == "add_nested":
        write(tmp_path, "pkg/sub/extra.py", "z = 3\n")
    elif change == "remove":
        core.unlink()
    elif change == "rename":
        core.rename(tmp_path / "pkg" / "main.py")
    elif change == "gitignore":
        keep_mtime(tmp_path / ".gitignore", lambda: (tmp_path / ".gitignore").write_text("build/\napp.py\n"))
    elif change == "shrink_skipped":
        keep_mtime(tmp_path / "pkg" / "data.py", lambda: (tmp_path / "pkg" / "data.py").write_text("x = 1\n"))
    elif change == "ignored_dir":
        write(tmp_path, "build/more.py", "w = 4\n")  # moves build/'s mtime, which nothing watches
    elif change == "young":  # a file written just now has no trusted stamp: it is hashed again
        write(tmp_path, "app.py", "x = 1\n")
        recorded = scan_repo(tmp_path, max_bytes=1_000)
    last = {"known": recorded.stamps, "hashes": {f.path: f.sha256 for f in recorded.files}}
    walked = _walks(monkeypatch)
    quick = scan_repo(tmp_path, max_bytes=1_000, **last, watched=recorded.watched, skipped=recorded.skipped)
    assert (walked == []) == (change in ("none", "edit", "ignored_dir", "young")), walked
    assert _scanned(quick) == _scanned(scan_repo(tmp_path, max_bytes=1_000, **last))
    read = [f.path for f in quick.files]
    assert read == (["pkg/core.py"] if change == "edit" else ["extra.py"] if change == "add" else
                    ["pkg/sub/extra.py"] if change == "add_nested" else ["pkg/main.py"] if change == "rename" else
                    ["pkg/data.py"] if change == "shrink_skipped" else [])


def test_a_broken_symlink_always_has_the_tree_walked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Its target may appear without any watched directory changing (here in an ignored one)."""
    write(tmp_path, ".gitignore", "build/\n")
    write(tmp_path, "app.py", "x = 1\n")
    (tmp_path / "build").mkdir()
    (tmp_path / "link.py").symlink_to(tmp_path / "build" / "target.py")
    _aged(tmp_path)
    recorded = scan_repo(tmp_path)
    assert reasons(recorded)["link.py"] == "broken symlink"
    write(tmp_path, "build/target.py", "t = 1\n")
    walked = _walks(monkeypatch)
    again = scan_repo(tmp_path, known=recorded.stamps, hashes={"app.py": recorded.files[0].sha256},
                      watched=recorded.watched, skipped=recorded.skipped)
    assert walked and [f.path for f in again.files] == ["link.py"]


def test_an_ignore_line_git_cannot_read_is_skipped_and_the_rest_still_apply(tmp_path: Path) -> None:
    """git skips a pattern it cannot read; pathspec refused the whole file, so one such line (a trailing
    backslash, a lone `!`, a reversed range) stopped every scan of the repository, and `onboard list` with it."""
    write(tmp_path, ".gitignore", "*.log\nbuild\\\n!\n[z-a]\n")
    write(tmp_path, "pkg/.gitignore", "[z-a].py\nlocal.py\n")
    for name in ("app.py", "debug.log", "pkg/local.py", "pkg/kept.py"):
        write(tmp_path, name, "x = 1\n")
    assert sorted(f.path for f in scan_repo(tmp_path).files) == ["app.py", "pkg/kept.py"]
