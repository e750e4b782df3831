"""The colloquial-to-legal thesaurus (偷 → 盗窃) and the query words (虚词, 检索意图) search uses."""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from kb.errors import Problem
from kb.search.analysis import fold

if TYPE_CHECKING:
    from kb.content.documents import Document
    from kb.search.synonyms import Synonyms
    from kb.settings import Settings

COLLOQUIAL_FILE = "colloquial.txt"
QUERY_WORDS_FILE = "query_words.txt"
FILLERS, INTENTS = "虚词", "意图"
SECTIONS = (FILLERS, INTENTS)

_ARROW = re.compile(r"→|->")
_BRACKETS = re.compile(r"[【】]")
_SECTION = re.compile(r"^[\[【]\s*(.*?)\s*[\]】]$")
# Separators authors type inside a line by habit; words are separated by spaces only.
_PUNCTUATION = re.compile(r"[、，,；;。：:]")
_ARROW_HINT = "每行写“口语词 → 法律用语”，箭头也可写作 ->，多个词用空格分隔"
_INTENT_HINT = "每行写“触发词 → 导向词”，箭头也可写作 ->，多个词用空格分隔"


@dataclass(frozen=True)
class Thesaurus:
    """Colloquial words and the legal terms each leads to (one way: never from legal to colloquial)."""

    entries: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # The line of each colloquial word in the file, for messages about it and its targets.
    lines: tuple[tuple[str, int], ...] = field(default=(), compare=False, repr=False)

    @cached_property
    def _table(self) -> dict[str, tuple[str, ...]]:
        return dict(self.entries)

    def lookup(self, word: str) -> tuple[str, ...]:
        """The legal terms a colloquial word leads to (empty when it is not in the table)."""
        return self._table.get(fold(word), ())

    def words(self) -> list[str]:
        """Every colloquial word, in file order."""
        return [word for word, _ in self.entries]

    @cached_property
    def _single(self) -> frozenset[str]:
        return frozenset(word for word, _ in self.entries if len(word) == 1)

    def single_words(self) -> frozenset[str]:
        """The one-character colloquial words (偷、拘、罚、扣): jieba glues them to a neighbour."""
        return self._single

    def targets(self) -> list[str]:
        """Every legal term some colloquial word leads to, once each, in file order."""
        return list(dict.fromkeys(t for _, targets in self.entries for t in targets))

    @cached_property
    def _line(self) -> dict[str, int]:
        return dict(self.lines)

    def line_of(self, word: str) -> int:
        """The line a colloquial word is on (0 when it is not in the table)."""
        return self._line.get(fold(word), 0)


@dataclass(frozen=True)
class QueryWords:
    """Words taken out of a query: fillers (怎么, 能不能) and intents (拘几天) that steer ranking."""

    fillers: frozenset[str] = frozenset()
    intents: tuple[tuple[str, tuple[str, ...]], ...] = ()
    lines: tuple[tuple[str, int], ...] = field(default=(), compare=False, repr=False)

    @cached_property
    def _steer(self) -> dict[str, tuple[str, ...]]:
        return dict(self.intents)

    def intent_of(self, word: str) -> tuple[str, ...]:
        """The steer words of an intent word (empty when the word is not one)."""
        return self._steer.get(fold(word), ())

    def is_filler(self, word: str) -> bool:
        """Whether the word is removed from a query without a trace."""
        return fold(word) in self.fillers

    @cached_property
    def _longest(self) -> int:
        return max((len(w) for w in (*self.fillers, *self._steer)), default=0)

    def pieces(
        self, word: str, extra: Collection[str] = frozenset(), *, lone_tail: bool = False
    ) -> tuple[str, ...] | None:
        """The filler and intent words (and `extra` words) a word glues together, longest first
        from the left (jieba reads 最多能 or 能不能调 as one word); None when some part is none
        of them. `lone_tail`: after at least one listed word, a last single character may be
        anything (能先 → 能 先). Hand-rolled: a greedy match over a few hundred listed words is
        all it needs."""
        word = fold(word)
        out: list[str] = []
        pos = 0
        while pos < len(word):
            for end in range(min(len(word), pos + self._longest), pos, -1):
                part = word[pos:end]
                if part in self.fillers or part in self._steer or part in extra:
                    out.append(part)
                    pos = end
                    break
            else:
                if lone_tail and out and pos == len(word) - 1:
                    out.append(word[pos])
                    break
                return None
        return tuple(out) if len(out) > 1 else None

    def words(self) -> list[str]:
        """Every filler and intent word, in file order."""
        return [word for word, _ in self.lines]

    @cached_property
    def _line(self) -> dict[str, int]:
        return dict(self.lines)

    def line_of(self, word: str) -> int:
        """The line a filler or intent word is on (0 when it is not listed)."""
        return self._line.get(fold(word), 0)


