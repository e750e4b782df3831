"""The Document dataclass and reading one Markdown file into front matter and body."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

# Declared in kb.content.vocabulary; imported here too for the modules that read them from documents.
from kb.content.vocabulary import (  # noqa: F401
    FOLDER_TYPES,
    STATUS_CURRENT,
    STATUS_EXPIRED,
    STATUS_SUPERSEDED,
    TYPE_CASE,
    TYPE_GUIDE,
    TYPE_LABELS,
    TYPE_LAW,
)

CASE_SECTIONS = ("基本案情", "办案过程", "法律适用", "处理结果", "办案要旨", "指导意义")


@dataclass(frozen=True)
class Document:
    """One guide or exemplary case, as validated from its Markdown file."""

    id: str
    type: str
    title: str
    category: str
    body: str
    path: str
    summary: str = ""
    tags: tuple[str, ...] = ()
    laws: tuple[str, ...] = ()
    audience: tuple[str, ...] = ()
    status: str = STATUS_CURRENT
    issued: date | None = None
    version: int = 1
    supersedes: tuple[str, ...] = ()
    superseded_by: str | None = None
    review_by: date | None = None
    stage: tuple[str, ...] = ()
    kind: str | None = None
    case_type: str | None = None
    charges: tuple[str, ...] = ()
    year: int | None = None
    unit: str | None = None
    guides: tuple[str, ...] = ()
    hash: str = ""
    body_line: int = 1
    field_lines: dict[str, int] = field(default_factory=dict, compare=False, hash=False)

    @property
    def in_force(self) -> bool:
        return self.status == STATUS_CURRENT


@dataclass(frozen=True)
class SourceText:
    """A file's decoded text split into its YAML front matter and Markdown body."""

    front_matter: str | None
    body: str
    front_matter_line: int  # line of the first YAML line
    body_line: int  # line of the first body line


def content_hash(data: bytes) -> str:
    """Return the hash used to detect changed files."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


_FENCE = re.compile(r"^---[ \t]*$")


def split_front_matter(text: str) -> SourceText:
    """Split `---`-fenced YAML front matter from the Markdown body."""
    lines = text.split("\n")
    if not lines or not _FENCE.match(lines[0].rstrip("\r")):
        return SourceText(None, text, 0, 1)
    for i in range(1, len(lines)):
        if _FENCE.match(lines[i].rstrip("\r")):
            return SourceText("\n".join(lines[1:i]), "\n".join(lines[i + 1 :]), 2, i + 2)
    return SourceText(None, text, 0, 1)


def document_type(rel_path: str) -> str | None:
    """Return the document type implied by the file's top folder."""
    top = rel_path.split("/", 1)[0]
    return FOLDER_TYPES.get(top)


def iter_content_files(content_dir: Path) -> list[Path]:
    """List every Markdown document under guides/ and casebook/, sorted."""
    files: list[Path] = []
    for folder in FOLDER_TYPES:
        base = content_dir / folder
        if base.is_dir():
            files.extend(p for p in base.rglob("*.md") if p.is_file() and not p.name.startswith("."))
    return sorted(files)


# plain_text's patterns run on every document at every build, so each is linear: no attempt may
# read text that an attempt from an earlier position already read. A link's text and address stop
# at the next bracket or parenthesis, one pair of parentheses allowed inside the address
# ("[^\]]*" read on to the next "]" from every "[": 114 s for a 157 KB body of "["); a rule line
# is bounded by its line ("^\s*" ran over every following blank line from each one); a run of
# spaces is entered only at its start (the lookbehinds: a line break after spaces that a match
# already took is matched alone), and the blank lines after a line break go with it.
_HEADING_MARK = re.compile(r"^#{1,6}\s*", re.M)
_INLINE_MARKS = re.compile(r"[*_`>|]+")
_RULE_LINE = re.compile(r"^[ \t]*[-:]{3,}[ \t]*$", re.M)
_LINK = re.compile(r"\[([^\[\]]*)\]\((?:[^()\[\]]|\([^()\[\]]*\))*\)")
_LINE_BREAKS = re.compile(r"(?<![ \t])[ \t]*\n[ \t\n]*|(?<=[ \t])\n[ \t\n]*")


def plain_text(markdown_text: str) -> str:
    """Strip the Markdown markup that would clutter a snippet (in time linear in the text)."""
    text = _HEADING_MARK.sub("", markdown_text)
    text = _INLINE_MARKS.sub("", text)
    text = _RULE_LINE.sub("", text)
    text = _LINK.sub(r"\1", text)
    return _LINE_BREAKS.sub("\n", text).strip()
