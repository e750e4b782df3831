"""The published question bank: the quiz files read and checked against the taxonomy, the documents and the
statutes, as `check`, `quiz check`, self-tests and exams see it."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from kb.content.catalog import load_content_taxonomy, published_documents
from kb.content.quizzes import Question, QuestionBank, load_questions
from kb.errors import Problem
from kb.settings import Settings
from kb.statutes.library import StatuteLibrary
from kb.statutes.numbering import check_question_citations
from kb.workflow.checks import statute_library


def check_questions(
    settings: Settings,
    *,
    replace: dict[str, str] | None = None,
    known_ids: Collection[str] | None = None,
    today: date | None = None,
    library: StatuteLibrary | None = None,
) -> QuestionBank:
    """Every quiz file with every problem: format, taxonomy, sources that resolve, and the articles cited as in
    force on each question's 行为时间 (when a statute folder is configured). `replace` checks a draft's text
    in place of a file (path relative to the content folder -> text)."""
    taxonomy = load_content_taxonomy(settings)
    ids = published_documents(settings) if known_ids is None else known_ids
    bank = load_questions(settings.content_dir, taxonomy, ids, replace=replace)
    if library is None:  # cached: the 题库 page checks the bank at every rerun
        library = statute_library(settings)
    if library is None:
        return bank
    cited = check_question_citations(library, bank.questions, today=today)
    return QuestionBank(bank.banks, tuple(sorted((*bank.problems, *cited), key=_order)))


def _order(problem: Problem) -> tuple[str, int]:
    return (problem.path, problem.line)


def usable_questions(bank: QuestionBank) -> tuple[Question, ...]:
    """The questions a quiz or an exam may draw: those with no error of their own (a bad question elsewhere in
    the file does not take the good ones with it)."""
    # Every block's start, those of questions left out for their errors too: a problem below a bad question
    # belongs to it, not to the good question above it.
    starts = {b.path: list(b.blocks) or [q.line for q in b.questions] for b in bank.banks}
    bad: set[tuple[str, int]] = set()
    for problem in bank.errors:  # a problem belongs to the question whose block it falls in
        before = [line for line in starts.get(problem.path, []) if line <= problem.line]
        if before:
            bad.add((problem.path, max(before)))
    return tuple(q for q in bank.questions if (q.path, q.line) not in bad)
