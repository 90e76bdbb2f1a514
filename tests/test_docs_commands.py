"""The docs stay true to the code: every `civicdesk …` command that README.md and docs/*.md show exists, the
README stays a front page, and every link in them points to a file (and heading) that exists.

A command is looked for in code spans and code blocks (not in Python, TOML or other non-shell blocks, where
`from civicdesk import …` is not a command). Its sub-command words, up to the first option or argument,
are walked through the real command tree of `civicdesk.cli.app`: at a command group the next word must be
one of its commands; at a command the rest are its arguments. Then `civicdesk <words> --help` must exit 0
through typer's CliRunner. A doc naming a command that does not exist fails here.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from civicdesk.cli import app

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOC_FILES = [README, *sorted((ROOT / "docs").glob("*.md"))]
README_MAX_LINES = 160

FENCE = re.compile(r"^[ \t]*(```+|~~~+)[ \t]*([\w+-]*)[^\n]*\n(.*?)^[ \t]*\1[ \t]*$", re.M | re.S)
SPAN = re.compile(r"(`+)(.+?)\1", re.S)
SHELL_LANGS = {"", "bash", "sh", "shell", "console", "text"}
# `civicdesk` as a program: at the start, after whitespace or a shell operator, or as the last part of a path
# (.venv/bin/civicdesk); followed by whitespace. `civicdesk.ingest`, `civicdesk/ingest/` are not commands.
PROGRAM = re.compile(r"(?:^|(?<=[\s;&|($]))(?:[\w./-]*/)?civicdesk(?=[ \t]|$)(.*)$", re.M)
WORD = re.compile(r"^[a-z][a-z0-9-]*$")
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


def _shell_lines(markdown: str) -> list[str]:
    """The lines of shell-like code: fenced shell blocks (comments removed) and inline code spans."""
    lines: list[str] = []
    for fence in FENCE.finditer(markdown):
        if fence.group(2).lower() in SHELL_LANGS:
            lines += [re.sub(r"(^|\s)#.*$", "", line) for line in fence.group(3).splitlines()]
    prose = FENCE.sub("", markdown)
    lines += [" ".join(span.group(2).split()) for span in SPAN.finditer(prose)]
    return lines


def commands_in(markdown: str) -> list[tuple[str, ...]]:
    """Every `civicdesk …` command shown in code, as its leading lower-case words (up to the first option,
    argument or placeholder). A bare `civicdesk` or `civicdesk …` names no command and is left out."""
    found = []
    for line in _shell_lines(markdown):
        for match in PROGRAM.finditer(line):
            before = line[:match.start()].split()
            if before and before[-1] in {"from", "import"}:   # Python that slipped into a shell span
                continue
            words = []
            for token in match.group(1).split():
                if not WORD.match(token):
                    break
                words.append(token)
            if words:
                found.append(tuple(words))
    return found


def resolve(words: tuple[str, ...]) -> tuple[str, ...]:
    """The command path the words name in the real `civicdesk` command tree (the words after a command
    are its arguments). Raises LookupError when a group has no command of that name."""
    command = typer.main.get_command(app)
    ctx = command.context_class(command, info_name="civicdesk")
    path: list[str] = []
    for word in words:
        if not _is_group(command):
            break
        sub = command.get_command(ctx, word)
        if sub is None:
            known = ", ".join(sorted(command.list_commands(ctx)))
            raise LookupError(f"`civicdesk {' '.join([*path, word])}`: no such command (known here: {known})")
        path.append(word)
        command, ctx = sub, sub.context_class(sub, info_name=word, parent=ctx)
    return tuple(path)


def _is_group(command) -> bool:
    """A command group (typer's own click classes are not `click.Group`s, so by what it can do)."""
    return callable(getattr(command, "get_command", None)) and callable(getattr(command, "list_commands", None))


def help_exit_code(path: tuple[str, ...]) -> int:
    result = CliRunner().invoke(app, [*path, "--help"])
    return result.exit_code


def _doc_commands() -> dict[tuple[str, ...], list[str]]:
    """Each distinct command's words, with the files that show it."""
    where: dict[tuple[str, ...], list[str]] = {}
    for doc in DOC_FILES:
        for words in commands_in(doc.read_text(encoding="utf-8")):
            where.setdefault(words, [])
            if doc.name not in where[words]:
                where[words].append(str(doc.relative_to(ROOT)))
    return where


DOC_COMMANDS = _doc_commands()


def test_the_docs_show_the_commands_a_newcomer_needs():
    """The extraction finds the commands (so an empty parametrisation cannot pass unnoticed)."""
    paths = {words[:2] for words in DOC_COMMANDS}
    for expected in [("import",), ("briefing",), ("info",), ("staffing", "calibrate"), ("user", "add"),
                     ("backup",), ("import-reference", "streets")]:
        assert expected in paths, f"no doc shows `civicdesk {' '.join(expected)}`"
    assert len(DOC_COMMANDS) >= 20


@pytest.mark.parametrize("words", sorted(DOC_COMMANDS), ids=lambda words: " ".join(words))
def test_every_command_in_the_docs_exists(words):
    try:
        path = resolve(words)
    except LookupError as exc:
        pytest.fail(f"{exc}; shown in {', '.join(DOC_COMMANDS[words])}")
    assert help_exit_code(path) == 0, f"`civicdesk {' '.join(path)} --help` failed ({DOC_COMMANDS[words]})"


def test_a_made_up_command_fails():
    sample = """Run it:

```bash
civicdesk staffing calibrate --period 2022-04-01:2022-06-30   # exists
civicdesk frobnicate --week 2023-W07                          # does not
```

then `civicdesk staffing simulate --weeks 4` and `civicdesk user rename old new`.

```python
from civicdesk import store   # Python, not a command
```
"""
    found = commands_in(sample)
    assert found == [("staffing", "calibrate"), ("frobnicate",), ("staffing", "simulate"),
                     ("user", "rename", "old", "new")]
    assert resolve(found[0]) == ("staffing", "calibrate")
    for words in found[1:]:
        with pytest.raises(LookupError, match="no such command"):
            resolve(words)
    assert help_exit_code(("frobnicate",)) != 0
    assert help_exit_code(("staffing", "simulate")) != 0


def test_arguments_after_a_command_are_not_sub_commands():
    assert resolve(("import", "export", "csv")) == ("import",)
    assert resolve(("user", "add", "zhangsan")) == ("user", "add")
    assert resolve(("staffing",)) == ("staffing",)
    with pytest.raises(LookupError):
        resolve(("staffing", "calibrat"))


# --- links ---------------------------------------------------------------------------------------------


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped (letters of any script kept), spaces
    to hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(markdown: str) -> set[str]:
    seen: dict[str, int] = {}
    out = set()
    for match in re.finditer(r"^#{1,6}[ \t]+(.+?)[ \t#]*$", FENCE.sub("", markdown), re.M):
        slug = _slug(match.group(1))
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        out.add(slug if n == 0 else f"{slug}-{n}")
    return out


def broken_links(doc: Path, markdown: str) -> list[str]:
    """Relative links in `markdown` (a file at `doc`) whose file, or heading anchor, does not exist."""
    problems = []
    for target in LINK.findall(FENCE.sub("", markdown)):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):      # http:, mailto: …: not checked here
            continue
        name, _, anchor = target.partition("#")
        path = (doc.parent / name).resolve() if name else doc
        if name and not path.exists():
            problems.append(f"{target}: no such file")
        elif anchor and path.suffix == ".md":
            text = path.read_text(encoding="utf-8") if name else markdown
            if anchor not in anchors(text):
                problems.append(f"{target}: no such heading in {path.name}")
    return problems


