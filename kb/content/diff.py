"""Differences between two versions of a document: front-matter fields as a table, the body by Markdown
block then by sentence, as data (frozen dataclasses) or escaped HTML; plus plain line and sentence diffs."""

from __future__ import annotations

import difflib
import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

import yaml
from markdown_it import MarkdownIt

from kb.content.documents import TYPE_GUIDE, split_front_matter
from kb.content.frontmatter import guess_type, load_front_matter
from kb.content.templates import field_label
from kb.errors import KBError

# A sentence ends at 。！？； (or their ASCII forms before a space / line end), together with any closing
# quotes or brackets that follow; a line break always ends one.
_SENTENCE_END = re.compile(r"[。！？；!?;]+[”’」』）)\]】]*|\n+")

FIELD_CHANGED, FIELD_ADDED, FIELD_REMOVED = "changed", "added", "removed"
EQUAL, INSERT, DELETE, MODIFY = "equal", "insert", "delete", "modify"

# Two blocks (or sentences) this similar are shown as one edited piece, less similar as removed plus added.
SIMILAR = 0.5
# Between two changes inside a sentence, an unchanged run this short is folded into the change, so
# "2024年2月26日 → 2026年12月7日" reads as one replacement instead of alternating fragments.
_SHORT_EQUAL = 2
# Inline tokens: a run of Latin letters and digits (with inner . - : /, so 2024-02-26 and 1.5 stay whole)
# is one token, any other character is its own (Chinese has no spaces to split words at).
_TOKEN = re.compile(r"[A-Za-z0-9]+(?:[.\-:/][A-Za-z0-9]+)*|\s+|.", re.S)
# difflib compares every token with every other: past this many pairs (two pieces of some 2,000 characters
# that differ throughout) only the common start and end are kept and the middle is one change, and
# similarity is estimated, so that a review of a long unpunctuated paragraph never hangs the page.
_MAX_PAIRS = 4_000_000
# How far ahead in a replaced run a removed piece looks for the piece it became.
_LOOKAHEAD = 20


# -- plain diffs by line and by sentence -------------------------------------------------------


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


def _ops(old: Sequence, new: Sequence) -> tuple[DiffOp, ...]:
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


# -- inside one sentence -----------------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    """A piece of text in an edited block: unchanged (`equal`), removed (`delete`) or added (`insert`)."""

    tag: str
    text: str


def _merged(spans: Iterable[Span]) -> tuple[Span, ...]:
    """Between unchanged runs, one deletion then one insertion (each projection keeps its order); no empties."""
    out: list[Span] = []
    deleted: list[str] = []
    inserted: list[str] = []

    def flush() -> None:
        out.extend(Span(tag, "".join(parts)) for tag, parts in ((DELETE, deleted), (INSERT, inserted)) if parts)
        deleted.clear()
        inserted.clear()

    for span in spans:
        if not span.text:
            continue
        if span.tag == DELETE:
            deleted.append(span.text)
        elif span.tag == INSERT:
            inserted.append(span.text)
        else:
            flush()
            if out and out[-1].tag == EQUAL:
                out[-1] = Span(EQUAL, out[-1].text + span.text)
            else:
                out.append(span)
    flush()
    return tuple(out)


def inline_spans(old: str, new: str) -> tuple[Span, ...]:
    """The change from `old` to `new` by word (a number or Latin word is never split) and Chinese character."""
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    codes = _token_codes(a, b)
    # Hand-rolled semantic clean-up (difflib has none): short unchanged runs between changes join the change.
    groups: list[list] = []  # [tag, old text, new text]
    for tag, i1, i2, j1, j2 in codes:
        old_text, new_text = "".join(a[i1:i2]), "".join(b[j1:j2])
        if tag == "equal":
            groups.append([EQUAL, old_text, new_text])
        elif groups and groups[-1][0] == "change":
            groups[-1][1] += old_text
            groups[-1][2] += new_text
        elif (
            len(groups) >= 2
            and groups[-1][0] == EQUAL
            and len(groups[-1][1]) <= _SHORT_EQUAL
            and groups[-2][0] == "change"
        ):
            short = groups.pop()
            groups[-1][1] += short[1] + old_text
            groups[-1][2] += short[2] + new_text
        else:
            groups.append(["change", old_text, new_text])
    spans: list[Span] = []
    for tag, old_text, new_text in groups:
        if tag == EQUAL:
            spans.append(Span(EQUAL, old_text))
        else:
            spans += [Span(DELETE, old_text), Span(INSERT, new_text)]
    return _merged(spans)