def law_target(term: str) -> str:
    """The law a target names in book-title marks (《治安管理处罚法》 -> 治安管理处罚法), else ""."""
    return term[1:-1] if len(term) > 2 and term[0] == "《" and term[-1] == "》" else ""


def notion_target(term: str) -> str:
    """The notion a steer word names in 【】 (【不再追诉】 -> 不再追诉: the articles saying it answer the
    question by themselves, see kb.search.concepts), else ""."""
    inner = term[1:-1]
    return inner if len(term) > 2 and term[0] == "【" and term[-1] == "】" and not _BRACKETS.search(inner) else ""


def _split_arrow(line: str) -> list[str] | None:
    parts = _ARROW.split(line)
    return parts if len(parts) == 2 else None


def _bad_words(path: str, lineno: int, words: list[str]) -> list[Problem]:
    return [
        Problem(path, lineno, "", f"“{w}”中有标点“{m[0]}”；词语之间只用空格分隔")
        for w in words
        if (m := _PUNCTUATION.search(w))
    ]


def _lines(text: str) -> Iterable[tuple[int, str]]:
    """Numbered lines, folded, without comments and blank lines."""
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = fold(raw).split("#", 1)[0].strip()
        if line:
            yield lineno, line


def parse_thesaurus(text: str, path: str = "data/colloquial.txt") -> tuple[Thesaurus, list[Problem]]:
    """Parse `口语词 [口语词 …] → 法律用语 [法律用语 …]` lines; every problem is collected, bad lines left out."""
    entries: list[tuple[str, tuple[str, ...]]] = []
    lines: list[tuple[str, int]] = []
    seen: dict[str, int] = {}
    problems: list[Problem] = []
    for lineno, line in _lines(text):
        parts = _split_arrow(line)
        if parts is None:
            count = len(_ARROW.findall(line))
            found = "没有箭头" if count == 0 else f"有 {count} 个箭头"
            problems.append(Problem(path, lineno, "", f"“{line}”{found}；{_ARROW_HINT}"))
            continue
        words, targets = parts[0].split(), list(dict.fromkeys(parts[1].split()))
        if not words:
            problems.append(Problem(path, lineno, "", f"箭头前没有口语词；{_ARROW_HINT}"))
        if not targets:
            problems.append(
                Problem(path, lineno, "", f"箭头后没有法律用语；在箭头后写出“{parts[0].strip()}”对应的法律用语")
            )
        bad = _bad_words(path, lineno, [*words, *targets])
        problems.extend(bad)
        if not words or not targets or bad:
            continue
        for word in dict.fromkeys(words):
            if word in seen:
                problems.append(
                    Problem(path, lineno, "", f"“{word}”已出现在第 {seen[word]} 行；一个口语词只能写在一行")
                )
                continue
            seen[word] = lineno
            own = tuple(t for t in targets if t != word)
            if len(own) < len(targets):
                problems.append(Problem(path, lineno, "", f"“{word}”指向它自己；从箭头后删去“{word}”", "warning"))
            if own:
                entries.append((word, own))
                lines.append((word, lineno))
    # One way only: a colloquial word written as a target is never converted further.
    for (word, targets), (_, lineno) in zip(entries, lines, strict=True):
        for target in targets:
            if target in seen and target != word:
                problems.append(
                    Problem(
                        path,
                        lineno,
                        "",
                        f"“{target}”是第 {seen[target]} 行的口语词，不能写在箭头后；箭头后只写法律用语",
                        "warning",
                    )
                )
    return Thesaurus(tuple(entries), tuple(lines)), problems


