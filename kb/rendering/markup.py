"""Markdown to sanitised HTML, with statute citations linked or expanded and search terms marked."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from html.parser import HTMLParser
from urllib.parse import urlencode
from xml.etree.ElementTree import Element

import markdown
import nh3
from markdown.extensions import Extension
from markdown.extensions.toc import slugify_unicode
from markdown.treeprocessors import Treeprocessor

from kb.content.validation import is_external_url
from kb.rendering import limits
from kb.statutes.citations import Citation, article_label, extract_citations, find_abbreviations

# Everything Markdown with tables/toc produces, plus what this module adds itself.
ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em", "h1", "h2", "h3",
    "h4", "h5", "h6", "hr", "i", "ins", "kbd", "li", "mark", "ol", "p", "pre", "s", "small", "span",
    "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "*": {"class", "id", "title"},
    "a": {"href"},
    "span": {"tabindex", "role"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align"},
    "ol": {"start"},
}
# Relative links (other documents, searches) and the usual schemes; never javascript: or data:.
URL_SCHEMES = {"http", "https", "mailto"}
# Elements whose text is not prose: no citations, no highlighting inside them.
_SKIP_TEXT = {"a", "code", "pre", "kbd", "mark", "h1", "h2", "h3", "h4", "h5", "h6"}
_HEADING = re.compile(r'<h([1-6]) id="([^"]+)">(.*?)</h\1>', re.S)
_TAGS = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class ArticleText:
    """The text of one statute article, shown when a citation is expanded."""

    key: str
    label: str
    text: str
    href: str = ""
    note: str = ""


@dataclass(frozen=True)
class CitationNoteLink:
    """A short note shown right after a citation whose article a later version renumbered, changed or
    deleted (kb.statutes.impact.citation_note), linking to the article in force."""

    text: str  # "（2012年版条号，现为第五十一条）"
    href: str = ""  # the article in force; "" when it was deleted
    warning: bool = False  # a guide in force citing the old text (warning style), else neutral


@dataclass(frozen=True)
class Heading:
    """One entry of the table of contents."""

    level: int
    anchor: str
    title: str


@dataclass(frozen=True)
class RenderedDocument:
    """Sanitised HTML for one Markdown text, its headings and the citations found in it."""

    html: str
    toc: tuple[Heading, ...]
    citations: tuple[str, ...]  # article keys, in order of first appearance
    marks: int = 0  # how many search-term occurrences were highlighted


ArticleSource = Mapping[str, ArticleText] | Callable[[str], ArticleText | None]
NoteSource = Callable[[Citation], CitationNoteLink | None]


def sanitize(fragment: str) -> str:
    """Clean HTML with the allow-list: no scripts, event handlers, styles, images or javascript: URLs."""
    return nh3.clean(
        fragment,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def citation_href(key: str) -> str:
    """Where a citation without article text links to: the search page (the app root) for the article."""
    return "./?" + urlencode({"q": article_label(key)})


def render_markdown(
    text: str,
    *,
    citations: bool = True,
    articles: ArticleSource | None = None,
    highlight: Sequence[str] = (),
    abbreviations: Mapping[str, str] | None = None,
    notes: NoteSource | None = None,
) -> RenderedDocument:
    """Render Markdown (tables, toc) to sanitised HTML.

    With `citations`, statute citations in the prose become links to a search for the article,
    or, when `articles` knows the article, a focusable span that reveals the article text; `notes`
    gives a citation of an outdated article its note beside it, linking to the article in force.
    `highlight` terms are wrapped in <mark> (case-insensitive) outside links, code and headings.
    """
    md = markdown.Markdown(
        extensions=["tables", "toc", "sane_lists", "footnotes", _ImagesAsText()],  # footnotes: Word imports keep theirs
        extension_configs={"toc": {"slugify": slugify_unicode}, "footnotes": {"BACKLINK_TITLE": "返回正文第 %d 处"}},
        output_format="html",
    )
    raw = limits.render(md, text or "")  # bounded link scans; too deep nesting → plain text
    clean = sanitize(raw)
    lookup = _lookup(articles)
    # `abbreviations` (kb.statutes.citations.citation_context of the front matter) settle short names such as 程序规定.
    abbreviations = {**(abbreviations or {}), **find_abbreviations(text or "")} if citations else {}
    rewriter = _Rewriter(citations, lookup, abbreviations, [t for t in highlight if t and t.strip()], notes)
    rewriter.feed(clean)
    rewriter.close()
    # Sanitise again: what the rewriter added is built from escaped text, but the allow-list is the contract.
    final = sanitize("".join(rewriter.out))
    toc = tuple(
        Heading(int(level), anchor, html.unescape(_TAGS.sub("", inner)).strip())
        for level, anchor, inner in _HEADING.findall(final)
    )
    return RenderedDocument(final, toc, tuple(dict.fromkeys(rewriter.keys)), rewriter.marks)


class _ImageNotes(Treeprocessor):
    """Replaces each Markdown image by its alt text and a note. The app serves no image files, and
    an image on another machine would be fetched by every reader's browser (the intranet cannot
    reach it, and the request tells that machine who reads what); `check` warns about those."""

    def run(self, root):
        for parent in list(root.iter()):
            for i, child in enumerate(list(parent)):
                if child.tag != "img":
                    continue
                alt = (child.get("alt") or "").strip()
                note = "外部图片未显示" if is_external_url(child.get("src") or "") else "图片未显示"
                span = Element("span", {"class": "kb-image-note"})
                span.text = f"［{note}：{alt}］" if alt else f"［{note}］"
                span.tail = child.tail
                parent[i] = span


class _ImagesAsText(Extension):
    def extendMarkdown(self, md):
        md.treeprocessors.register(_ImageNotes(md), "kb_image_notes", 15)  # after inline parsing (20)


def _lookup(articles: ArticleSource | None) -> Callable[[str], ArticleText | None]:
    if articles is None:
        return lambda key: None
    if callable(articles):
        return articles
    return articles.get


class _Rewriter(HTMLParser):
    """Copies sanitised HTML, rewriting prose text nodes (citations, highlights)."""

    def __init__(
        self, citations: bool, lookup, abbreviations: Mapping[str, str], terms: list[str], notes: NoteSource | None
    ):
        super().__init__(convert_charrefs=True)
        self.notes = notes
        self.out: list[str] = []
        self.stack: list[str] = []
        self.citations = citations
        self.lookup = lookup
        self.abbreviations = abbreviations
        self.terms = sorted({t.strip() for t in terms}, key=len, reverse=True)
        self.term_re = re.compile("|".join(re.escape(t) for t in self.terms), re.I) if self.terms else None
        self.keys: list[str] = []
        self.marks = 0

    def handle_starttag(self, tag, attrs):
        self.out.append(self.get_starttag_text() or f"<{tag}>")
        if tag not in ("br", "hr"):
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.out.append(self.get_starttag_text() or f"<{tag}>")

    def handle_endtag(self, tag):
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass
        self.out.append(f"</{tag}>")

    def handle_data(self, data):
        if any(t in _SKIP_TEXT for t in self.stack):
            self.out.append(html.escape(data, quote=False))
            return
        cites = extract_citations(data, abbreviations=self.abbreviations) if self.citations else []
        pos = 0
        for cite in cites:
            self.out.append(self._marked(data[pos : cite.start]))
            self.out.append(self._citation(cite))
            pos = cite.end
        self.out.append(self._marked(data[pos:]))

    def _marked(self, text: str) -> str:
        if not self.term_re:
            return html.escape(text, quote=False)
        parts: list[str] = []
        pos = 0
        for m in self.term_re.finditer(text):
            parts.append(html.escape(text[pos : m.start()], quote=False))
            parts.append('<mark class="kb-term">' + html.escape(m.group(0), quote=False) + "</mark>")
            self.marks += 1
            pos = m.end()
        parts.append(html.escape(text[pos:], quote=False))
        return "".join(parts)

    def _citation(self, cite: Citation) -> str:
        return self._linked(cite) + self._note(cite)

    def _note(self, cite: Citation) -> str:
        """The note beside a citation of an outdated article: a small link to the article in force."""
        note = self.notes(cite) if self.notes else None
        if note is None:
            return ""
        kind = "kb-cite-note kb-cite-note-warning" if note.warning else "kb-cite-note"
        text = html.escape(note.text, quote=False)
        if not note.href:
            return f'<span class="{kind}">{text}</span>'
        return f'<a class="{kind}" href="{html.escape(note.href)}" title="查看现行条文">{text}</a>'

    def _linked(self, cite: Citation) -> str:
        self.keys.append(cite.key)
        shown = html.escape(cite.text, quote=False)
        article = self.lookup(cite.key)
        if article is None:
            href = html.escape(citation_href(cite.key))
            title = html.escape(f"检索{article_label(cite.key)}")
            return f'<a class="kb-cite" href="{href}" title="{title}">{shown}</a>'
        body = html.escape(article.text, quote=False).replace("\n", "<br>")
        note = f'<span class="kb-article-note">{html.escape(article.note, quote=False)}</span>' if article.note else ""
        link = ""
        if article.href:
            link = f' <a class="kb-article-link" href="{html.escape(article.href)}">查看法条</a>'
        return (
            f'<span class="kb-cite" tabindex="0" role="button" title="{html.escape(article.label)}">{shown}'
            f'<span class="kb-article"><strong>{html.escape(article.label, quote=False)}</strong>{note}'
            f"<br>{body}{link}</span></span>"
        )


def cited_articles_html(cited: Sequence[tuple[str, ArticleText | None]]) -> str:
    """The cited articles in full, one block each (what a printed page shows instead of collapsed widgets)."""
    blocks = []
    for label, article in cited:
        if article is None:
            body = '<p class="kb-print-missing">法条库未收录该条文。</p>'
            title = html.escape(label, quote=False)
            note = ""
        else:
            text = html.escape(article.text, quote=False).replace("\n", "<br>")
            body = f"<p>{text}</p>"
            title = html.escape(article.label, quote=False)
            note = html.escape(article.note, quote=False)
        blocks.append(f'<div class="kb-print-article"><strong>{title}</strong>{note}{body}</div>')
    return sanitize(f'<div class="kb-print-articles">{"".join(blocks)}</div>')


def print_footer_html(doc_id: str, version: str, printed: date) -> str:
    """The line a printed document ends with: its id, its version and the day it was printed."""
    parts = [f"编号：{doc_id}"] + ([f"版本：{version}"] if version else []) + [f"打印于 {printed.isoformat()}"]
    return sanitize(f'<div class="kb-print-footer">{html.escape(" · ".join(parts), quote=False)}</div>')


def print_page_css(doc_id: str, version: str, printed: date) -> str:
    """An @page rule that prints the footer line at the foot of every page (CSS page-margin boxes,
    which Chromium draws since version 131), and margins that leave room for it."""
    parts = [f"编号：{doc_id}"] + ([f"版本：{version}"] if version else []) + [f"打印于 {printed.isoformat()}"]
    text = " · ".join(parts)
    # A CSS string: backslash, quotes and line ends escaped, and no "<" that could close the style element.
    quoted = "".join(f"\\{ord(ch):x} " if ch in '\\"\n\r<>' else ch for ch in text)
    return (
        "@page { margin: 16mm 14mm 18mm 14mm;"
        f' @bottom-center {{ content: "{quoted}"; font-size: 8pt; color: #555; }}'
        ' @bottom-right { content: counter(page) " / " counter(pages); font-size: 8pt; color: #555; } }'
    )


def plain_excerpt(text: str, limit: int = 200) -> str:
    """The first `limit` characters of a text, with an ellipsis when cut."""
    text = (text or "").strip()
    return text if len(text) <= limit else text[:limit] + "……"


__all__ = [
    "ALLOWED_ATTRIBUTES",
    "ALLOWED_TAGS",
    "ArticleText",
    "CitationNoteLink",
    "Heading",
    "RenderedDocument",
    "citation_href",
    "cited_articles_html",
    "plain_excerpt",
    "print_footer_html",
    "print_page_css",
    "render_markdown",
    "sanitize",
]
