"""Differences between two versions of a document: front-matter fields as a table, the body by Markdown
block then by sentence, as data (frozen dataclasses) or escaped HTML; plus plain line and sentence diffs.

The pieces live in kb.content.fielddiff, kb.content.blockdiff and kb.content.textdiff; pages import them from here."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

from kb.content.blockdiff import ROW_SEPARATOR, Block, BlockChange, block_changes, body_html, split_blocks
from kb.content.documents import split_front_matter
from kb.content.fielddiff import (
    FIELD_ADDED,
    FIELD_CHANGED,
    FIELD_REMOVED,
    FieldChange,
    field_changes,
    field_value,
    fields_html,
    read_fields,
)
from kb.content.frontmatter import guess_type
from kb.content.textdiff import (
    DELETE,
    EQUAL,
    INSERT,
    MODIFY,
    SIMILAR,
    Diff,
    DiffOp,
    Span,
    inline_html,
    inline_spans,
    line_diff,
    line_spans,
    ops,
    sentence_diff,
    sentence_spans,
    spans_html,
    split_sentences,
    to_html,
    unified,
)


@dataclass(frozen=True)
class DocumentDiff:
    """Two versions of a document compared: changed fields, and the body block by block.

    When either front matter cannot be read as YAML, `fields` is empty and `front_matter` holds its lines compared.
    """

    fields: tuple[FieldChange, ...]
    body: tuple[BlockChange, ...]
    front_matter: tuple[DiffOp, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.fields) or any(op.tag != "equal" for op in self.front_matter) or self.blocks_changed > 0

    def count(self, tag: str) -> int:
        """How many body blocks were added (`insert`), removed (`delete`) or edited (`modify`)."""
        return sum(1 for c in self.body if c.tag == tag)

    @property
    def blocks_changed(self) -> int:
        return sum(1 for c in self.body if c.tag != EQUAL)

    @property
    def summary(self) -> str:
        """One line saying what changed, for a caption."""
        if not self.changed:
            return "两个版本内容相同"
        fields = len(self.fields) if not self.front_matter else sum(1 for op in self.front_matter if op.tag != "equal")
        return (
            f"字段改动 {fields} 处；正文新增 {self.count(INSERT)} 段，删除 {self.count(DELETE)} 段，"
            f"修改 {self.count(MODIFY)} 段"
        )


def document_diff(old: str, new: str) -> DocumentDiff:
    """Compare two versions of a Markdown document with front matter."""
    a = split_front_matter(old.replace("\r\n", "\n"))
    b = split_front_matter(new.replace("\r\n", "\n"))
    body = block_changes(split_blocks(a.body), split_blocks(b.body))
    old_fields, new_fields = read_fields(a.front_matter), read_fields(b.front_matter)
    if old_fields is None or new_fields is None:
        lines = ops((a.front_matter or "").split("\n"), (b.front_matter or "").split("\n"))
        return DocumentDiff((), body, lines)
    return DocumentDiff(field_changes(old_fields, new_fields, guess_type(new)), body)


def _lines_html(ops: Sequence[DiffOp]) -> str:
    rows = []
    for op in ops:
        if op.tag == "equal":
            rows += [f'<div class="kb-diff-eq">{html.escape(t)}</div>' for t in op.old]
            continue
        rows += [f'<div class="kb-diff-del"><del>{html.escape(t)}</del></div>' for t in op.old]
        rows += [f'<div class="kb-diff-ins"><ins>{html.escape(t)}</ins></div>' for t in op.new]
    return f'<pre class="kb-diff-fm">{"".join(rows)}</pre>'


def document_html(diff: DocumentDiff, context: int = 1) -> str:
    """A document diff as escaped HTML: the field table (or the front matter's lines), then the body."""
    if not diff.changed:
        return '<div class="kb-diff"><div class="kb-diff-fold">两个版本内容相同</div></div>'
    parts = ['<div class="kb-diff">']
    if diff.front_matter:
        parts.append('<div class="kb-diff-caption">front matter 无法按字段读取，按行对比：</div>')
        parts.append(_lines_html(diff.front_matter))
    elif diff.fields:
        parts.append(fields_html(diff.fields))
    else:
        parts.append('<div class="kb-diff-caption">字段没有改动。</div>')
    if diff.blocks_changed:
        parts.append(f'<div class="kb-diff-body">{body_html(diff.body, context)}</div>')
    else:
        parts.append('<div class="kb-diff-caption">正文没有改动。</div>')
    parts.append("</div>")
    return "".join(parts)


DIFF_CSS = """
<style>
.kb-diff { font-size: 0.95rem; line-height: 1.7; }
.kb-diff div, .kb-diff p { padding: 0 .4rem; white-space: pre-wrap; margin: 0 0 .3rem 0; }
.kb-diff del { background: #fdd; color: #900; text-decoration: line-through; }
.kb-diff ins { background: #dfd; color: #060; text-decoration: none; }
.kb-diff-del { background: #fff5f5; border-left: 3px solid #e99; }
.kb-diff-ins { background: #f5fff5; border-left: 3px solid #8c8; }
.kb-diff-mod { border-left: 3px solid #db8; }
.kb-diff-fold, .kb-diff-caption { color: #888; font-style: italic; }
.kb-diff h1, .kb-diff h2, .kb-diff h3, .kb-diff h4, .kb-diff h5, .kb-diff h6 {
  font-size: 1.1rem; font-weight: 700; margin: .6rem 0 .3rem 0; padding: 0 .4rem; }
.kb-diff-li { display: flex; gap: .5em; }
.kb-diff-mark { flex: none; color: #555; }
.kb-diff-d2 { margin-left: 1.5em !important; }
.kb-diff-d3 { margin-left: 3em !important; }
.kb-diff-d4 { margin-left: 4.5em !important; }
.kb-diff-tr { font-family: monospace; border-bottom: 1px solid #eee; }
.kb-diff pre { white-space: pre-wrap; background: #f8f8f8; padding: .3rem .4rem; margin: 0 0 .3rem 0; }
.kb-diff blockquote { margin: 0 0 .3rem 0; padding: 0 .6rem; color: #555; border-left: 3px solid #ccc; }
.kb-diff-fields { border-collapse: collapse; margin: 0 0 .8rem 0; }
.kb-diff-fields th, .kb-diff-fields td { border: 1px solid #ddd; padding: .2rem .6rem; text-align: left;
  vertical-align: top; white-space: pre-wrap; }
.kb-diff-fields th { background: #f3f3f3; }
</style>
"""

__all__ = [
    "DELETE",
    "DIFF_CSS",
    "EQUAL",
    "FIELD_ADDED",
    "FIELD_CHANGED",
    "FIELD_REMOVED",
    "INSERT",
    "MODIFY",
    "ROW_SEPARATOR",
    "SIMILAR",
    "Block",
    "BlockChange",
    "Diff",
    "DiffOp",
    "DocumentDiff",
    "FieldChange",
    "Span",
    "block_changes",
    "body_html",
    "document_diff",
    "document_html",
    "field_changes",
    "field_value",
    "fields_html",
    "inline_html",
    "inline_spans",
    "line_diff",
    "line_spans",
    "sentence_diff",
    "sentence_spans",
    "spans_html",
    "split_blocks",
    "split_sentences",
    "to_html",
    "unified",
]