def _query_word_line(
    section: str, line: str, path: str, lineno: int, problems: list[Problem]
) -> tuple[list[str], tuple[str, ...]] | None:
    """A line's words and (for an intent) its steer words; None, with the problem noted, when unreadable."""
    if section == FILLERS:
        if _ARROW.search(line):
            problems.append(
                Problem(path, lineno, "", f"[{FILLERS}] 中不能有箭头；带导向词的检索意图写到 [{INTENTS}] 分节下")
            )
            return None
        return line.split(), ()
    parts = _split_arrow(line)
    if parts is None:
        count = len(_ARROW.findall(line))
        if count == 0:
            message = f"“{line}”没有箭头；[{INTENTS}] 下{_INTENT_HINT}，不导向的词写到 [{FILLERS}] 下"
        else:
            message = f"“{line}”有 {count} 个箭头；{_INTENT_HINT}"
        problems.append(Problem(path, lineno, "", message))
        return None
    words, steer = parts[0].split(), tuple(dict.fromkeys(parts[1].split()))
    if not words:
        problems.append(Problem(path, lineno, "", f"箭头前没有触发词；{_INTENT_HINT}"))
    if not steer:
        problems.append(Problem(path, lineno, "", "箭头后没有导向词；在箭头后写出目标法条中的词语，如“拘留 日以下”"))
    for word in [*words, *steer]:
        if _BRACKETS.search(word) and (word in words or not notion_target(word)):
            problems.append(
                Problem(
                    path,
                    lineno,
                    "",
                    f"“{word}”中的【】用法不对；【】只用在箭头后，整个导向词写在一对【】中，如“【不再追诉】”",
                )
            )
    return words, steer


def parse_query_words(text: str, path: str = "data/query_words.txt") -> tuple[QueryWords, list[Problem]]:
    """Parse `[虚词]` and `[意图]` sections; every problem is collected, bad lines left out."""
    fillers: list[str] = []
    intents: list[tuple[str, tuple[str, ...]]] = []
    seen: dict[str, int] = {}
    problems: list[Problem] = []
    section = ""
    choices = "、".join(f"[{s}]" for s in SECTIONS)
    for lineno, line in _lines(text):
        if heading := _SECTION.match(line):
            section = heading[1]
            if section not in SECTIONS:
                problems.append(Problem(path, lineno, "", f"未知分节“{line}”；可选：{choices}"))
            continue
        if not section:
            problems.append(Problem(path, lineno, "", f"“{line}”写在了分节标题之前；先写一行 {choices}"))
            continue
        if section not in SECTIONS:
            continue  # reported once, at the heading
        before = len(problems)
        read = _query_word_line(section, line, path, lineno, problems)
        if read is None:
            continue
        words, steer = read
        problems.extend(_bad_words(path, lineno, [*words, *steer]))
        if len(problems) > before:
            continue
        for word in dict.fromkeys(words):
            if word in seen:
                problems.append(
                    Problem(
                        path, lineno, "", f"“{word}”已出现在第 {seen[word]} 行；一个词只能写在一处（虚词或一行意图）"
                    )
                )
                continue
            seen[word] = lineno
            if section == FILLERS:
                fillers.append(word)
            else:
                intents.append((word, steer))
    return QueryWords(frozenset(fillers), tuple(intents), tuple(seen.items())), problems


def _rel(path: Path) -> str:
    return "data/" + path.name if path.parent.name == "data" else path.name


def load_thesaurus(path: Path) -> tuple[Thesaurus, list[Problem]]:
    """Read data/colloquial.txt (see parse_thesaurus); a missing file means an empty thesaurus."""
    if not path.is_file():
        return Thesaurus(), []
    return parse_thesaurus(path.read_text(encoding="utf-8"), _rel(path))


def load_query_words(path: Path) -> tuple[QueryWords, list[Problem]]:
    """Read data/query_words.txt (see parse_query_words); a missing file means no query words."""
    if not path.is_file():
        return QueryWords(), []
    return parse_query_words(path.read_text(encoding="utf-8"), _rel(path))


# -- problems across files ---------------------------------------------------------------------