def test_readme_is_a_front_page():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MAX_LINES, f"README.md has {len(lines)} lines; move detail into docs/"


def test_readme_links_only_to_docs_that_exist():
    text = README.read_text(encoding="utf-8")
    targets = LINK.findall(FENCE.sub("", text))
    assert targets, "the README links to no docs"
    for target in targets:
        assert target.startswith("docs/"), f"README links outside docs/: {target}"
    assert broken_links(README, text) == []
    assert "docs/img/overview.png" in targets


@pytest.mark.parametrize("doc", DOC_FILES[1:], ids=lambda doc: doc.name)
def test_doc_links_resolve(doc):
    assert broken_links(doc, doc.read_text(encoding="utf-8")) == []


def test_a_broken_link_is_found():
    doc = ROOT / "docs" / "sample.md"
    text = ("## Real heading\n\n[ok](figures.md) [self](#real-heading) [gone](nowhere.md) "
            "[bad anchor](figures.md#no-such-section) [web](https://example.org/x)\n")
    assert broken_links(doc, text) == ["nowhere.md: no such file",
                                       "figures.md#no-such-section: no such heading in figures.md"]
    assert _slug("5. Callback results (回访记录)") == "5-callback-results-回访记录"
    assert _slug("The store's tables") == "the-stores-tables"
