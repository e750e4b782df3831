"""Article numbering of questions: every article a question cites exists in the version in force when the
conduct took place, and a question written with an older edition's numbers (the 2012 治安管理处罚法) is caught."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from datetime import date

from kb.content.quizzes import Question
from kb.errors import Problem
from kb.statutes.citations import SHORT_NAMES, Citation, extract_citations, parse_citation
from kb.statutes.lawrefbook import Article, LawVersion
from kb.statutes.library import StatuteLibrary

# A question follows an older edition's numbering when the character bigrams it shares with that edition's
# article weigh at least MIN_SCORE and OLDER_RATIO times what it shares with the same number in force. A
# bigram weighs its IDF over the law's articles (all versions), so the penalty wording every article shares
# ("处五日以上十日以下拘留") counts for little. Chosen on the 2012 → 2025 治安管理处罚法 cases in
# tests/test_numbering.py and checked on the bundled bank (no false alarm).
MIN_SCORE = 6.0
OLDER_RATIO = 1.5


def _bigrams(text: str) -> set[str]:
    text = "".join(ch for ch in text if not ch.isspace())
    return {text[i : i + 2] for i in range(len(text) - 1)}


class _Weights:
    """IDF of character bigrams over each law's articles, every version together; computed once per law."""

    def __init__(self, library: StatuteLibrary):
        self.library = library
        self.by_law: dict[str, dict[str, float]] = {}

    def score(self, words: set[str], article: Article) -> float:
        if article.law not in self.by_law:
            texts = [_bigrams(a.text) for v in self.library.versions(article.law) for a in v.articles]
            counts = Counter(b for bigrams in texts for b in bigrams)
            self.by_law[article.law] = {b: math.log(len(texts) / n) for b, n in counts.items()}
        weights = self.by_law[article.law]
        return sum(weights.get(b, 0.0) for b in words & _bigrams(article.text))


def _label(version: LawVersion, article: Article) -> str:
    return f"{version.version[:4]} 版{article.label}"


def _effective(version: LawVersion) -> str:
    return f"{version.effective.isoformat()} 起施行" if version.effective else "施行日期未知"


def _older_numbering(
    library: StatuteLibrary, weights: _Weights, cite: Citation, question_text: str, on: date, written: str
) -> str | None:
    """Why a citation uses an older edition's numbering, and the article to cite instead (None when it does not)."""
    now = library.in_force(cite.law, on)
    if now is None:
        return None
    old = library.resolve(cite, on) if cite.version else None
    named = library.version_of(old) if old is not None else None
    if old is not None and named is not None and named.version != now.version:
        news = library.counterparts(old, now) or ()
        instead = f"{cite.law}{'或'.join(a.label for a in news)}" if news else "现行版本中的相应条文"
        return (
            f"“{written}”是{_label(named, old)}；行为时间（{on.isoformat()}）适用 {now.version[:4]} 版"
            f"（{_effective(now)}），请改为{instead}"
        )
    current = library.article(cite.law, cite.article, version=now.version)
    if current is None:
        return None
    words = _bigrams(question_text)
    for older in library.versions(cite.law):
        if older.version == now.version or (older.effective and now.effective and older.effective > now.effective):
            continue
        old = library.article(cite.law, cite.article, version=older.version)
        if old is None:
            continue
        old_score, new_score = weights.score(words, old), weights.score(words, current)
        if old_score < MIN_SCORE or old_score < OLDER_RATIO * new_score:
            continue
        news = library.counterparts(old, now) or ()
        if not news or any(a.article == cite.article for a in news):
            continue
        instead = f"{cite.law}{news[0].label}"
        if len(news) > 1:  # split in the new version: the question's content says which
            instead = f"{cite.law}{'或'.join(a.label for a in news)}（按题目内容选择）"
        return (
            f"“{written}”疑似使用了 {older.version[:4]} 版的条文序号：题目内容对应 {_label(older, old)}，"
            f"该条在现行 {now.version[:4]} 版（{_effective(now)}）中为{'、'.join(a.label for a in news)}；"
            f"行为时间（{on.isoformat()}）适用现行版本，请改为{instead}"
        )
    return None


def _text_of(question: Question) -> str:
    return "\n".join([question.stem, *(text for _, text in question.options), question.explanation])


def check_question_citations(
    library: StatuteLibrary, questions: Iterable[Question], today: date | None = None
) -> list[Problem]:
    """Every citation of a question (its 出处, and those in its stem, options and explanation) looked up in
    the version in force on its 行为时间 (default today): a missing article, a short name or an older
    edition's numbering is an error; a law the statute folder does not hold is a warning."""
    today = today or date.today()
    known = set(library.laws())
    weights = _Weights(library)
    problems: list[Problem] = []
    for question in questions:
        on = question.conduct_date or today
        text = _text_of(question)
        found: list[tuple[Citation | None, str, int, str]] = []
        for written in question.citations:
            found.append((parse_citation(written), written, question.field_lines.get("出处", question.line), "出处"))
        for label, part in (("题干", question.stem), ("解析", question.explanation)):
            for cite in extract_citations(part):
                line = question.field_lines.get(label, question.line) + part.count("\n", 0, cite.start)
                found.append((cite, cite.text, line, label))
        seen: set[tuple[str, int]] = set()
        for cite, written, line, label in found:
            if cite is None:
                message = f"无法识别的法条“{written}”；写成“刑法第二百六十四条”“治安管理处罚法第五十一条”的形式"
                problems.append(Problem(question.path, line, label, message))
                continue
            if (cite.key, line) in seen:
                continue
            seen.add((cite.key, line))
            if cite.law in SHORT_NAMES:
                meanings = "或".join(f"《{law}》" for law in dict.fromkeys(SHORT_NAMES[cite.law].values()))
                message = f"“{written}”中的“{cite.law}”可能指{meanings}；题目中请写全称"
                problems.append(Problem(question.path, line, label, message))
                continue
            if message := library.suggest(cite, on):
                severity = "error" if cite.law in known else "warning"
                problems.append(Problem(question.path, line, label, message, severity))
                continue
            if message := _older_numbering(library, weights, cite, text, on, written):
                problems.append(Problem(question.path, line, label, message))
    return problems


def cited_articles(library: StatuteLibrary, question: Question, today: date | None = None) -> list[Article]:
    """The articles a question's 出处 names, as in force on its 行为时间 (those that resolve)."""
    on = question.conduct_date or today or date.today()
    found = [library.resolve(cite, on) for cite in map(parse_citation, question.citations) if cite is not None]
    return [a for a in found if a is not None]
