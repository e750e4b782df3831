"""The impact of a law change on the bureau's documents: the citations a revision renumbers, changes or deletes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from kb.content.documents import TYPE_CASE, Document
from kb.statutes.citations import Citation, citation_context, extract_citations, parse_citation
from kb.statutes.concordance import (
    CHANGE_ADDED,
    CHANGE_DELETED,
    CHANGE_MODIFIED,
    CHANGE_RENUMBERED,
    CHANGE_SAME,
    ArticlePair,
    Concordance,
    ConcordanceError,
    DiffPiece,
    align_versions,
)
from kb.statutes.library import Article, LawVersion, StatuteLibrary

SEVERITY_ERROR = "error"  # a guide in force cites an article that is no longer the law
SEVERITY_WARNING = "warning"  # the same, while the new version is not yet in force
SEVERITY_INFO = "info"  # correct for its time (a case, a guide no longer in force) or already the new text
SEVERITIES = (SEVERITY_ERROR, SEVERITY_WARNING, SEVERITY_INFO)  # most serious first
SEVERITY_LABELS = {SEVERITY_ERROR: "须修改", SEVERITY_WARNING: "须关注", SEVERITY_INFO: "提示"}

# When an article has several partners (split or merged), the pair shown first and named in the summary.
_CHANGE_ORDER = (CHANGE_DELETED, CHANGE_MODIFIED, CHANGE_ADDED, CHANGE_RENUMBERED, CHANGE_SAME)


@dataclass(frozen=True)
class CitationImpact:
    """One cited article of a document that the law change touches, with every line citing it."""

    text: str  # the citation as first written
    lines: tuple[int, ...]  # the lines citing the article (front matter's laws line and the body)
    cited: Article  # the article the citation means on the document's date
    reads_old: bool  # True: read in the old version (the document predates the change or names that edition)
    pairs: tuple[ArticlePair, ...]  # the concordance pairs of the cited article
    change: str  # kb.statutes.concordance CHANGE_* (the most significant of the pairs)
    severity: str  # SEVERITY_*
    reason: str  # one Chinese sentence: what was cited, what it is now, what to do

    @property
    def line(self) -> int:
        return self.lines[0]

    @property
    def old_articles(self) -> tuple[Article, ...]:
        return tuple(dict.fromkeys(p.old for p in self.pairs if p.old is not None))

    @property
    def new_articles(self) -> tuple[Article, ...]:
        return tuple(dict.fromkeys(p.new for p in self.pairs if p.new is not None))

    def diffs(self) -> tuple[tuple[ArticlePair, tuple[DiffPiece, ...]], ...]:
        """The character diff of each pair whose text changed."""
        return tuple((p, p.diff()) for p in self.pairs if p.change == CHANGE_MODIFIED)

    def to_json(self) -> dict:
        def article(a: Article) -> dict:
            return {"id": a.id, "article": a.article, "label": a.label, "version": a.version}

        return {
            "citation": self.text,
            "lines": list(self.lines),
            "read_in": self.cited.version,
            "old": [article(a) for a in self.old_articles],
            "new": [article(a) for a in self.new_articles],
            "change": self.change,
            "severity": self.severity,
            "reason": self.reason,
            "diffs": [
                {
                    "old": pair.old.article if pair.old else None,
                    "new": pair.new.article if pair.new else None,
                    "pieces": [{"kind": d.kind, "text": d.text} for d in pieces],
                }
                for pair, pieces in self.diffs()
            ],
        }


@dataclass(frozen=True)
class DocumentImpact:
    """A document citing articles of a law that a change touched, and each such citation."""

    doc_id: str
    path: str
    title: str
    type: str
    status: str
    issued: date | None
    read_on: date  # the date its citations are read at (its issue date, as `check` reads them)
    findings: tuple[CitationImpact, ...]

    @property
    def severity(self) -> str:
        """The most serious finding's severity."""
        return min((f.severity for f in self.findings), key=SEVERITIES.index, default=SEVERITY_INFO)

    @property
    def needs_review(self) -> bool:
        """Whether a finding asks for a change (error) or attention (warning), not just information."""
        return self.severity != SEVERITY_INFO

    def to_json(self) -> dict:
        return {
            "id": self.doc_id,
            "path": self.path,
            "title": self.title,
            "type": self.type,
            "status": self.status,
            "issued": self.issued.isoformat() if self.issued else None,
            "read_on": self.read_on.isoformat(),
            "severity": self.severity,
            "findings": [f.to_json() for f in self.findings],
        }


@dataclass(frozen=True)
class CitationNote:
    """What a reader is told beside a citation of an article that a later version renumbered, changed or deleted."""

    text: str  # "（2012年版条号，现为第五十一条）"
    target: Article | None  # the article now in force (the first successor); None when deleted
    severity: str  # SEVERITY_ERROR (a guide in force: a warning style) or SEVERITY_INFO (neutral)
    change: str


