"""The printed handbook (执法宝典): documents chosen by kind, learning path, category or id, laid out as one PDF."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from kb.content.catalog import load_content_taxonomy
from kb.content.documents import TYPE_CASE, Document
from kb.content.learning import LEARNING_FILE, LearningPaths, load_learning_paths
from kb.content.taxonomy import Taxonomy
from kb.content.validation import load_content
from kb.errors import KBError
from kb.rendering import handbook_style
from kb.rendering.markup import citation_href, render_markdown
from kb.rendering.pdf import PDF, html_to_pdf
from kb.settings import Settings
from kb.statutes.citations import Citation, article_label, citation_context, extract_citations, parse_citation
from kb.statutes.lawrefbook import article_sort_key
from kb.statutes.library import StatuteLibrary

# With no selection: every guide in force of these kinds (data/taxonomy.yaml's kinds).
DEFAULT_KINDS = ("执法宝典", "工具箱")
DEFAULT_TITLE = "执法宝典"
FOOTER = "以系统现行版本为准，打印于 {printed}"


class SelectionError(KBError):
    """A selection names a kind, learning path, category or id that does not exist (a usage error)."""


class NothingToPrint(KBError):
    """A selection that exists holds no document."""


@dataclass(frozen=True)
class Selection:
    """Which documents a handbook holds. `ids` or `path` give the documents and their order; `kind` and
    `category` keep those of that kind or category (of all documents in force when neither is given).
    Nothing given: every 执法宝典 and 工具箱 guide in force."""

    kind: str = ""
    path: str = ""  # a learning path: a tier of data/learning_paths.yaml (办案民警 …)
    category: str = ""
    ids: tuple[str, ...] = ()
    title: str = ""  # the cover's title; by default named after the selection

    def cover_title(self) -> str:
        """The handbook's title on its cover and as the PDF's title."""
        if self.title:
            return self.title
        if self.path:
            return f"学习路径（{self.path}）"
        named = "".join(f"（{v}）" for v in (self.category,) if v)
        if self.kind:
            return self.kind + named
        if self.category:
            return f"{self.category}指引与案例"
        return "文档选编" if self.ids else DEFAULT_TITLE


@dataclass(frozen=True)
class CitedArticle:
    """One article in the appendix: its text in the edition the citing documents mean, and who cites it."""

    anchor: str
    key: str  # 刑法:264, as citations in the text name it
    label: str  # 刑法第二百六十四条
    edition: str  # "（2025-06-27 版）" when the library holds several versions of the law
    text: str  # "" when the library does not hold it
    cited_by: tuple[str, ...]


@dataclass(frozen=True)
class Handbook:
    """Everything one printed handbook shows, before it is laid out."""

    title: str
    bureau: str
    printed: datetime
    documents: tuple[Document, ...]
    articles: tuple[CitedArticle, ...]
    laws_loaded: bool  # False: no statute library configured, the appendix names the articles only


def choose_documents(
    documents: Iterable[Document], selection: Selection, taxonomy: Taxonomy, paths: LearningPaths | None = None
) -> list[Document]:
    """The documents a selection names, in print order; SelectionError for a name that does not exist."""
    by_id = {d.id: d for d in documents}
    if selection.ids and selection.path:
        raise SelectionError("学习路径与文档编号只能指定其一")
    if selection.kind and selection.kind not in taxonomy.kinds:
        raise SelectionError(f"未知种类“{selection.kind}”；可选：{'、'.join(taxonomy.kinds)}")
    if selection.category and selection.category not in taxonomy.categories:
        raise SelectionError(f"未知类别“{selection.category}”；可选：{'、'.join(taxonomy.categories)}")
    if selection.path:
        tiers = paths.tiers() if paths is not None else []
        if selection.path not in tiers:
            choices = f"；可选：{'、'.join(tiers)}" if tiers else "；data/learning_paths.yaml 中还没有学习路径"
            raise SelectionError(f"未知学习路径“{selection.path}”{choices}")
        ids = [step.id for step in paths.paths[selection.path]]
    else:
        ids = list(dict.fromkeys(selection.ids))
    unknown = [i for i in ids if i not in by_id]
    if unknown:
        raise SelectionError(f"找不到编号为“{'”“'.join(unknown)}”的文档；请检查编号，或先运行 python indexer.py check")
    if ids:
        chosen = [by_id[i] for i in dict.fromkeys(ids)]
    else:
        chosen = sorted((d for d in by_id.values() if d.in_force), key=lambda d: _order(d, taxonomy))
        if not (selection.kind or selection.category):
            chosen = [d for d in chosen if d.type != TYPE_CASE and d.kind in DEFAULT_KINDS]
    if selection.kind:
        chosen = [d for d in chosen if d.kind == selection.kind]
    if selection.category:
        chosen = [d for d in chosen if d.category == selection.category]
    return chosen


def _order(doc: Document, taxonomy: Taxonomy) -> tuple:
    kinds = list(taxonomy.kinds)
    kind = kinds.index(doc.kind) if doc.kind in kinds else len(kinds)
    return (doc.type == TYPE_CASE, kind, doc.id)


def _citations(doc: Document) -> list[Citation]:
    """The citations of the front matter's `laws` and of the body (as the index reads them)."""
    found = [c for c in (parse_citation(law) for law in doc.laws) if c is not None]
    context = citation_context(doc.body, laws=doc.laws, case_type=doc.case_type)
    return found + extract_citations(doc.body, abbreviations=context)


