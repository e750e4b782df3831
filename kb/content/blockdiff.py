"""Differences between two Markdown bodies, block by block (a heading, list item, table row, paragraph …),
edited blocks by sentence, as data or escaped HTML."""

from __future__ import annotations

import difflib
import html
from collections.abc import Sequence
from dataclasses import dataclass

from markdown_it import MarkdownIt

from kb.content.textdiff import (
    DELETE,
    EQUAL,
    INSERT,
    MODIFY,
    Span,
    is_similar,
    line_spans,
    pair_up,
    sentence_spans,
    spans_html,
)

_STATE = {EQUAL: "eq", INSERT: "ins", DELETE: "del", MODIFY: "mod"}


@dataclass(frozen=True)
class Block:
    """One Markdown block: a heading, list item, table row, paragraph, quote, code block, rule or HTML."""

    kind: str  # "heading", "item", "row", "paragraph", "quote", "code", "rule", "html"
    text: str  # without its Markdown marker; a table row's cells joined by " │ "
    level: int = 0  # a heading's level; list nesting of an item or of a paragraph inside one
    marker: str = ""  # an ordered item's number ("3."), "" otherwise

    @property
    def key(self) -> tuple[str, str, int]:
        """What two blocks must share to be the same: renumbering an ordered list changes no item."""
        return (self.kind, self.text, self.level)


_PARSER = MarkdownIt("commonmark").enable("table")
ROW_SEPARATOR = " │ "


def split_blocks(body: str) -> tuple[Block, ...]:
    """The body's leaf blocks in order, read by a CommonMark parser (with tables)."""
    tokens = _PARSER.parse(body)
    blocks: list[Block] = []
    lists = quotes = 0
    item_start: str | None = None  # the marker of a list item whose first paragraph is next
    cells: list[str] | None = None
    for i, token in enumerate(tokens):
        kind = token.type
        if kind in ("bullet_list_open", "ordered_list_open"):
            lists += 1
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists -= 1
        elif kind == "blockquote_open":
            quotes += 1
        elif kind == "blockquote_close":
            quotes -= 1
        elif kind == "list_item_open":
            item_start = f"{token.info}{token.markup}" if token.info else ""
            continue  # its first paragraph is the item's text
        elif kind == "heading_open":
            blocks.append(Block("heading", tokens[i + 1].content, int(token.tag[1:])))
        elif kind == "paragraph_open":
            text = tokens[i + 1].content
            if item_start is not None:
                blocks.append(Block("item", text, lists, item_start))
            else:
                blocks.append(Block("quote" if quotes else "paragraph", text, lists))
            item_start = None
            continue
        elif kind == "tr_open":
            cells = []
        elif kind == "inline" and cells is not None:
            cells.append(token.content)
        elif kind == "tr_close":
            blocks.append(Block("row", ROW_SEPARATOR.join(cells or [])))
            cells = None
        elif kind in ("fence", "code_block"):
            blocks.append(Block("code", token.content.rstrip("\n")))
        elif kind == "hr":
            blocks.append(Block("rule", "——"))
        elif kind == "html_block":
            blocks.append(Block("html", token.content.rstrip("\n")))
        if kind.endswith("_open") or kind in ("fence", "code_block", "hr", "html_block"):
            item_start = None  # an item that starts with something else than a paragraph
    return tuple(blocks)


@dataclass(frozen=True)
class BlockChange:
    """A block of the body: unchanged, added, removed, or edited (`modify`, with its spans)."""

    tag: str
    old: Block | None
    new: Block | None
    spans: tuple[Span, ...] = ()


def _edited(a: Block, b: Block) -> BlockChange:
    return BlockChange(MODIFY, a, b, line_spans(a.text, b.text) if a.kind == "code" else sentence_spans(a.text, b.text))


def _same_block(a: Block, b: Block) -> bool:
    return a.kind == b.kind and is_similar(a.text, b.text)


def block_changes(old: Sequence[Block], new: Sequence[Block]) -> tuple[BlockChange, ...]:
    """Blocks matched by kind and text; in a changed run, similar blocks of one kind are paired as edits."""
    changes: list[BlockChange] = []
    matcher = difflib.SequenceMatcher(None, [b.key for b in old], [b.key for b in new], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            changes += [BlockChange(EQUAL, a, b) for a, b in zip(old[i1:i2], new[j1:j2], strict=True)]
            continue
        for a, b in pair_up(old[i1:i2], new[j1:j2], _same_block):
            if a is not None and b is not None:
                changes.append(_edited(a, b))
            else:
                changes.append(BlockChange(DELETE, a, None) if b is None else BlockChange(INSERT, None, b))
    return tuple(changes)


def _block_html(block: Block, state: str, inner: str) -> str:
    """One block with its Markdown structure: a heading stays a heading, an item keeps its bullet or number."""
    css = f"kb-diff-{state}"
    if block.kind == "heading":
        return f'<h{block.level} class="{css}">{inner}</h{block.level}>'
    depth = f" kb-diff-d{min(block.level, 4)}" if block.level else ""
    if block.kind == "item":
        mark = html.escape(block.marker or "•")
        return f'<div class="kb-diff-li{depth} {css}"><span class="kb-diff-mark">{mark}</span>{inner}</div>'
    if block.kind == "row":
        return f'<div class="kb-diff-tr {css}">{inner}</div>'
    if block.kind == "code":
        return f'<pre class="{css}">{inner}</pre>'
    if block.kind == "quote":
        return f'<blockquote class="{css}">{inner}</blockquote>'
    if block.kind == "rule":
        return f'<div class="kb-diff-hr {css}">{inner}</div>'
    return f'<p class="kb-diff-p{depth} {css}">{inner}</p>'


def _change_html(change: BlockChange) -> str:
    if change.tag == MODIFY:
        return _block_html(change.new, "mod", spans_html(change.spans))
    block = change.new if change.tag != DELETE else change.old
    text = html.escape(block.text)
    inner = text if change.tag == EQUAL else f"<ins>{text}</ins>" if change.tag == INSERT else f"<del>{text}</del>"
    return _block_html(block, _STATE[change.tag], inner)


def body_html(changes: Sequence[BlockChange], context: int = 1) -> str:
    """The body's blocks as escaped HTML; unchanged blocks far from a change are folded, headings kept."""
    near: set[int] = set()
    for i, change in enumerate(changes):
        if change.tag != EQUAL:
            near.update(range(i - context, i + context + 1))
    rows: list[str] = []
    folded = 0
    for i, change in enumerate(changes):
        keep = i in near or change.tag != EQUAL or change.new.kind == "heading"
        if not keep:
            folded += 1
            continue
        if folded:
            rows.append(f'<div class="kb-diff-fold">…… 未改动 {folded} 段 ……</div>')
            folded = 0
        rows.append(_change_html(change))
    if folded:
        rows.append(f'<div class="kb-diff-fold">…… 未改动 {folded} 段 ……</div>')
    return "".join(rows)