def affected_documents(
    documents: Iterable[Document],
    library: StatuteLibrary,
    law: str,
    old: str | None = None,
    new: str | None = None,
    *,
    today: date | None = None,
    corrections: Path | None = None,
) -> tuple[DocumentImpact, ...]:
    """Every document citing an article of `law` that changed between versions `old` and `new` (default:
    the two newest), most serious first, then by path.

    A citation is read in the version in force on the document's issue date (or the edition it names),
    as `check` reads it; citations of articles unchanged in number and text are left out. `corrections`:
    the 对照 correction file (default data/law_concordance.yaml).
    Raises ConcordanceError (a KBError) for an unknown law, a law with one version, an unknown version or
    an old version newer than the new one.
    """
    today = today or date.today()
    concordance = align_versions(library, law, old, new, corrections)
    found = []
    for doc in documents:
        findings = _findings(doc, library, concordance, today)
        if findings:
            on = doc.issued or today
            found.append(DocumentImpact(doc.id, doc.path, doc.title, doc.type, doc.status, doc.issued, on, findings))
    return tuple(sorted(found, key=lambda d: (SEVERITIES.index(d.severity), d.path)))


def _citations(doc: Document, law: str) -> list[tuple[Citation, int]]:
    """The document's citations of one law with their lines: front matter first, then the body (as `check`)."""
    found = []
    for text in doc.laws:
        cite = parse_citation(text)
        if cite is not None and cite.law == law:
            found.append((cite, doc.field_lines.get("laws", 1)))
    context = citation_context(doc.body, laws=doc.laws, case_type=doc.case_type)
    for cite in extract_citations(doc.body, abbreviations=context):
        if cite.law == law:
            found.append((cite, doc.body_line + doc.body.count("\n", 0, cite.start)))
    return found


def _findings(
    doc: Document, library: StatuteLibrary, concordance: Concordance, today: date
) -> tuple[CitationImpact, ...]:
    on = doc.issued or today
    grouped: dict[str, list[tuple[Citation, int]]] = {}
    resolved: dict[str, Article] = {}
    for cite, line in _citations(doc, concordance.law):
        article = library.resolve(cite, on)
        if article is None or article.version not in (concordance.old.version, concordance.new.version):
            continue  # a missing article is `check`'s to report; another version is not this change
        grouped.setdefault(article.id, []).append((cite, line))
        resolved[article.id] = article
    findings = []
    for article_id, cites in grouped.items():
        article = resolved[article_id]
        reads_old = article.version == concordance.old.version
        pairs = concordance.successors(article.article) if reads_old else concordance.predecessors(article.article)
        change = _main_change(pairs)
        if change == CHANGE_SAME:
            continue
        explicit = all(c.version for c, _ in cites)
        severity = (
            _severity(doc.type, doc.in_force, doc.issued, explicit, concordance.new, today)
            if reads_old
            else SEVERITY_INFO
        )
        reason = _reason(doc, library, concordance, article, pairs, change, severity, reads_old, today)
        lines = tuple(sorted({line for _, line in cites}))
        findings.append(CitationImpact(cites[0][0].text, lines, article, reads_old, pairs, change, severity, reason))
    return tuple(sorted(findings, key=lambda f: (f.lines, f.cited.id)))


def _main_change(pairs: tuple[ArticlePair, ...]) -> str:
    return min((p.change for p in pairs), key=_CHANGE_ORDER.index, default=CHANGE_SAME)


def _severity(doc_type: str, in_force: bool, issued: date | None, explicit: bool, new: LawVersion, today: date) -> str:
    """How serious it is that a document cites an article in the old version.

    A case applied the law of its time and a guide no longer in force is history: information. A guide
    in force governs conduct after the new version took effect: an error (a warning before it does),
    unless it was written after that day and names the old edition on purpose (a comparison).
    """
    if doc_type == TYPE_CASE or not in_force:
        return SEVERITY_INFO
    started = new.effective
    if explicit and issued is not None and started is not None and issued >= started:
        return SEVERITY_INFO
    return SEVERITY_ERROR if started is None or started <= today else SEVERITY_WARNING


def edition(library: StatuteLibrary, version: LawVersion) -> str:
    """How a version is named in messages: "2012年版", or the full date when two versions share a year."""
    year = version.version[:4]
    same_year = [v for v in library.versions(version.law) if v.version[:4] == year]
    return f"{year}年版" if year.isdigit() and len(same_year) == 1 else f"{version.version} 版"


def _labels(articles: Iterable[Article]) -> str:
    return "、".join(a.label for a in articles)


