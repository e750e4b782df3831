"""Differences between two texts: by line or sentence (DiffOp runs), and inside a sentence by word and
Chinese character (Span pieces), as data or escaped HTML."""

from __future__ import annotations

import difflib
import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# A sentence ends at 。！？； (or their ASCII forms before a space / line end), together with any closing
# quotes or brackets that follow; a line break always ends one.
_SENTENCE_END = re.compile(r"[。！？；!?;]+[”’」』）)\]】]*|\n+")

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


def ops(old: Sequence, new: Sequence) -> tuple[DiffOp, ...]:
    """difflib's runs between two sequences, as DiffOps."""
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    return tuple(DiffOp(tag, tuple(old[i1:i2]), tuple(new[j1:j2])) for tag, i1, i2, j1, j2 in matcher.get_opcodes())


def line_diff(old: str, new: str) -> Diff:
    """Diff two texts line by line."""
    return Diff("line", ops(old.splitlines(), new.splitlines()))


def sentence_diff(old: str, new: str) -> Diff:
    """Diff two texts sentence by sentence (readable for Chinese, where a line may hold a whole paragraph)."""
    return Diff("sentence", ops(split_sentences(old), split_sentences(new)))


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


def is_similar(a: str, b: str) -> bool:
    """Whether two pieces are alike enough (SIMILAR) to show as one edited piece."""
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    if matcher.real_quick_ratio() < SIMILAR or matcher.quick_ratio() < SIMILAR:
        return False
    return len(a) * len(b) > _MAX_PAIRS or matcher.ratio() >= SIMILAR  # too long to compare: the estimate


def pair_up(old: Sequence, new: Sequence, same) -> Iterable[tuple[object | None, object | None]]:
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
        for a, b in pair_up(old[i1:i2], new[j1:j2], is_similar):
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