def cite_articles(documents: Sequence[Document], library: StatuteLibrary | None) -> tuple[CitedArticle, ...]:
    """Every article the documents cite, once per edition, ordered by law (first cited first) and number."""
    found: dict[str, dict] = {}  # article id (or the citation's key when unknown) -> the entry being built
    for doc in documents:
        for cite in _citations(doc):
            article = library.resolve(cite, doc.issued) if library is not None else None
            ident = article.id if article is not None else cite.key
            entry = found.setdefault(ident, {"cite": cite, "article": article, "by": []})
            if doc.id not in entry["by"]:
                entry["by"].append(doc.id)
    laws = list(dict.fromkeys(e["cite"].law for e in found.values()))

    def order(entry: dict) -> tuple:
        article, cite = entry["article"], entry["cite"]
        number = article_sort_key(cite.article) if re.fullmatch(r"\d+(-\d+)?", cite.article) else (0, 0)
        return laws.index(cite.law), article.version if article else "", number

    out = []
    for n, entry in enumerate(sorted(found.values(), key=order), 1):
        article, cite = entry["article"], entry["cite"]
        edition = ""
        if article is not None and len(library.versions(article.law)) > 1:
            edition = f"（{article.version} 版）"
        label = f"{article.law}{article.label}" if article is not None else article_label(cite.key)
        text = article.text if article is not None else ""
        out.append(CitedArticle(f"law-{n}", cite.key, label, edition, text, tuple(entry["by"])))
    return tuple(out)


def plan_handbook(settings: Settings, selection: Selection, printed: datetime | None = None) -> Handbook:
    """Read the content (and the statute library, when configured) and choose what the handbook holds.

    Raises SelectionError for a selection naming what does not exist, KBError when the content cannot be read.
    """
    taxonomy = load_content_taxonomy(settings)
    documents = load_content(settings.content_dir, taxonomy).documents
    paths = None
    if selection.path:
        paths = load_learning_paths(settings.data_dir / LEARNING_FILE, taxonomy.audiences)
    chosen = choose_documents(documents, selection, taxonomy, paths)
    library = StatuteLibrary.load(settings.laws_dir) if settings.laws_dir is not None else None
    return Handbook(
        title=selection.cover_title(),
        bureau=settings.bureau,
        printed=(printed or datetime.now()).replace(second=0, microsecond=0),
        documents=tuple(chosen),
        articles=cite_articles(chosen, library),
        laws_loaded=library is not None,
    )


def footer_text(printed: datetime) -> str:
    """The line at the foot of every page."""
    return FOOTER.format(printed=printed.strftime("%Y-%m-%d %H:%M"))


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _cn_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _cover(book: Handbook) -> str:
    return (
        '<section class="cover">'
        f'<div class="cover-bureau">{_e(book.bureau)}</div>'
        f'<h1 class="cover-title">{_e(book.title)}</h1>'
        f'<div class="cover-count">收录文档 {len(book.documents)} 篇</div>'
        f'<div class="cover-date">{_cn_date(book.printed.date())}</div>'
        "</section>"
    )


def _toc(book: Handbook) -> str:
    rows = [
        f'<li><a href="#doc-{_e(d.id)}"><span class="toc-id">{_e(d.id)}</span>{_e(d.title)}</a></li>'
        for d in book.documents
    ]
    if book.articles:
        rows.append('<li><a href="#appendix"><span class="toc-id">附录</span>引用法条</a></li>')
    return f'<nav class="toc"><h2 class="toc-title">目录</h2><ol>{"".join(rows)}</ol></nav>'


