"""The 自测 page's support: the usable questions (cached), the quiz in a form, the feedback with links to the
sources, 我的成绩 and the 错题本."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from kb.content.quizzes import Question, quiz_files
from kb.errors import KBError
from kb.rendering.markup import plain_excerpt
from kb.settings import Settings
from kb.statutes.citations import parse_citation
from kb.workflow import database, exams, selftests
from kb.workflow.accounts import User
from kb.workflow.questionbank import check_questions, usable_questions
from kb.workflow.selftests import AnswerResult, Attempt, Notebook, SelfTestResult
from ui import cards, markup, services
from ui import questions as questions_ui

QUIZ = "selftest_quiz"  # the quiz on the page: {"scope", "source", "questions", "result", "error"}
ANSWER = "selftest_a_"  # prefix of the answer widgets' keys
LAW_PAGE = "app_pages/law.py"
SAVE_NOTE = "登录后保存成绩和错题本"
EXCERPT = 60  # characters of a question's stem in the 错题本 list


# -- the bank ----------------------------------------------------------------------------------------


@st.cache_data(max_entries=4, show_spinner=False)
def _usable(s: Settings, stamp: tuple) -> tuple[Question, ...]:
    return usable_questions(check_questions(s))


def usable() -> tuple[Question, ...]:
    """The questions a self-test may draw (no error of their own), cached until a quiz file or the index changes."""
    s = services.settings()
    files = []
    for path in quiz_files(s.content_dir):
        try:
            files.append((path.as_posix(), path.stat().st_mtime_ns, path.stat().st_size))
        except OSError:
            continue
    return _usable(s, (tuple(files), services.index_version(s)))


def drawable(s: Settings, questions: Sequence[Question]) -> tuple[tuple[Question, ...], int]:
    """The questions a self-test may draw now, and how many are held back: those of an exam being taken, whose
    answers and explanations a self-test would show, until the exam's answers are shown (kb.workflow.exams)."""
    held = exams.find_exam_questions_in_play(s)
    pool = tuple(q for q in questions if q.id not in held)
    return pool, len(questions) - len(pool)


# -- the quiz ----------------------------------------------------------------------------------------


def current(scope: str) -> dict | None:
    """The quiz drawn for this scope (a tier's path, a category, the 错题本), or None when there is none yet."""
    quiz = st.session_state.get(QUIZ)
    return quiz if quiz is not None and quiz["scope"] == scope else None


def start(scope: str, source: str, questions: Sequence[Question]) -> dict:
    """A new quiz of these questions; the answers of the last one are cleared."""
    for key in [k for k in st.session_state if str(k).startswith(ANSWER)]:
        del st.session_state[key]
    quiz = {
        "scope": scope,
        "source": source,
        "questions": tuple(questions),
        "started": database.now_text(),
        "result": None,
        "error": "",
    }
    st.session_state[QUIZ] = quiz
    return quiz


def again() -> None:
    """再测一组: the next run draws a new quiz."""
    st.session_state.pop(QUIZ, None)


def hand_in(s: Settings, user: User | None) -> None:
    """交卷 (the form's on_click): grade the answers, stored for an account, kept on the page."""
    quiz = st.session_state.get(QUIZ)
    if quiz is None:
        return
    questions = quiz["questions"]
    answers = [questions_ui.read_response(ANSWER, q) for q in questions]
    try:
        if user is None:
            quiz["result"] = selftests.grade_only(questions, answers, quiz["source"])
        else:
            quiz["result"] = selftests.record_self_test(
                s, user, quiz["source"], questions, answers, started_at=quiz["started"]
            )
        quiz["error"] = ""
    except KBError as exc:
        quiz["error"] = str(exc)


def form(s: Settings, user: User | None, quiz: dict) -> None:
    """The quiz: every question in one form, handed in with 交卷."""
    with st.form("selftest_form"):
        for n, question in enumerate(quiz["questions"], 1):
            with st.container(border=True, key=f"selftest_card_{question.id}"):
                questions_ui.ask(ANSWER, n, question)
        st.form_submit_button("交卷", type="primary", key="selftest_submit", on_click=hand_in, args=(s, user))


