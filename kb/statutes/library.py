"""The statute library: every law and version under the statute folder, looked up by law, article and date.

Files are read by kb.statutes.lawrefbook; this module answers what a citation means on a date, what
changed since, and makes the index's records and the content checks of citations.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from kb.content.documents import STATUS_CURRENT, STATUS_EXPIRED, TYPE_LAW, Document
from kb.content.vocabulary import STATUS_PENDING
from kb.errors import Problem
from kb.settings import Settings
from kb.statutes.citations import (
    SHORT_NAMES,
    Citation,
    article_label,
    canonical_law_name,
    citation_context,
    extract_citations,
    parse_citation,
)
from kb.statutes.concordance import ConcordanceError, align_versions
from kb.statutes.lawrefbook import (
    EFFECTIVE_FILE,
    SKIP_FILES,
    Article,
    LawVersion,
    ParsedFile,
    StatuteProblem,
    TocEntry,
    article_sort_key,
    build_versions,
    load_effective_table,
    neighbours,
    normalize_article,
    parse_law_file,
    table_of_contents,
)

STATUS_IN_FORCE = STATUS_CURRENT
MATCH_THRESHOLD = 0.5  # bigram similarity above which two articles count as the same provision


def _bigrams(text: str) -> set[str]:
    text = re.sub(r"\s+", "", text)
    return {text[i : i + 2] for i in range(len(text) - 1)}


def _similarity(a: set[str], b: set[str]) -> float:
    return 2 * len(a & b) / (len(a) + len(b)) if a or b else 0.0


class StatuteLibrary:
    """All statute versions found under one folder, with lookups by law, article and date."""

    def __init__(self, versions: dict[str, tuple[LawVersion, ...]], problems: tuple[StatuteProblem, ...]):
        self._versions = versions
        self.problems = problems
        self._by_article = {
            (v.law, v.version): {a.article: a for a in v.articles} for vs in versions.values() for v in vs
        }
        self._version_of = {a.id: v for vs in versions.values() for v in vs for a in v.articles}

    @classmethod
    def load(cls, root: Path, effective_file: Path = EFFECTIVE_FILE) -> StatuteLibrary:
        """Read every *.md under root (except SOURCES.md / README.md), collecting problems."""
        root = Path(root)
        table = load_effective_table(effective_file)
        problems: list[StatuteProblem] = []
        grouped: dict[str, list[ParsedFile]] = {}
        for path in sorted(root.rglob("*.md")):
            if path.name in SKIP_FILES or not path.is_file():
                continue
            rel = path.relative_to(root).as_posix()
            try:
                text = path.read_text(encoding="utf-8-sig")
            except UnicodeDecodeError:
                problems.append(StatuteProblem(rel, 1, "文件不是 UTF-8 编码；请另存为 UTF-8 后重试"))
                continue
            parsed, found = parse_law_file(text, rel)
            problems.extend(found)
            if parsed is None:
                continue
            law = canonical_law_name(parsed.title)
            same = [p for p in grouped.get(law, []) if p.version == parsed.version]
            if same:
                problems.append(
                    StatuteProblem(rel, 1, f"{law} {parsed.version} 版已由 {same[0].path} 提供；本文件已跳过")
                )
                continue
            grouped.setdefault(law, []).append(parsed)
        versions = {law: build_versions(law, parsed, table) for law, parsed in grouped.items()}
        return cls(versions, tuple(problems))

    def laws(self) -> list[str]:
        """Canonical names of every law in the library, sorted."""
        return sorted(self._versions)

    def versions(self, law: str) -> list[LawVersion]:
        """Every version of a law, oldest first."""
        return list(self._versions.get(canonical_law_name(law), ()))

    def in_force(self, law: str, on: date | None = None) -> LawVersion | None:
        """The version in force on a date (default today); None before the first one took effect."""
        on = on or date.today()
        found = None
        for version in self._versions.get(canonical_law_name(law), ()):
            if version.effective is None or version.effective <= on:
                found = version
        return found

    def _at(self, law: str, on: date | None) -> LawVersion | None:
        """The version in force, or the oldest one held when the date predates them all."""
        versions = self._versions.get(canonical_law_name(law), ())
        return self.in_force(law, on) or (versions[0] if versions else None)

    def article(self, law: str, article: str, version: str | None = None, on: date | None = None) -> Article | None:
        """One article, from a named version or from the version in force on a date."""
        law = canonical_law_name(law)
        key = normalize_article(article)
        if version is None:
            found = self._at(law, on)
            version = found.version if found else ""
        return self._by_article.get((law, version), {}).get(key or "")

    def resolve(self, citation: Citation, on: date | None = None) -> Article | None:
        """The article a citation means: in the edition it names, else as in force on a date (its document's issue date)."""
        version = self._version_for(citation, on)
        return self._articles_of(version).get(citation.article) if version else None

    def _version_for(self, citation: Citation, on: date | None) -> LawVersion | None:
        """The edition a citation names (2025 / 2025-06-27, by version or effective date) or the one in force."""
        if citation.version:
            for version in self._versions.get(citation.law, ()):
                dates = (version.version, version.effective.isoformat() if version.effective else "")
                if any(d.startswith(citation.version) for d in dates):
                    return version
        return self._at(citation.law, on)

    def suggest(self, citation: Citation, on: date | None = None) -> str:
        """Why a citation does not resolve, and what it may have meant; "" when it resolves."""
        if self.resolve(citation, on) is not None:
            return ""
        cited = f"引用“{article_label(citation.key)}”不存在"
        version = self._version_for(citation, on)
        if version is None:
            containing = [law for law in self.laws() if citation.law in law]
            close = list(dict.fromkeys([*containing, *difflib.get_close_matches(citation.law, self.laws(), 3, 0.5)]))
            return f"{cited}；法规库中没有“{citation.law}”" + (f"，相近的有：{'、'.join(close)}" if close else "")
        main = [a for a in version.articles if "-" not in a.article]
        edition = f"（{version.version} 版）" if len(self._versions[version.law]) > 1 else ""
        message = (
            f"{cited}；{version.law}{edition}共 {len(main)} 条（{main[0].label}至{main[-1].label}），"
            f"最接近的有：{'、'.join(a.label for a in _neighbours(version.articles, citation.article))}"
        )
        elsewhere = [
            v for v in self._versions[version.law] if v is not version and citation.article in self._articles_of(v)
        ]
        for other in elsewhere:
            message += f"；{other.version} 版（{_effective_text(other)}）中有此条"
        return message

    def changed_since(self, citation: Citation, on: date, *, today: date | None = None) -> str | None:
        """A warning when the article cited on a date reads differently in the version in force today."""
        old = self.resolve(citation, on)
        now = self.in_force(citation.law, today)
        if old is None or now is None or now.version == old.version:
            return None
        same = self._articles_of(now).get(old.article)
        if same is not None and _bigrams(same.text) == _bigrams(old.text):
            return None
        prefix = (
            f"{article_label(citation.key)}（{old.version} 版）在现行版本"
            f"（{now.version} 版，{_effective_text(now)}）中已变动："
        )
        news = self.counterparts(old, now)
        if news is None:  # not two versions of one law (never so here): the closest text
            best = self.best_match(old, now)
            news = (best,) if best is not None else ()
        if [a.article for a in news] == [old.article]:
            return prefix + "条文内容已修改"
        if news:
            return prefix + f"相应内容现为{'、'.join(a.label for a in news)}"
        return prefix + "该条已删除" + (f"，现行{same.label}为其他内容" if same else "")

    def counterparts(self, article: Article, version: LawVersion) -> tuple[Article, ...] | None:
        """The articles of another version of the same law that the 新旧条文对照 pairs with `article` (its
        successors in a later version, predecessors in an earlier one; () for one deleted or added), with
        the correction file of the repository's data folder; None when `version` is not another version
        of the article's law."""
        order = [v.version for v in self.versions(article.law)]
        if version.law != article.law or article.version not in order or version.version not in order:
            return None
        if article.version == version.version:
            return None
        try:
            if order.index(article.version) < order.index(version.version):
                table = align_versions(self, article.law, article.version, version.version)
                return tuple(p.new for p in table.successors(article.article) if p.new is not None)
            table = align_versions(self, article.law, version.version, article.version)
            return tuple(p.old for p in table.predecessors(article.article) if p.old is not None)
        except ConcordanceError:
            return None

    def best_match(self, article: Article, version: LawVersion) -> Article | None:
        """The article of another version that corresponds to this one: for two versions of one law the
        first the 新旧条文对照 pairs it with (None when deleted or added; the text alone misleads, e.g. the
        penalty wording that 2012 第六十一条 shares with 2025 第七十九条); else the most similar text, if
        similar enough."""
        found = self.counterparts(article, version)
        if found is not None:
            return found[0] if found else None
        wanted = _bigrams(article.text)
        scored = [(_similarity(wanted, _bigrams(a.text)), a) for a in version.articles]
        score, best = max(scored, key=lambda pair: pair[0], default=(0.0, None))
        return best if score >= MATCH_THRESHOLD else None

    def status(self, article: Article, on: date | None = None) -> str:
        """现行, 已失效 or 尚未施行 for the version the article belongs to, on a date (default today)."""
        on = on or date.today()
        version = self._version_of[article.id]
        if version.effective is not None and on < version.effective:
            return STATUS_PENDING
        if version.expires is not None and on >= version.expires:
            return STATUS_EXPIRED
        return STATUS_IN_FORCE

    def is_current(self, article: Article, on: date | None = None) -> bool:
        """Whether the article's version is in force on a date (default today)."""
        return self.status(article, on) == STATUS_IN_FORCE

    def version_of(self, article: Article) -> LawVersion:
        """The law version an article belongs to."""
        return self._version_of[article.id]

    def articles(self) -> Iterator[Article]:
        """Every article of every version, law by law, oldest version first."""
        for law in self.laws():
            for version in self._versions[law]:
                yield from version.articles

    def _articles_of(self, version: LawVersion) -> dict[str, Article]:
        return self._by_article[version.law, version.version]


def _effective_text(version: LawVersion) -> str:
    return f"{version.effective.isoformat()} 施行" if version.effective else "施行日期不详"


def _neighbours(articles: tuple[Article, ...], wanted: str) -> list[Article]:
    """The existing articles either side of a missing one (only the last one past the end)."""
    key = article_sort_key(wanted)
    before = [a for a in articles if article_sort_key(a.article) < key]
    after = [a for a in articles if article_sort_key(a.article) > key]
    return [*before[-1:], *after[:1]]


# -- the index and the content checks ---------------------------------------------------------


def law_records(library: StatuteLibrary, *, today: date | None = None) -> list[dict]:
    """One index record per article; superseded versions point at the current article (current_id)."""
    records = []
    for article in library.articles():
        status = library.status(article, today)
        version = library.version_of(article)
        current = library.in_force(article.law, today)
        current_id = ""
        if current is not None and current is not version:
            match = library.best_match(article, current)
            current_id = match.id if match else ""
        cited = extract_citations(article.text, default_law=article.law)
        edition = "" if status == STATUS_CURRENT else f"（{article.version} 版，{status}）"
        records.append(
            {
                "id": article.id,
                "type": TYPE_LAW,
                "status": status,
                "title": f"{article.law}{article.label}{edition}",
                "body": article.text,
                "path": article.path,
                "article_key": article.key,
                "law": article.law,
                "law_version": article.version,
                "chapter": article.chapter,
                "effective": article.effective.isoformat() if article.effective else "",
                "issued": article.effective.isoformat() if article.effective else "",
                "laws": ",".join(dict.fromkeys(c.key for c in cited if c.key != article.key)),
                "current_id": current_id,
            }
        )
    return records


def load_law_records(
    root: Path, *, today: date | None = None
) -> tuple[list[dict], dict[str, str], list[Problem], list[tuple[str, int]]]:
    """Index records, a fingerprint per file, problems (as warnings) and article counts per law."""
    root = Path(root)
    library = StatuteLibrary.load(root)
    records = law_records(library, today=today)
    hashes: dict[str, str] = {}
    for law in library.laws():
        for version in library.versions(law):
            # Status and dates are part of the fingerprint: on the day a new version takes effect
            # (or laws_effective.yaml changes) an incremental build rewrites the records.
            digest = hashlib.sha1((root / version.path).read_bytes()).hexdigest()
            state = library.status(version.articles[0], today)
            hashes[version.path] = f"{digest}:{state}:{version.effective}:{version.expires}"
    problems = [Problem((root / p.path).as_posix(), p.line, "", p.message, "warning") for p in library.problems]
    counts = [(law, sum(len(v.articles) for v in library.versions(law))) for law in library.laws()]
    return records, hashes, problems, counts


def check_citations(
    settings: Settings,
    documents: Iterable[Document],
    *,
    today: date | None = None,
    library: StatuteLibrary | None = None,
) -> list[Problem]:
    """Check every citation against the statute library (`library`, else the settings' folder) at the
    document's issue date.

    A front-matter citation of a missing article of a law the library holds is an error; a body
    citation, a law the library lacks, or an article changed since (in documents still 现行) warns.
    """
    if library is None:
        if settings.laws_dir is None:
            return []
        library = StatuteLibrary.load(settings.laws_dir)
    known = set(library.laws())
    problems: list[Problem] = []
    for doc in documents:
        on = doc.issued or today or date.today()
        found: dict[tuple[str, int], tuple[Citation, str]] = {}
        front = [cite for text in doc.laws if (cite := parse_citation(text)) is not None]
        for cite in front:
            found.setdefault((cite.key, doc.field_lines.get("laws", 1)), (cite, "laws"))
        context = citation_context(doc.body, laws=doc.laws, case_type=doc.case_type)
        for cite in extract_citations(doc.body, abbreviations=context):
            found.setdefault((cite.key, doc.body_line + doc.body.count("\n", 0, cite.start)), (cite, ""))
        for (_, line), (cite, field) in found.items():
            if cite.law in SHORT_NAMES:
                continue  # check_short_names reports it, with or without a statute library
            if message := library.suggest(cite, on):
                severity = "error" if field and cite.law in known else "warning"
                problems.append(Problem(doc.path, line, field, message, severity))
            elif doc.in_force and (message := library.changed_since(cite, on, today=today)):
                problems.append(Problem(doc.path, line, field, message, "warning"))
    return problems


def check_short_names(doc: Document) -> list[Problem]:
    """A warning for each citation by a short name (程序规定) that neither the document's text,
    its laws nor its case type settles."""
    context = citation_context(doc.body, laws=doc.laws, case_type=doc.case_type)
    problems = []
    for cite in extract_citations(doc.body, abbreviations=context):
        if cite.law not in SHORT_NAMES:
            continue
        meanings = "或".join(f"《{law}》" for law in dict.fromkeys(SHORT_NAMES[cite.law].values()))
        message = (
            f"“{cite.text}”中的“{cite.law}”可能指{meanings}，无法从上下文确定；请写全称，或在 laws 中列出所指的规定"
        )
        problems.append(Problem(doc.path, doc.body_line + doc.body.count("\n", 0, cite.start), "", message, "warning"))
    return problems


@dataclass(frozen=True)
class LinkedCitation:
    """A citation span in a text and the article it resolves to (None when it resolves to nothing)."""

    citation: Citation
    article: Article | None
    status: str = ""  # 现行 / 已失效 / 尚未施行 for the resolved article's version
    current_id: str = ""  # the article in force today holding the same provision, when it moved

    @property
    def article_id(self) -> str | None:
        return self.article.id if self.article else None


def link_citations(
    library: StatuteLibrary,
    text: str,
    on: date | None = None,
    *,
    today: date | None = None,
    laws: Iterable[str] = (),
    case_type: str | None = None,
) -> list[LinkedCitation]:
    """Every citation in a text with the article it means on `on` (the citing document's issue date);
    `laws` and `case_type` (the document's) settle short names such as 程序规定."""
    out: list[LinkedCitation] = []
    for cite in extract_citations(text, abbreviations=citation_context(text, laws=laws, case_type=case_type)):
        article = library.resolve(cite, on)
        if article is None:
            out.append(LinkedCitation(cite, None))
            continue
        status = library.status(article, today)
        current_id = ""
        now = library.in_force(article.law, today)
        if now is not None and library.version_of(article) is not now:
            match = library.best_match(article, now)
            current_id = match.id if match else ""
        out.append(LinkedCitation(cite, article, status, current_id))
    return out


__all__ = [
    "STATUS_IN_FORCE",
    "STATUS_PENDING",
    "Article",
    "LawVersion",
    "LinkedCitation",
    "StatuteLibrary",
    "StatuteProblem",
    "TocEntry",
    "article_sort_key",
    "check_citations",
    "check_short_names",
    "law_records",
    "link_citations",
    "load_effective_table",
    "load_law_records",
    "neighbours",
    "normalize_article",
    "table_of_contents",
]
