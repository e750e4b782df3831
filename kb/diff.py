"""Differences between two versions of a document, by line and by Chinese sentence, as data or HTML."""

from __future__ import annotations

import difflib
import html
import re
from dataclasses import dataclass

# A sentence ends at 。！？； (or their ASCII forms before a space / line end), together with any closing
# quotes or brackets that follow; a line break always ends one.
_SENTENCE_END = re.compile(r"[。！？；!?;]+[”’」』）)\]】]*|\n+")


@dataclass(frozen=True)
class DiffOp:
    """One run of a diff: `equal`, `insert`, `delete` or `replace`, with the old and new pieces."""

    tag: str
    old: tuple[str, ...]
    new: tuple[str, ...]


@dataclass(frozen=True)
class Diff:
    """A diff between two texts in units of lines or sentences."""

    unit: str  # "line" or "sentence"
    ops: tuple[DiffOp, ...]

    @property
    def added(self) -> int:
        return sum(len(op.new) for op in self.ops if op.tag in ("insert", "replace"))

    @property
    def removed(self) -> int:
        return sum(len(op.old) for op in self.ops if op.tag in ("delete", "replace"))

    @property
    def changed(self) -> bool:
        return any(op.tag != "equal" for op in self.ops)


def split_sentences(text: str) -> list[str]:
    """Split text into sentences after 。！？； (keeping the mark) and at line breaks; drop blanks."""
    sentences: list[str] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        piece = text[start : m.end()].strip()
        if piece:
            sentences.append(piece)
        start = m.end()
    tail = text[start:].strip()
    if tail:
        sentences.append(tail)
    return sentences


def _ops(old: list[str], new: list[str]) -> tuple[DiffOp, ...]:
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    return tuple(DiffOp(tag, tuple(old[i1:i2]), tuple(new[j1:j2])) for tag, i1, i2, j1, j2 in matcher.get_opcodes())


def line_diff(old: str, new: str) -> Diff:
    """Diff two texts line by line."""
    return Diff("line", _ops(old.splitlines(), new.splitlines()))


def sentence_diff(old: str, new: str) -> Diff:
    """Diff two texts sentence by sentence (readable for Chinese, where a line may hold a whole paragraph)."""
    return Diff("sentence", _ops(split_sentences(old), split_sentences(new)))


def unified(old: str, new: str, old_label: str = "旧版", new_label: str = "新版", context: int = 3) -> str:
    """A classic unified line diff, for the terminal."""
    lines = difflib.unified_diff(
        old.splitlines(), new.splitlines(), fromfile=old_label, tofile=new_label, n=context, lineterm=""
    )
    return "\n".join(lines)


def inline_html(old: str, new: str) -> str:
    """One piece of text with removed characters in <del> and added ones in <ins>, HTML-escaped."""
    out: list[str] = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out.append(html.escape(old[i1:i2]))
            continue
        if i2 > i1:
            out.append(f"<del>{html.escape(old[i1:i2])}</del>")
        if j2 > j1:
            out.append(f"<ins>{html.escape(new[j1:j2])}</ins>")
    return "".join(out)


def to_html(diff: Diff, context: int = 1) -> str:
    """Render a diff as escaped HTML rows; unchanged runs longer than 2×context are folded."""
    rows: list[str] = []
    for op in diff.ops:
        if op.tag == "equal":
            items = list(op.old)
            if len(items) > 2 * context + 1:
                hidden = len(items) - 2 * context
                unit = "行" if diff.unit == "line" else "句"
                head, tail = items[:context], items[len(items) - context :] if context else []
                rows.extend(f'<div class="kb-diff-eq">{html.escape(t)}</div>' for t in head)
                rows.append(f'<div class="kb-diff-fold">…… 未改动 {hidden} {unit} ……</div>')
                rows.extend(f'<div class="kb-diff-eq">{html.escape(t)}</div>' for t in tail)
            else:
                rows.extend(f'<div class="kb-diff-eq">{html.escape(t)}</div>' for t in items)
        elif op.tag == "replace" and len(op.old) == len(op.new):
            # pairwise: show the character-level change inside each sentence or line
            rows.extend(
                f'<div class="kb-diff-mod">{inline_html(a, b)}</div>' for a, b in zip(op.old, op.new, strict=True)
            )
        else:
            rows.extend(f'<div class="kb-diff-del">- <del>{html.escape(t)}</del></div>' for t in op.old)
            rows.extend(f'<div class="kb-diff-ins">+ <ins>{html.escape(t)}</ins></div>' for t in op.new)
    if not diff.changed:
        rows = ['<div class="kb-diff-fold">两个版本内容相同</div>']
    return '<div class="kb-diff">' + "".join(rows) + "</div>"


DIFF_CSS = """
<style>
.kb-diff { font-size: 0.95rem; line-height: 1.7; }
.kb-diff div { padding: 0 .4rem; white-space: pre-wrap; }
.kb-diff del { background: #fdd; color: #900; text-decoration: line-through; }
.kb-diff ins { background: #dfd; color: #060; text-decoration: none; }
.kb-diff-del { background: #fff5f5; }
.kb-diff-ins { background: #f5fff5; }
.kb-diff-fold { color: #888; font-style: italic; }
</style>
"""
