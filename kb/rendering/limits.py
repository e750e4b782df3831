"""Python-Markdown with bounded work per link, and a plain-text fallback for nesting too deep to render."""

from __future__ import annotations

import html
import re

import markdown
from markdown.inlinepatterns import LinkInlineProcessor

# Python-Markdown reads a link's [text] and (address "title") by scanning forward from every "["
# and "](" it meets. Unclosed ones are scanned to the end of the paragraph ("[a](" repeated:
# 17 s for 40 KB), and the bracket table it keeps for [text] is rebuilt over the whole paragraph
# after every link it finds (2,000 links in a paragraph: 30 s). Its processors have no setting
# for either, so render() bounds each scan: a link's text closes within MAX_LINK_CHARS characters
# and MAX_LINK_BRACKETS "]" (str.find and str.count read the characters between, so "[[[[…" costs
# one step per "["), its address and title within MAX_LINK_CHARS characters, or MAX_LINK_NESTED
# when they hold parentheses or quotes (getLink reads those one character at a time).
MAX_LINK_CHARS = 2000
MAX_LINK_BRACKETS = 16
MAX_LINK_NESTED = 256
TOO_DEEP_NOTICE = "正文的 Markdown 标记嵌套过深（例如成百上千层的“*”或“>”），无法排版；以下按原文显示，请修改原文。"

_NESTING = re.compile(r"[(\"']")
_SURROGATES = re.compile("[\ud800-\udfff]")


class _LinkText:
    """LinkInlineProcessor.getText within bounds: the text up to the "]" closing the "[" before
    `index`. The next "]" is remembered for the paragraph's text as it stands, so a run of "["
    with no "]" is searched once, not once for every "["."""

    def __init__(self):
        self.data: str | None = None
        self.start = 0
        self.next_close = -1  # the first "]" at or after `start` in `data`, -1 when there is none

    def _first_close(self, data: str, pos: int) -> int:
        if data is not self.data or pos < self.start or 0 <= self.next_close < pos:
            self.data, self.start, self.next_close = data, pos, data.find("]", pos)
        return self.next_close

    def __call__(self, data: str, index: int) -> tuple[str, int, bool]:
        depth, pos, end = 1, index, index + MAX_LINK_CHARS
        close = self._first_close(data, index)
        for _ in range(MAX_LINK_BRACKETS):
            if not 0 <= close < end:
                break
            depth += data.count("[", pos, close) - 1
            if depth == 0:
                return data[index:close], close + 1, True
            if depth > MAX_LINK_BRACKETS:
                break
            pos = close + 1
            close = data.find("]", pos, end)
        return "", len(data), False  # getText returns data[index:], a copy every caller drops


def _bounded_get_link(get_link):
    def get_link_within_bounds(data: str, index: int) -> tuple[str, str | None, int, bool]:
        close = data.find(")", index, index + MAX_LINK_CHARS)
        if close < 0:
            return "", None, index, False  # cannot close: what getLink finds after its whole scan
        # a window of the text, not data[:end]: copying everything before the link is quadratic too
        size = MAX_LINK_NESTED if _NESTING.search(data, index + 1, close) else close + 1 - index
        href, title, end, handled = get_link(data[index : index + size], 0)
        return href, title, index + end, handled

    return get_link_within_bounds


def bound_links(md: markdown.Markdown) -> markdown.Markdown:
    """Bound the scans of every link and image processor registered on `md` (its own and extensions')."""
    for processor in md.inlinePatterns:
        if isinstance(processor, LinkInlineProcessor):
            processor.getText = _LinkText()
            processor.getLink = _bounded_get_link(processor.getLink)
    return md


def render(md: markdown.Markdown, text: str) -> str:
    """`md.convert(text)` with bounded link scans and lone surrogates replaced. Markup nested deeper
    than Python's recursion limit (3,000 "*" in a row) cannot be rendered: then the text, escaped,
    under a notice."""
    bound_links(md)
    text = _SURROGATES.sub("\ufffd", text)  # no UTF-8 for lone surrogates: the sanitiser would fail
    try:
        return md.convert(text)
    except RecursionError:
        return f'<p class="kb-notice">{TOO_DEEP_NOTICE}</p><pre class="kb-plain">{html.escape(text)}</pre>'
