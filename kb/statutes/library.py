"""The statute library: LawRefBook Markdown folders read into laws, versions and articles."""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml

from kb.content.documents import STATUS_CURRENT, STATUS_EXPIRED, TYPE_LAW, Document
from kb.errors import Problem, StatuteError
from kb.settings import REPO_ROOT, Settings
from kb.statutes.citations import (
    SHORT_NAMES,
    Citation,
    article_label,
    canonical_law_name,
    citation_context,
    cn_to_int,
    extract_citations,
    parse_citation,
)

EFFECTIVE_FILE = REPO_ROOT / "data" / "laws_effective.yaml"
SKIP_FILES = frozenset({"SOURCES.md", "README.md"})
INFO_END = "<!-- INFO END -->"
STATUS_IN_FORCE = STATUS_CURRENT
STATUS_PENDING = "尚未施行"
LATEST = "现行"  # version of a consolidated text whose header gives no date
MATCH_THRESHOLD = 0.5  # bigram similarity above which two articles count as the same provision

_CN = "零〇一二两三四五六七八九十百千"
# "第一百二十八 条侦查人员…": the space before 条 is a typo in the source (刑事诉讼法, 刑诉法解释);
# SOURCES.md's `arts` column does not count those lines, so 刑事诉讼法 has 308 articles here
# (307 there) and 最高人民法院关于适用刑事诉讼法的解释 655 (651 there), the true numbers.
_ARTICLE_LINE = re.compile(rf"第([{_CN}]+)(?:[ \u3000]+条[ \u3000]*|条(?:之([{_CN}]+))?(?:[ \u3000]+|$))")
# A 修正案 has no 第X条 lines; its provisions are 一、二、… and are cited as 第一条, 第二条.
# SOURCES.md counts 0 articles for 刑法修正案（十二）; it has 8 here.
_ITEM_LINE = re.compile(rf"([{_CN}]+)、")
_HEADING = re.compile(r"(#{1,6})[ \t]+(.*)")
_FILE_VERSION = re.compile(r"\((\d{4}-\d{2}-\d{2})\)$")
_CN_DATE = re.compile(r"([0-9０-９]{4})\s*年\s*([0-9０-９]{1,2})\s*月\s*([0-9０-９]{1,2})\s*日")
_APPENDIX = ("附件", "附录", "附表")
_SENTENCE_MARK = re.compile(r"[。；：，！？]")
_KEY = re.compile(r"(\d+)(?:-(\d+))?")
_LABEL = re.compile(rf"第?([{_CN}0-9]+)条?(?:之([{_CN}0-9]+))?")


@dataclass(frozen=True)
class Article:
    """One article of one version of a law."""

    id: str  # 治安管理处罚法@2025-06-27#58
    law: str
    title: str
    article: str  # "58", "133-1"
    label: str  # 第五十八条
    chapter: str  # 第三章 … / 第四节 …
    text: str  # the article without its label; paragraphs and items newline-separated
    version: str
    effective: date | None
    line: int
    path: str

    @property
    def key(self) -> str:
        """The citation key of this article, e.g. "刑法:133-1"."""
        return f"{self.law}:{self.article}"


@dataclass(frozen=True)
class LawVersion:
    """One version (one file) of a law, with its articles in order."""

    law: str
    title: str
    version: str
    effective: date | None
    expires: date | None
    path: str
    articles: tuple[Article, ...]
    preamble: str = ""