# -- the feedback ------------------------------------------------------------------------------------


def _sources(answer: AnswerResult) -> None:
    """A link to each source: a guide or case on the document page, an article on 法规."""
    for source in answer.question.sources:
        doc = services.document(source)
        if doc is None:
            st.markdown(f"{markup.md(source)}（未找到该文档，可能已删除或尚未发布）")
        else:
            cards.doc_link(f"{doc['title']}（{source}）", {"id": source}, markup.TYPE_ICONS.get(doc["type"]))
    for text in answer.question.citations:
        cited = parse_citation(text)
        if cited is None:
            st.markdown(markup.md(text))
        else:
            st.page_link(
                LAW_PAGE,
                label=markup.md(text),
                query_params={"law": cited.law, "a": cited.article},
                icon=":material/balance:",
            )


def _given(answer: AnswerResult) -> str:
    return exams.response_text(answer.question, answer.response) if any(answer.response) else "未作答"


def feedback(result: SelfTestResult, user: User | None) -> None:
    """The score, then each question: right or wrong, the answer given and the right one, why, and its sources."""
    kept = f"已保存到账号“{user.name}”" if user is not None and result.attempt_id else SAVE_NOTE
    st.info(f"本次得分：{result.score} / {result.total}（{markup.md(kept)}）", icon=":material/grading:")
    for n, answer in enumerate(result.answers, 1):
        question = answer.question
        with st.container(border=True, key=f"selftest_done_{question.id}"):
            mark = ":green[✓ 回答正确]" if answer.correct else ":red[✗ 回答错误]"
            st.markdown(f"**{n}．{mark}**　（{question.type}）{markup.md(question.stem)}")
            if question.options:
                st.caption("　".join(f"{letter}. {markup.md(text)}" for letter, text in question.options))
            st.markdown(f"你的答案：{markup.md(_given(answer))}　正确答案：**{markup.md(answer.answer_text)}**")
            st.markdown(f"解析：{markup.md(answer.explanation)}")
            if answer.sources:
                st.caption("出处")
                _sources(answer)
            if not answer.correct and result.attempt_id:
                st.caption("已加入错题本")


# -- 我的成绩 and the 错题本 -----------------------------------------------------------------------------


def when(text: str) -> str:
    """A stored time as shown: 2026-12-07 19:44."""
    return text[:16].replace("T", " ")


def render_history(attempts: Sequence[Attempt]) -> None:
    """我的成绩: each finished self-test, newest first."""
    st.subheader("我的成绩")
    if not attempts:
        st.caption("还没有自测记录。")
        return
    last = attempts[0]
    st.caption(
        f"共 {len(attempts)} 次自测；最近一次：{when(last.finished_at)}，{markup.md(last.source)}，"
        f"得分 {last.score} / {last.total}。"
    )
    rows = [[when(a.finished_at), a.source, f"{a.score} / {a.total}", f"{a.score / a.total:.0%}"] for a in attempts]
    st.dataframe(pd.DataFrame(rows, columns=("时间", "范围", "得分", "正确率")), hide_index=True, width="stretch")


def render_notebook(notebook: Notebook, practise) -> None:
    """错题本: how many, listed by category, and the button to practise them."""
    st.subheader("错题本")
    gone = f"另有 {notebook.deleted} 道错题已从题库删除或停用，未列出。" if notebook.deleted else ""
    if not notebook.mistakes:
        st.caption("错题本是空的：自测中答错的题会自动加入这里，练习时答对即移出。" + gone)
        return
    st.caption(f"共 {len(notebook.mistakes)} 道错题；练习时答对即移出错题本。" + gone)
    for category, found in notebook.by_category().items():
        with st.expander(f"{markup.md(category)}（{len(found)} 道）"):
            for mistake in found:
                stem = markup.md(plain_excerpt(mistake.question.stem, EXCERPT))
                st.markdown(f"- {stem}　错 {mistake.wrong} 次，最近 {when(mistake.last_wrong_at)}")
    st.button("练习错题", key="selftest_practise", icon=":material/replay:", on_click=practise)