def conflicts(
    thesaurus: Thesaurus,
    query_words: QueryWords,
    path: str = "data/query_words.txt",
    thesaurus_path: str = "data/colloquial.txt",
) -> list[Problem]:
    """Query words the thesaurus also lists: a filler that is a legal term (removing it loses what
    was asked), or a filler or intent word that is a colloquial word (which of the two applies?)."""
    target_lines: dict[str, int] = {}
    for word, targets in thesaurus.entries:
        for target in targets:
            target_lines.setdefault(target, thesaurus.line_of(word))
    problems = []
    for word, lineno in query_words.lines:
        if query_words.is_filler(word) and word in target_lines:
            where = f"{thesaurus_path} 第 {target_lines[word]} 行"
            problems.append(
                Problem(
                    path, lineno, "", f"虚词“{word}”是 {where}的法律用语，删去它会丢失检索内容；从 [{FILLERS}] 中删去"
                )
            )
        elif line := thesaurus.line_of(word):
            kind = "虚词" if query_words.is_filler(word) else "意图词"
            problems.append(
                Problem(
                    path,
                    lineno,
                    "",
                    f"{kind}“{word}”也是 {thesaurus_path} 第 {line} 行的口语词；一个词只能写在一处，从其中一个文件删去",
                )
            )
    return problems


def synonym_overlaps(thesaurus: Thesaurus, synonyms: Synonyms, path: str = "data/colloquial.txt") -> list[Problem]:
    """Warn about pairs the synonym table already links both ways (刑拘 → 刑事拘留)."""
    group_of = {term: i for i, group in enumerate(synonyms.groups) for term in group}
    problems = []
    for word, targets in thesaurus.entries:
        for target in targets:
            if word in group_of and group_of.get(target) == group_of[word]:
                problems.append(
                    Problem(
                        path,
                        thesaurus.line_of(word),
                        "",
                        f"“{word}”和“{target}”已是同义词表 data/synonyms.txt 中的同组词，检索时已互相扩展；"
                        f"从这一行删去“{target}”",
                        "warning",
                    )
                )
    return problems


def unused_targets(
    thesaurus: Thesaurus,
    texts: Iterable[str],
    path: str = "data/colloquial.txt",
    *,
    statutes: bool = True,
    laws: Collection[str] = (),
) -> list[Problem]:
    """Warn about each legal term found (as a substring) in none of the texts, and each law
    target (《…》) that names none of `laws`: likely a misspelling.

    `statutes=False` says the texts hold no statute articles (no statute folder was given), so a
    term only the statutes use cannot be told from a misspelling: the message says so.
    """
    corpus = fold("\n".join(texts))
    first_line: dict[str, int] = {}
    for word, targets in thesaurus.entries:
        for target in targets:
            first_line.setdefault(target, thesaurus.line_of(word))
    if statutes:
        said = "在任何文档和法条中都没有出现；检查写法，或删去这一项"
    else:
        said = "在任何文档中都没有出现（未指定法规库，没有查法条）；检查写法，或用 --laws 指定法规库后再查"
    problems = []
    for target, line in first_line.items():
        law = law_target(target)
        if law and statutes and law not in laws:
            close = difflib.get_close_matches(law, list(laws), 3, 0.5)
            fix = f"相近的有：{'、'.join(close)}" if close else "《》中写法规库中的法规简称，如“刑法”"
            problems.append(Problem(path, line, "", f"法规“{target}”不在法规库中；{fix}", "warning"))
        elif not law and (notion_target(target) or target) not in corpus:
            problems.append(Problem(path, line, "", f"法律用语“{target}”{said}", "warning"))
    return problems


def check_search_words(
    settings: Settings, documents: Iterable[Document], synonyms: Synonyms | None = None
) -> list[Problem]:
    """Every problem of the thesaurus and the query words, and the legal terms no document
    (title, summary, body) or statute article (when a statute folder is set) contains."""
    thesaurus, problems = load_thesaurus(settings.data_dir / COLLOQUIAL_FILE)
    query_words, more = load_query_words(settings.data_dir / QUERY_WORDS_FILE)
    problems.extend(more)
    problems.extend(conflicts(thesaurus, query_words))
    if synonyms is not None:
        problems.extend(synonym_overlaps(thesaurus, synonyms))
    if thesaurus.entries:
        texts = [f"{d.title}\n{d.summary}\n{d.body}" for d in documents]
        laws: list[str] = []
        if settings.laws_dir is not None:
            from kb.statutes.library import StatuteLibrary

            library = StatuteLibrary.load(settings.laws_dir)
            texts.extend(article.text for article in library.articles())
            laws = library.laws()
        problems.extend(unused_targets(thesaurus, texts, statutes=settings.laws_dir is not None, laws=laws))
    return problems