@dataclass(frozen=True)
class StatuteProblem:
    """A problem in a statute file, shown as path:line: message."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass(frozen=True)
class _Parsed:
    title: str
    version: str
    declared_effective: date | None
    path: str
    preamble: str
    articles: tuple[tuple[str, str, str, int], ...]  # article, chapter, text, line


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _article_key(number: str, sub: str | None = None) -> str:
    return f"{cn_to_int(number)}-{cn_to_int(sub)}" if sub else str(cn_to_int(number))


def _label(article: str) -> str:
    return article_label(f":{article}")


def _sort_key(article: str) -> tuple[int, int]:
    number, _, sub = article.partition("-")
    return int(number), int(sub or 0)


def normalize_article(article: str) -> str | None:
    """Turn "58", "133-1", "第五十八条" or "第一百三十三条之一" into an article key; None if it is none."""
    article = article.strip()
    if m := _KEY.fullmatch(article):
        return article
    if m := _LABEL.fullmatch(article):
        try:
            return _article_key(m[1], m[2])
        except ValueError:
            return None
    return None


def _parse(text: str, rel: str) -> tuple[_Parsed | None, list[StatuteProblem]]:
    """Read one LawRefBook file; problems are collected and the rest of the file still read."""
    problems: list[StatuteProblem] = []
    lines = text.replace("\r\n", "\n").split("\n")
    stem = Path(rel).stem
    m = _FILE_VERSION.search(stem)
    version = m[1] if m and _date(m[1]) else ""
    if m and not version:
        problems.append(StatuteProblem(rel, 1, f"文件名中的日期“{m[1]}”无效；应为 (YYYY-MM-DD)"))
    if lines[0].startswith("# ") and lines[0][2:].strip():
        title = lines[0][2:].strip()
    else:
        title = _FILE_VERSION.sub("", stem)
        problems.append(StatuteProblem(rel, 1, f"缺少标题：第一行应为“# 法规全称”；暂按文件名作“{title}”"))
    if INFO_END in lines:
        body_start = lines.index(INFO_END) + 1
        history = [line for line in lines[1 : body_start - 1] if line.strip()]
    else:
        body_start, history = (1 if lines[0].startswith("#") else 0), []
    dates = [_history_date(line) for line in history]
    if not version:
        latest = max((d for d in dates if d), default=None)
        version = latest.isoformat() if latest else LATEST
    declared = [d for d, line in zip(dates, history, strict=True) if d and "施行" in line]
    body = [(no, line.strip()) for no, line in enumerate(lines[body_start:], body_start + 1)]
    preamble, articles = _read_body(body, rel, problems)
    if not articles:
        problems.append(StatuteProblem(rel, 1, "没有找到任何条文；条文应单独成行，以“第X条 ”开头"))
        return None, problems
    # Only a date on or after the version's own counts: 公安机关办理行政案件程序规定 (2019) still
    # carries the 2013 施行 line of its first issue.
    effective = declared[-1] if declared and (not _date(version) or declared[-1] >= _date(version)) else None
    return _Parsed(title, version, effective, rel, "\n".join(preamble), tuple(articles)), problems


def _read_body(
    body: list[tuple[int, str]], rel: str, problems: list[StatuteProblem]
) -> tuple[list[str], list[tuple[str, str, str, int]]]:
    """Split the body into preamble and articles; a line belongs to the article above it."""
    pattern = _ARTICLE_LINE if any(_ARTICLE_LINE.match(line) for _, line in body) else _ITEM_LINE
    chapters: list[tuple[int, str]] = []
    preamble: list[str] = []
    articles: list[tuple[str, str, str, int]] = []
    seen: dict[str, int] = {}
    lines: list[str] | None = None  # the article being read, None outside an article
    head: tuple[str, str, int] | None = None  # its number, chapter and line; None for a skipped duplicate
    previous = False  # whether the line before was a heading

    def finish() -> None:
        if lines is not None and head is not None:
            articles.append((head[0], head[1], "\n".join(lines), head[2]))

    for no, line in body:
        if not line:
            continue
        wrapped, previous = previous, False
        if heading := _HEADING.fullmatch(line):
            level, name = len(heading[1]), heading[2].strip()
            if level == 1 and lines is None and not articles:
                preamble.append(name)  # a second H1 such as 法释〔2025〕13号
                continue
            finish()
            lines, head = None, None
            chapters = [c for c in chapters if c[0] < level] + [(level, name)]
            previous = True
        elif m := pattern.match(line):
            finish()
            key = _article_key(m[1], m[2] if pattern is _ARTICLE_LINE else None)
            rest = line[m.end() :].strip()
            lines = [rest] if rest else []
            head = (key, " / ".join(name for _, name in chapters), no)
            if key in seen:
                problems.append(
                    StatuteProblem(rel, no, f"条号重复：{_label(key)}已在第 {seen[key]} 行出现；这一条已跳过")
                )
                head = None  # its lines are read into nothing
            else:
                seen[key] = no
        elif lines is not None:
            lines.append(line)
        elif not chapters and not articles:
            preamble.append(line)  # 司法解释 open with 为依法惩治…，现就…解释如下：
        elif any(name.startswith(_APPENDIX) for _, name in chapters):
            continue  # 刑法's 附件一/附件二 list repealed decisions; they are not articles
        elif wrapped and len(line) <= 30 and not _SENTENCE_MARK.search(line):
            # 刑事诉讼法 wraps a long heading: "### 第四章 犯罪嫌疑人、被告人逃匿、死亡案件" + "违法所得的没收程序"
            chapters[-1] = (chapters[-1][0], chapters[-1][1] + line)
        else:
            shown = line if len(line) <= 30 else line[:30] + "…"
            problems.append(StatuteProblem(rel, no, f"这一行不属于任何条文，已跳过：“{shown}”；条文应以“第X条 ”开头"))
    finish()
    return preamble, articles


def _history_date(line: str) -> date | None:
    m = _CN_DATE.search(line)
    if not m:
        return None
    try:
        return date(*(cn_to_int(part) for part in m.groups()))
    except ValueError:
        return None


def load_effective_table(path: Path = EFFECTIVE_FILE) -> dict[tuple[str, str], date]:
    """Read data/laws_effective.yaml: (law, version) -> the date that version took effect."""
    if not path.is_file():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise StatuteError(f"{path}: 施行日期表不是有效的 YAML：{exc}") from None
    table: dict[tuple[str, str], date] = {}
    wrong: list[str] = []
    for law, versions in data.items() if isinstance(data, dict) else ():
        for version, effective in (versions or {}).items() if isinstance(versions, dict) else ():
            when = effective if isinstance(effective, date) else _date(str(effective))
            if when is None:
                wrong.append(f"{law} {version}: “{effective}”")
            else:
                table[canonical_law_name(str(law)), str(version)] = when
    if wrong or not isinstance(data, dict):
        found = "；".join(wrong) or "顶层不是“法规简称: {版本日期: 施行日期}”"
        raise StatuteError(f"{path}: 施行日期应写成 YYYY-MM-DD；有误的是：{found}")
    return table


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
        grouped: dict[str, list[_Parsed]] = {}
        for path in sorted(root.rglob("*.md")):
            if path.name in SKIP_FILES or not path.is_file():
                continue
            rel = path.relative_to(root).as_posix()
            try:
                text = path.read_text(encoding="utf-8-sig")
            except UnicodeDecodeError:
                problems.append(StatuteProblem(rel, 1, "文件不是 UTF-8 编码；请另存为 UTF-8 后重试"))
                continue
            parsed, found = _parse(text, rel)
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
        versions = {law: _build_versions(law, parsed, table) for law, parsed in grouped.items()}
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
        best = self.best_match(old, now)
        if best is not None and best.article == old.article:
            return prefix + "条文内容已修改"
        if best is not None:
            return prefix + f"相应内容现为{best.label}"
        return prefix + ("该条现为其他内容，未找到相应条文" if same else "现行版本中已无此条")

    def best_match(self, article: Article, version: LawVersion) -> Article | None:
        """The article of another version most similar in text, if similar enough."""
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
    key = _sort_key(wanted)
    before = [a for a in articles if _sort_key(a.article) < key]
    after = [a for a in articles if _sort_key(a.article) > key]
    return [*before[-1:], *after[:1]]


def _build_versions(law: str, parsed: list[_Parsed], table: dict[tuple[str, str], date]) -> tuple[LawVersion, ...]:
    def effective(p: _Parsed) -> date | None:
        return table.get((law, p.version)) or p.declared_effective or _date(p.version)

    ordered = sorted(parsed, key=lambda p: (effective(p) or date.min, p.version))
    out = []
    for i, p in enumerate(ordered):
        when = effective(p)
        expires = effective(ordered[i + 1]) if i + 1 < len(ordered) else None
        articles = tuple(
            Article(
                id=f"{law}@{p.version}#{number}",
                law=law,
                title=p.title,
                article=number,
                label=_label(number),
                chapter=chapter,
                text=text,
                version=p.version,
                effective=when,
                line=line,
                path=p.path,
            )
            for number, chapter, text, line in p.articles
        )
        out.append(LawVersion(law, p.title, p.version, when, expires, p.path, articles, p.preamble))
    return tuple(out)


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


# -- browsing a law: its table of contents and an article's neighbours ------------------------


@dataclass(frozen=True)
class TocEntry:
    """One line of a law's table of contents: a heading (编/章/节, level 1 outermost) or an article (level 0)."""

    level: int
    text: str
    article: str = ""  # the article number ("264", "133-1") of an article line


