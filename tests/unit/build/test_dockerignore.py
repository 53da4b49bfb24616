""".dockerignore: reading, Docker's pattern rules, exceptions, and which file applies."""

from __future__ import annotations

import pytest

from runtime.images.dockerignore import DockerignoreError, compile_patterns, load_ignore, read_patterns


def ignored(rules: str, path: str) -> bool:
    return compile_patterns(read_patterns(rules)).ignored(path)


def test_reading_cleans_patterns_and_drops_comments():
    text = "\ufeff# comment\n  node_modules/  \n\n/abs\n./dot/x\n!  keep\na//b/../c\n #not a comment\n"
    assert read_patterns(text) == ["node_modules", "abs", "dot/x", "!keep", "a/c", "#not a comment"]


@pytest.mark.parametrize("rules, path, expected", [
    ("*.md", "README.md", True),
    ("*.md", "docs/README.md", False),  # * never crosses /
    ("*/*.md", "docs/README.md", True),
    ("**/*.md", "docs/deep/README.md", True),
    ("**/*.md", "README.md", True),
    ("docs/**", "docs/a/b", True),
    ("docs/**", "docsx", False),
    ("**", "anything/at/all", True),
    ("a/**/b", "a/b", True),
    ("a/**/b", "a/x/y/b", True),
    ("?.txt", "a.txt", True),
    ("?.txt", "ab.txt", False),
    ("[abc].txt", "b.txt", True),
    ("[^abc].txt", "b.txt", False),
    ("[a-c].txt", "d.txt", False),
    ("\\*.txt", "*.txt", True),
    ("\\*.txt", "a.txt", False),
    ("file(1).txt", "file(1).txt", True),
    ("a.b", "axb", False),
])
def test_pattern_rules(rules, path, expected):
    assert ignored(rules, path) is expected


def test_a_matching_directory_ignores_everything_below_it():
    assert ignored("node_modules", "node_modules/pkg/index.js")
    assert ignored("build/", "build/out/app")
    assert not ignored("build", "src/build")


def test_exceptions_reinclude_and_order_matters():
    assert not ignored("*.log\n!keep.log", "keep.log")
    assert ignored("*.log\n!keep.log", "other.log")
    assert ignored("!keep.log\n*.log", "keep.log")  # the later pattern wins
    assert ignored("*.log\n!keep.log\nkeep.log", "keep.log")


def test_exception_inside_an_ignored_directory():
    rules = "docs\n!docs/keep.md"
    assert not ignored(rules, "docs/keep.md")
    assert ignored(rules, "docs/other.md")
    matcher = compile_patterns(read_patterns(rules))
    assert matcher.may_reinclude_under("docs") and not matcher.may_reinclude_under("src")


def test_everything_but():
    rules = "*\n!src\n!package.json"
    assert ignored(rules, "README.md")
    assert not ignored(rules, "src/index.js")
    assert not ignored(rules, "package.json")


def test_lone_bang_and_bad_class_are_errors():
    with pytest.raises(DockerignoreError, match="illegal exclusion pattern"):
        compile_patterns(["!"])
    with pytest.raises(DockerignoreError, match="bad pattern"):
        compile_patterns(["[abc"])


def test_dockerfile_specific_ignore_file_takes_precedence(tmp_path):
    (tmp_path / ".dockerignore").write_text("*.txt\n")
    (tmp_path / "app.Dockerfile").write_text("FROM a\n")
    (tmp_path / "app.Dockerfile.dockerignore").write_text("*.md\n")
    specific = load_ignore(tmp_path, tmp_path / "app.Dockerfile")
    assert specific.ignored("a.md") and not specific.ignored("a.txt")
    assert load_ignore(tmp_path, tmp_path / "Dockerfile").ignored("a.txt")


def test_build_files_are_always_kept(tmp_path):
    (tmp_path / ".dockerignore").write_text("*\n!src\n")
    matcher = load_ignore(tmp_path, tmp_path / "Dockerfile", keep=(".dockerignore", "Dockerfile"))
    assert not matcher.ignored("Dockerfile") and not matcher.ignored(".dockerignore")
    assert matcher.ignored("other")


def test_no_ignore_file_ignores_nothing(tmp_path):
    assert not load_ignore(tmp_path).ignored("anything")