def _reason(
    doc: Document,
    library: StatuteLibrary,
    concordance: Concordance,
    article: Article,
    pairs: tuple[ArticlePair, ...],
    change: str,
    severity: str,
    reads_old: bool,
    today: date,
) -> str:
    old_ed, new_ed = edition(library, concordance.old), edition(library, concordance.new)
    started = concordance.new.effective
    if not reads_old:
        if change == CHANGE_ADDED:
            return f"引用{new_ed}新增的{article.label}"
        olds = _labels(p.old for p in pairs if p.old is not None)
        return f"引用{new_ed}{article.label}，即{old_ed}{olds}（{change}）"
    news = tuple(p.new for p in pairs if p.new is not None)
    now = library.in_force(concordance.law, today)
    current = now is not None and now.version == concordance.new.version
    if severity == SEVERITY_ERROR:
        since = f"已于{started.isoformat()}施行" if started else "已施行"
        head = f"现行指引仍按{old_ed}引用{article.label}；{new_ed}{since}，"
        if change == CHANGE_DELETED:
            return head + "该条已删除，请删去或改引现行规定"
        if change == CHANGE_RENUMBERED:
            return head + f"该条现为{_labels(news)}（条文未变），应改引{_labels(news)}"
        if [a.article for a in news] == [article.article]:  # nothing to renumber: the text is what changed
            return head + f"该条仍为{article.label}，但内容已修改，请核对新条文后修订本文"
        return head + f"该条现为{_labels(news)}且内容已修改，请核对新条文后改引"
    if severity == SEVERITY_WARNING:
        when = started.isoformat() if started else "施行日"
        head = f"{new_ed}将于{when}施行，届时本文引用的{old_ed}{article.label}"
        if change == CHANGE_DELETED:
            return head + "将被删除；请在施行前修订本文"
        return head + f"将为{_labels(news)}（{change}）；请在施行前修订本文"
    if doc.type == TYPE_CASE:
        head = f"适用{old_ed}{article.label}"
    elif not doc.in_force:
        head = f"按{old_ed}引用{article.label}（本文{doc.status}）"
    else:
        head = f"明确引用{old_ed}{article.label}"
    if change == CHANGE_DELETED:
        return head + f"；该条在{new_ed}中已删除"
    where = f"现行为{new_ed}" if current else f"{new_ed}（{started.isoformat() if started else '施行日期不详'} 施行）为"
    return head + f"，{where}{_labels(news)}（{change}）"


# -- the note beside a citation on a document page ----------------------------------------------


def citation_note(
    library: StatuteLibrary,
    citation: Citation,
    on: date | None,
    *,
    doc_type: str,
    in_force: bool,
    today: date | None = None,
    corrections: Path | None = None,
) -> CitationNote | None:
    """The note shown beside a citation whose article, read on the document's date `on`, a version now in
    force renumbered, changed or deleted; None when it still reads the same (or cannot be resolved).

    A guide in force gets a warning ("（2012年版条号，现为第五十一条）"), a case the neutral wording
    ("（适用2012年版；现行为第五十一条）"). `corrections`: the 对照 correction file (default data/law_concordance.yaml).
    """
    today = today or date.today()
    article = library.resolve(citation, on or today)
    now = library.in_force(citation.law, today)
    if article is None or now is None:
        return None
    versions = [v.version for v in library.versions(article.law)]
    if versions.index(article.version) >= versions.index(now.version):
        return None  # the version in force, or a newer one not yet in force
    try:
        concordance = align_versions(library, article.law, article.version, now.version, corrections)
    except ConcordanceError:
        return None
    pairs = concordance.successors(article.article)
    change = _main_change(pairs)
    if change == CHANGE_SAME:
        return None
    # `now` is in force today, so a guide in force citing the old text is an error, never a warning.
    severity = _severity(doc_type, in_force, on, bool(citation.version), now, today)
    old_ed = edition(library, concordance.old)
    news = tuple(dict.fromkeys(p.new for p in pairs if p.new is not None))
    same_number = [a.article for a in news] == [article.article]
    if change == CHANGE_DELETED:
        kind, now_text = "条文", "现行版本已删除该条"
    elif same_number:
        kind, now_text = "条文", f"现行{news[0].label}已修改"
    else:
        kind, now_text = "条号", ("现为" if severity == SEVERITY_ERROR else "现行为") + _labels(news)
    if severity == SEVERITY_ERROR:
        text = f"（{old_ed}{kind}，{now_text}）"
    elif doc_type == TYPE_CASE:
        text = f"（适用{old_ed}；{now_text}）"
    else:
        text = f"（{old_ed}{kind}；{now_text}）"
    return CitationNote(text, news[0] if news else None, severity, change)


__all__ = [
    "SEVERITIES",
    "SEVERITY_ERROR",
    "SEVERITY_INFO",
    "SEVERITY_LABELS",
    "SEVERITY_WARNING",
    "CitationImpact",
    "CitationNote",
    "DocumentImpact",
    "affected_documents",
    "citation_note",
    "edition",
]