def table_of_contents(articles: Iterable[tuple[str, str]]) -> list[TocEntry]:
    """Headings and articles in reading order, from (article number, chapter path "第二编 分则 / 第五章 …")
    pairs; a heading is listed where it first applies."""
    out: list[TocEntry] = []
    shown: list[str] = []
    for number, chapter in sorted(articles, key=lambda pair: _sort_key(pair[0])):
        path = [part.strip() for part in chapter.split(" / ") if part.strip()] if chapter else []
        same = 0
        while same < min(len(path), len(shown)) and path[same] == shown[same]:
            same += 1
        out.extend(TocEntry(level, name) for level, name in enumerate(path[same:], same + 1))
        shown = path
        out.append(TocEntry(0, _label(number), number))
    return out


def neighbours(numbers: Iterable[str], article: str) -> tuple[str | None, str | None]:
    """The article numbers before and after `article` in a law (None at either end or when absent)."""
    ordered = sorted(numbers, key=_sort_key)
    if article not in ordered:
        return None, None
    at = ordered.index(article)
    return (ordered[at - 1] if at > 0 else None), (ordered[at + 1] if at + 1 < len(ordered) else None)


def article_sort_key(article: str) -> tuple[int, int]:
    """Order of article numbers: "133" < "133-1" < "134"."""
    return _sort_key(article)