def _meta(doc: Document) -> str:
    parts = [
        f"编号：{doc.id}",
        f"版本：第 {doc.version} 版",
        f"印发日期：{doc.issued.isoformat() if doc.issued else '未注明'}",
    ]
    if doc.type == TYPE_CASE:
        parts += [f"类别：{doc.category}"] + ([f"承办单位：{doc.unit}"] if doc.unit else [])
    else:
        parts += ([f"种类：{doc.kind}"] if doc.kind else []) + [f"类别：{doc.category}"]
    if not doc.in_force:
        parts.append(f"状态：{doc.status}")
    return "".join(f"<span>{_e(p)}</span>" for p in parts)


# A citation renders as a link to a search (kb.rendering.markup.citation_href); printed, it points to
# the appendix entry instead, or is plain text when the appendix has none.
_CITE_LINK = re.compile(r'<a class="kb-cite" href="([^"]*)"[^>]*>(.*?)</a>', re.S)
_HEADING_ID = re.compile(r'(<h[1-6] id=")')


def _body(doc: Document, anchors: dict[str, str]) -> str:
    context = citation_context("", laws=doc.laws, case_type=doc.case_type)
    rendered = render_markdown(doc.body, abbreviations=context)

    def relink(m: re.Match[str]) -> str:
        anchor = anchors.get(html.unescape(m[1]))
        return f'<a class="kb-cite" href="#{anchor}">{m[2]}</a>' if anchor else f'<span class="kb-cite">{m[2]}</span>'

    # Every document's headings get ids from their text: prefixed, so that two documents' 基本案情 differ.
    return _HEADING_ID.sub(rf"\1{doc.id}-", _CITE_LINK.sub(relink, rendered.html))


def _document(doc: Document, articles: Sequence[CitedArticle]) -> str:
    anchors = {}
    for article in articles:
        if doc.id in article.cited_by:
            anchors.setdefault(citation_href(article.key), article.anchor)
    label = "办案要旨" if doc.type == TYPE_CASE else "要旨"
    gist = f'<div class="gist"><strong>{label}</strong>{_e(doc.summary)}</div>' if doc.summary else ""
    return (
        f'<article class="doc" id="doc-{_e(doc.id)}">'
        f'<h1 class="doc-title">{_e(doc.title)}</h1>'
        f'<div class="doc-meta">{_meta(doc)}</div>{gist}'
        f'<div class="doc-body">{_body(doc, anchors)}</div></article>'
    )


def _appendix(book: Handbook) -> str:
    if not book.articles:
        return ""
    missing = "法规库未收录该条文。" if book.laws_loaded else "未配置法规库，条文内容未收录。"
    blocks = []
    for a in book.articles:
        text = "".join(f"<p>{_e(line)}</p>" for line in a.text.split("\n") if line.strip())
        blocks.append(
            f'<div class="law" id="{a.anchor}"><h3>{_e(a.label)}<small>{_e(a.edition)}</small></h3>'
            f"{text or f'<p class=missing>{missing}</p>'}"
            f'<p class="cited-by">引用本条：{_e("、".join(a.cited_by))}</p></div>'
        )
    return f'<section class="appendix" id="appendix"><h1 class="appendix-title">附录　引用法条</h1>{"".join(blocks)}</section>'


def handbook_html(book: Handbook) -> str:
    """The handbook as one HTML document with its print stylesheet (cover, contents, documents, appendix)."""
    style = handbook_style.stylesheet(footer_text(book.printed))
    docs = "".join(_document(d, book.articles) for d in book.documents)
    return (
        f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{_e(book.title)}</title>'
        f"<style>{style}</style></head><body>{_cover(book)}{_toc(book)}{docs}{_appendix(book)}</body></html>"
    )


def print_handbook(settings: Settings, selection: Selection, printed: datetime | None = None) -> PDF:
    """The handbook of a selection as a PDF; NothingToPrint when it holds no document."""
    book = plan_handbook(settings, selection, printed)
    if not book.documents:
        raise NothingToPrint("没有符合条件的文档可供打印；请换一个种类、类别或学习路径")
    return html_to_pdf(handbook_html(book), title=book.title)


__all__ = [
    "DEFAULT_KINDS",
    "CitedArticle",
    "Handbook",
    "NothingToPrint",
    "Selection",
    "SelectionError",
    "choose_documents",
    "cite_articles",
    "footer_text",
    "handbook_html",
    "plan_handbook",
    "print_handbook",
]
