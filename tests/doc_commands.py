"""The shell commands that README.md and docs/*.md show, as a user would copy them.

A command is a line of a ```bash, ```sh, ```console or untyped fenced block, with its ``\\`` continuation
lines joined and its trailing ``# comment`` dropped. In a block where some line starts with ``$ ``, only
those lines are commands and the lines under each are its documented output. ``a && b`` gives one
command per part.
"""

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

SHELL_BLOCKS = {"", "bash", "sh", "console", "shell"}
FENCE = re.compile(r"^```(\w*)\s*$")


@dataclass
class DocCommand:
    doc: str  # path relative to the repository root
    line: int  # 1-based line of the command in the doc
    text: str  # the command as written, without prompt or comment
    expected_output: list[str] = field(default_factory=list)
    # The nearest command above it in the same doc (a producer of `<run>`-like paths it may need).
    previous: "DocCommand | None" = None

    @property
    def id(self) -> str:
        return f"{self.doc}:{self.line}:{self.text}"

    @property
    def words(self) -> list[str]:
        return shlex.split(self.text)


def strip_comment(line: str) -> str:
    """Drop a trailing ` # comment` that is outside quotes."""
    quote = None
    for index, char in enumerate(line):
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or line[index - 1].isspace()):
            return line[:index].strip()
    return line.strip()


def blocks(text: str) -> list[tuple[int, list[str]]]:
    """Shell blocks as (line number of their first line, lines)."""
    found, current, start, kind = [], None, 0, None
    for number, line in enumerate(text.splitlines(), start=1):
        match = FENCE.match(line.strip())
        if match and current is None:
            current, start, kind = [], number + 1, match.group(1)
        elif line.strip() == "```" and current is not None:
            if kind in SHELL_BLOCKS:
                found.append((start, current))
            current = None
        elif current is not None:
            current.append(line)
    return found


def commands_of_block(doc: str, start: int, lines: list[str]) -> list[DocCommand]:
    prompted = any(line.startswith("$ ") for line in lines)
    commands: list[DocCommand] = []
    pending, pending_line = "", 0
    for offset, raw in enumerate(lines):
        number = start + offset
        if prompted and not raw.startswith("$ ") and not pending:
            if commands and raw.strip():
                commands[-1].expected_output.append(raw.strip())
            continue
        line = raw[2:] if raw.startswith("$ ") else raw
        if not pending:
            pending_line = number
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1].strip() + " "
            continue
        full = strip_comment(pending + line.strip())
        pending = ""
        for part in full.split(" && "):
            if part.strip():
                commands.append(DocCommand(doc, pending_line, part.strip()))
    return commands


def doc_commands(root: Path) -> list[DocCommand]:
    docs = [root / "README.md", *sorted((root / "docs").glob("*.md"))]
    every = []
    for path in docs:
        doc = str(path.relative_to(root))
        in_doc: list[DocCommand] = []
        for start, lines in blocks(path.read_text()):
            for command in commands_of_block(doc, start, lines):
                command.previous = in_doc[-1] if in_doc else None
                in_doc.append(command)
        every += in_doc
    return every
