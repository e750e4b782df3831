"""Reading LawRefBook Markdown files: a law's title, versions, chapters and articles, and the effective-date table."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Protocol

import yaml

from kb.errors import StatuteError
from kb.settings import REPO_ROOT
from kb.statutes.citations import article_label, canonical_law_name, cn_to_int

EFFECTIVE_FILE = REPO_ROOT / "data" / "laws_effective.yaml"
SKIP_FILES = frozenset({"SOURCES.md", "README.md"})
INFO_END = "<!-- INFO END -->"
LATEST = "现行"  # version of a consolidated text whose header gives no date

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


class LawShelf(Protocol):
    """What lists the laws and their versions (kb.statutes.library.StatuteLibrary): all the 新旧条文对照 and
    its correction file need, so that the library itself can build on them."""

    def laws(self) -> list[str]: ...

    def versions(self, law: str) -> list[LawVersion]: ...


@dataclass(frozen=True)
class StatuteProblem:
    """A problem in a statute file, shown as path:line: message."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass(frozen=True)
class ParsedFile:
    """One LawRefBook file as read, before its versions are ordered and dated."""

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


def number_label(article: str) -> str:
    """An article number written out: "133-1" -> "第一百三十三条之一"."""
    return article_label(f":{article}")


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


def parse_law_file(text: str, rel: str) -> tuple[ParsedFile | None, list[StatuteProblem]]:
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
    return ParsedFile(title, version, effective, rel, "\n".join(preamble), tuple(articles)), problems


class _BodyReader:
    """Reads a law's body line by line: headings into the chapter path, article lines into articles,
    any other line onto the article above it."""

    def __init__(self, pattern: re.Pattern[str], rel: str, problems: list[StatuteProblem]):
        self.pattern, self.rel, self.problems = pattern, rel, problems
        self.chapters: list[tuple[int, str]] = []
        self.preamble: list[str] = []
        self.articles: list[tuple[str, str, str, int]] = []
        self.seen: dict[str, int] = {}
        self.lines: list[str] | None = None  # the article being read, None outside an article
        self.head: tuple[str, str, int] | None = None  # its number, chapter and line; None for a skipped duplicate

    def finish(self) -> None:
        """Close the article being read."""
        if self.lines is not None and self.head is not None:
            self.articles.append((self.head[0], self.head[1], "\n".join(self.lines), self.head[2]))

    def heading(self, level: int, name: str) -> bool:
        """A heading line; False when it is a second title (法释〔2025〕13号) read into the preamble."""
        if level == 1 and self.lines is None and not self.articles:
            self.preamble.append(name)
            return False
        self.finish()
        self.lines, self.head = None, None
        self.chapters = [c for c in self.chapters if c[0] < level] + [(level, name)]
        return True

    def article(self, no: int, m: re.Match[str], line: str) -> None:
        """The first line of an article: its number, and its text after the number."""
        self.finish()
        key = _article_key(m[1], m[2] if self.pattern is _ARTICLE_LINE else None)
        rest = line[m.end() :].strip()
        self.lines = [rest] if rest else []
        self.head = (key, " / ".join(name for _, name in self.chapters), no)
        if key in self.seen:
            message = f"条号重复：{number_label(key)}已在第 {self.seen[key]} 行出现；这一条已跳过"
            self.problems.append(StatuteProblem(self.rel, no, message))
            self.head = None  # its lines are read into nothing
        else:
            self.seen[key] = no

    def other(self, no: int, line: str, wrapped: bool) -> None:
        """Any other line: the article's text, the preamble, an appendix, a wrapped heading or a problem."""
        if self.lines is not None:
            self.lines.append(line)
        elif not self.chapters and not self.articles:
            self.preamble.append(line)  # 司法解释 open with 为依法惩治…，现就…解释如下：
        elif any(name.startswith(_APPENDIX) for _, name in self.chapters):
            return  # 刑法's 附件一/附件二 list repealed decisions; they are not articles
        elif wrapped and len(line) <= 30 and not _SENTENCE_MARK.search(line):
            # 刑事诉讼法 wraps a long heading: "### 第四章 犯罪嫌疑人、被告人逃匿、死亡案件" + "违法所得的没收程序"
            self.chapters[-1] = (self.chapters[-1][0], self.chapters[-1][1] + line)
        else:
            shown = line if len(line) <= 30 else line[:30] + "…"
            message = f"这一行不属于任何条文，已跳过：“{shown}”；条文应以“第X条 ”开头"
            self.problems.append(StatuteProblem(self.rel, no, message))


def _read_body(
    body: list[tuple[int, str]], rel: str, problems: list[StatuteProblem]
) -> tuple[list[str], list[tuple[str, str, str, int]]]:
    """Split the body into preamble and articles; a line belongs to the article above it."""
    pattern = _ARTICLE_LINE if any(_ARTICLE_LINE.match(line) for _, line in body) else _ITEM_LINE
    reader = _BodyReader(pattern, rel, problems)
    previous = False  # whether the line before was a heading
    for no, line in body:
        if not line:
            continue
        wrapped, previous = previous, False
        if heading := _HEADING.fullmatch(line):
            previous = reader.heading(len(heading[1]), heading[2].strip())
        elif m := pattern.match(line):
            reader.article(no, m, line)
        else:
            reader.other(no, line, wrapped)
    reader.finish()
    return reader.preamble, reader.articles


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


def build_versions(law: str, parsed: list[ParsedFile], table: dict[tuple[str, str], date]) -> tuple[LawVersion, ...]:
    """The versions of one law from its files, oldest first, each effective until the next one is."""

    def effective(p: ParsedFile) -> date | None:
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
                label=number_label(number),
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
    for number, chapter in sorted(articles, key=lambda pair: article_sort_key(pair[0])):
        path = [part.strip() for part in chapter.split(" / ") if part.strip()] if chapter else []
        same = 0
        while same < min(len(path), len(shown)) and path[same] == shown[same]:
            same += 1
        out.extend(TocEntry(level, name) for level, name in enumerate(path[same:], same + 1))
        shown = path
        out.append(TocEntry(0, number_label(number), number))
    return out


def neighbours(numbers: Iterable[str], article: str) -> tuple[str | None, str | None]:
    """The article numbers before and after `article` in a law (None at either end or when absent)."""
    ordered = sorted(numbers, key=article_sort_key)
    if article not in ordered:
        return None, None
    at = ordered.index(article)
    return (ordered[at - 1] if at > 0 else None), (ordered[at + 1] if at + 1 < len(ordered) else None)


def article_sort_key(article: str) -> tuple[int, int]:
    """Order of article numbers: "133" < "133-1" < "134"."""
    number, _, sub = article.partition("-")
    return int(number), int(sub or 0)


__all__ = [
    "EFFECTIVE_FILE",
    "SKIP_FILES",
    "Article",
    "LawShelf",
    "LawVersion",
    "ParsedFile",
    "StatuteProblem",
    "TocEntry",
    "article_sort_key",
    "build_versions",
    "load_effective_table",
    "neighbours",
    "normalize_article",
    "number_label",
    "parse_law_file",
    "table_of_contents",
]