def _token_codes(a: list[str], b: list[str]) -> list[tuple[str, int, int, int, int]]:
    """difflib's opcodes, computed on what lies between the common start and end (bounded by _MAX_PAIRS)."""
    most = min(len(a), len(b))
    start = next((i for i in range(most) if a[i] != b[i]), most)
    end = next((i for i in range(most - start) if a[-1 - i] != b[-1 - i]), most - start)
    a_end, b_end = len(a) - end, len(b) - end
    codes = [("equal", 0, start, 0, start)] if start else []
    if (a_end - start) * (b_end - start) > _MAX_PAIRS:
        codes.append(("replace", start, a_end, start, b_end))
    elif a_end > start or b_end > start:
        matcher = difflib.SequenceMatcher(None, a[start:a_end], b[start:b_end], autojunk=False)
        codes += [(t, i1 + start, i2 + start, j1 + start, j2 + start) for t, i1, i2, j1, j2 in matcher.get_opcodes()]
    if end:
        codes.append(("equal", a_end, len(a), b_end, len(b)))
    return codes


def _similar(a: str, b: str) -> bool:
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    if matcher.real_quick_ratio() < SIMILAR or matcher.quick_ratio() < SIMILAR:
        return False
    return len(a) * len(b) > _MAX_PAIRS or matcher.ratio() >= SIMILAR  # too long to compare: the estimate


def _pairs(old: Sequence, new: Sequence, same) -> Iterable[tuple[object | None, object | None]]:
    """Walk a replaced run: (old, new) for pieces edited in place, (old, None) removed, (None, new) added."""
    j = 0
    for piece in old:
        k = next((k for k in range(j, min(len(new), j + _LOOKAHEAD)) if same(piece, new[k])), None)
        if k is None:
            yield piece, None
            continue
        for added in new[j:k]:
            yield None, added
        yield piece, new[k]
        j = k + 1
    for added in new[j:]:
        yield None, added


def _sentence_pieces(text: str) -> list[str]:
    """Split like split_sentences, but keep the spaces and line breaks: the pieces join back to `text`."""
    pieces: list[str] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        pieces.append(text[start : m.end()])
        start = m.end()
    pieces.append(text[start:])
    out: list[str] = []
    for piece in pieces:
        if out and not piece.strip():
            out[-1] += piece  # blank runs stay with the sentence before them
        elif piece:
            out.append(piece)
    return out


def _piece_spans(old: list[str], new: list[str]) -> tuple[Span, ...]:
    """Pieces matched whole (ignoring surrounding spaces); similar replaced pieces by word, others whole."""
    spans: list[Span] = []
    matcher = difflib.SequenceMatcher(None, [p.strip() for p in old], [p.strip() for p in new], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            spans += [Span(EQUAL, p) for p in new[j1:j2]]
            continue
        for a, b in _pairs(old[i1:i2], new[j1:j2], _similar):
            if a is not None and b is not None:
                spans += inline_spans(a, b)
            else:
                spans.append(Span(DELETE, a) if b is None else Span(INSERT, b))
    return _merged(spans)


def sentence_spans(old: str, new: str) -> tuple[Span, ...]:
    """An edited text by sentence: unchanged sentences whole, edited ones by word, the rest removed or added."""
    return _piece_spans(_sentence_pieces(old), _sentence_pieces(new))


def line_spans(old: str, new: str) -> tuple[Span, ...]:
    """An edited text by line (for code, which has no sentences)."""
    return _piece_spans(old.splitlines(keepends=True), new.splitlines(keepends=True))


def inline_html(old: str, new: str) -> str:
    """One piece of text with removed words in <del> and added ones in <ins>, HTML-escaped."""
    return spans_html(inline_spans(old, new))


def spans_html(spans: Iterable[Span]) -> str:
    """Spans as escaped HTML: removed text in <del>, added text in <ins>."""
    out = []
    for span in spans:
        text = html.escape(span.text)
        out.append(text if span.tag == EQUAL else f"<del>{text}</del>" if span.tag == DELETE else f"<ins>{text}</ins>")
    return "".join(out)


# -- front matter as fields --------------------------------------------------------------------


@dataclass(frozen=True)
class FieldChange:
    """One front-matter field that differs: `changed`, `added` or `removed`, with its values as shown."""

    key: str
    label: str
    change: str
    old: str
    new: str


def field_value(value: object) -> str:
    """A front-matter value as a reader sees it: dates as YYYY-MM-DD, lists joined with 、."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "、".join(field_value(v) for v in value)
    if isinstance(value, dict):
        return "；".join(f"{k}：{field_value(v)}" for k, v in value.items())
    return str(value)


def _fields(front_matter: str | None) -> dict | None:
    """The front matter as a mapping ({} when there is none); None when it cannot be read."""
    if front_matter is None:
        return {}
    try:
        meta = load_front_matter(front_matter)
    except (yaml.YAMLError, KBError):
        return None
    if meta is None:
        return {}
    return meta if isinstance(meta, dict) else None


def field_changes(old: dict, new: dict, doc_type: str = TYPE_GUIDE) -> tuple[FieldChange, ...]:
    """The fields whose shown value differs, in the new text's order, then the removed ones; labelled as the
    editor labels them."""
    changes: list[FieldChange] = []
    for key in [*new, *(k for k in old if k not in new)]:
        label = field_label(doc_type, str(key))
        if key not in old:
            changes.append(FieldChange(str(key), label, FIELD_ADDED, "", field_value(new[key])))
        elif key not in new:
            changes.append(FieldChange(str(key), label, FIELD_REMOVED, field_value(old[key]), ""))
        elif field_value(old[key]) != field_value(new[key]):
            changes.append(FieldChange(str(key), label, FIELD_CHANGED, field_value(old[key]), field_value(new[key])))
    return tuple(changes)


# -- the body as Markdown blocks ---------------------------------------------------------------


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
    return a.kind == b.kind and _similar(a.text, b.text)


def block_changes(old: Sequence[Block], new: Sequence[Block]) -> tuple[BlockChange, ...]:
    """Blocks matched by kind and text; in a changed run, similar blocks of one kind are paired as edits."""
    changes: list[BlockChange] = []
    matcher = difflib.SequenceMatcher(None, [b.key for b in old], [b.key for b in new], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            changes += [BlockChange(EQUAL, a, b) for a, b in zip(old[i1:i2], new[j1:j2], strict=True)]
            continue
        for a, b in _pairs(old[i1:i2], new[j1:j2], _same_block):
            if a is not None and b is not None:
                changes.append(_edited(a, b))
            else:
                changes.append(BlockChange(DELETE, a, None) if b is None else BlockChange(INSERT, None, b))
    return tuple(changes)


# -- the whole document ------------------------------------------------------------------------


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
    old_fields, new_fields = _fields(a.front_matter), _fields(b.front_matter)
    if old_fields is None or new_fields is None:
        lines = _ops((a.front_matter or "").split("\n"), (b.front_matter or "").split("\n"))
        return DocumentDiff((), body, lines)
    return DocumentDiff(field_changes(old_fields, new_fields, guess_type(new)), body)


# -- HTML --------------------------------------------------------------------------------------

_CHANGE_NOTES = {FIELD_ADDED: "（新增）", FIELD_REMOVED: "（删除）", FIELD_CHANGED: ""}
_STATE = {EQUAL: "eq", INSERT: "ins", DELETE: "del", MODIFY: "mod"}


def fields_html(changes: Sequence[FieldChange]) -> str:
    """The changed fields as an escaped table: 字段 / 原值 / 新值."""
    rows = []
    for c in changes:
        old = f"<del>{html.escape(c.old)}</del>" if c.old else "—"
        new = f"<ins>{html.escape(c.new)}</ins>" if c.new else "—"
        label = html.escape(c.label) + _CHANGE_NOTES[c.change]
        rows.append(f'<tr class="kb-diff-field-{c.change}"><td>{label}</td><td>{old}</td><td>{new}</td></tr>')
    return (
        '<table class="kb-diff-fields"><thead><tr><th>字段</th><th>原值</th><th>新值</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


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


def to_html(diff: Diff, context: int = 1) -> str:
    """Render a line or sentence diff as escaped HTML rows; unchanged runs longer than 2×context are folded."""
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
            # pairwise: show the word-level change inside each sentence or line
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
