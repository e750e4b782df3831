"""The 比武 page's support: an officer's exams (start once, the paper in a form with the time left, the score, rank
and answers once the exam is over); the legal section's form to create one and its results with downloads."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

import pandas as pd
import streamlit as st

from kb.content.catalog import load_content_taxonomy
from kb.rendering.workbook import results_csv, results_xlsx
from kb.roles import AUDIT
from kb.settings import Settings
from kb.workflow import accounts, exams, rankings
from kb.workflow.accounts import User
from kb.workflow.exams import Exam, Sitting
from ui import markup, messages, questions

ORGANIZE = AUDIT  # 审核 and 管理员: the legal section (as 学习路径's report)
FLASH = "exams_flash"
ANSWER = "exams_a_"  # prefix of the answer widgets' keys
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def now() -> datetime:
    return datetime.now().astimezone().replace(microsecond=0)


def flash() -> None:
    """The message a button left before the page was drawn again."""
    message = st.session_state.pop(FLASH, "")
    if message:
        st.success(markup.md(message), icon=":material/check_circle:")


def _done(message: str) -> None:
    st.session_state[FLASH] = message
    st.rerun()


def _window(exam: Exam) -> str:
    return (
        f"{len(exam.questions)} 道题 · 限时 {exam.time_limit_minutes} 分钟 · "
        f"{exams.shown(exam.opens_at)} 至 {exams.shown(exam.closes_at)} · 面向{exam.tier or exams.ALL_TIERS}"
    )


# -- taking an exam ----------------------------------------------------------------------------


def render_taking(s: Settings, user: User) -> None:
    """The exams open to the user and the ones they took: start, answer, and (once over) score, rank, answers."""
    moment = now()
    taken = {sitting.exam_id: sitting for sitting in exams.list_sittings(s, user, moment)}
    shown = {e.id: e for e in exams.exams_open_to(s, user, moment)}
    for exam_id in taken:
        shown.setdefault(exam_id, exams.get_exam(s, exam_id))
    if not shown:
        hint = "" if user.tier else "你的账号未设置层级，面向某一层级的比武不会显示；请联系管理员设置。"
        st.info("目前没有向你开放的比武。" + hint, icon=":material/emoji_events:")
        return
    for exam in sorted(shown.values(), key=lambda e: (e.opens_at, e.id), reverse=True):
        with st.container(border=True, key=f"exams_card_{exam.id}"):
            st.markdown(f"**{markup.md(exam.title)}**")
            st.caption(_window(exam))
            sitting = taken.get(exam.id)
            if sitting is None:
                _start(s, user, exam, moment)
            elif sitting.status == exams.IN_PROGRESS:
                _paper(s, user, exam, sitting)
            else:
                _outcome(s, user, exam, sitting, moment)


def _start(s: Settings, user: User, exam: Exam, moment: datetime) -> None:
    if moment > exam.latest_start:
        st.caption(f"最晚开始时间 {exams.shown(exam.latest_start)} 已过，不能再开始。")
        return
    st.caption(
        f"开始后计时 {exam.time_limit_minutes} 分钟，中途离开计时不停；每人只能参加一次。"
        f"最晚开始时间 {exams.shown(exam.latest_start)}。"
    )
    if st.button("开始答题", key=f"exams_start_{exam.id}", type="primary", icon=":material/play_arrow:"):
        with messages.shown_errors() as outcome:
            exams.start_exam(s, user, exam.id)
        if not outcome.failed:
            st.rerun()


def _prefix(exam: Exam) -> str:
    return f"{ANSWER}{exam.id}_"


@st.fragment(run_every=timedelta(seconds=30))
def _clock(sitting: Sitting) -> None:
    """The time left, drawn again every half minute without touching the answers in the form."""
    left = int((sitting.deadline - now()).total_seconds())
    if left <= 0:
        st.error(
            f"答题时间已到（{sitting.deadline:%H:%M}）：请立即交卷；超过 1 分钟宽限后交卷不计分，记为“{exams.TIMED_OUT}”。",
            icon=":material/timer_off:",
        )
        return
    st.warning(
        f"答题中：请在 {sitting.deadline:%H:%M} 前交卷，剩余约 {-(-left // 60)} 分钟"
        f"（超过 1 分钟宽限后交卷不计分，记为“{exams.TIMED_OUT}”）。",
        icon=":material/timer:",
    )


def _paper(s: Settings, user: User, exam: Exam, sitting: Sitting) -> None:
    """The questions in one form; 交卷 scores them (refused and marked 超时 when too late)."""
    _clock(sitting)
    with st.form(f"exams_paper_{exam.id}"):
        for n, question in enumerate(exam.questions, 1):
            with st.container(border=True):
                questions.ask(_prefix(exam), n, question)
        handed = st.form_submit_button("交卷", type="primary", key=f"exams_submit_{exam.id}")
    if handed:
        responses = {q.id: questions.read_response(_prefix(exam), q) for q in exam.questions}
        with messages.shown_errors() as outcome:
            exams.submit_exam(s, user, exam.id, responses)
        if not outcome.failed:
            _done(f"已交卷：“{exam.title}”；成绩和排名在比武截止（{exams.shown(exam.closes_at)}）后公布。")


def _outcome(s: Settings, user: User, exam: Exam, sitting: Sitting, moment: datetime) -> None:
    """After the sitting: what happened, and once the exam is over the score, rank and the answers."""
    if not exam.is_over(moment):
        if sitting.status == exams.SUBMITTED:
            st.success(
                f"已交卷。成绩和排名在比武截止（{exams.shown(exam.closes_at)}）后公布。", icon=":material/task_alt:"
            )
        else:
            st.warning(f"本次答卷{sitting.status}，不计分。", icon=":material/timer_off:")
        return
    results = rankings.exam_results(s, exam.id, moment)
    mine = next((p for p in results.people if p.name == user.name), None)
    if mine is not None:
        st.success(
            f"得分 {mine.score} / {mine.total}（{mine.status}），用时 {rankings.duration(mine.seconds)}，"
            f"第 {mine.rank} 名（共 {len(results.people)} 人）。",
            icon=":material/emoji_events:",
        )
    with st.expander("答案与解析"):
        for answer in exams.review_sitting(s, user, exam.id, moment):
            q = answer.question
            mark = "✓ 答对" if answer.correct else "✗ 答错"
            st.markdown(f"**{answer.position}．（{q.type}）** {markup.md(q.stem)}")
            if q.options:
                st.markdown("\n".join(f"- {letter}. {markup.md(text)}" for letter, text in q.options))
            st.markdown(
                f"{mark}：你的答案 {markup.md(answer.response or '未作答')}；正确答案 {markup.md(q.answer_text)}"
            )
            st.caption(f"解析：{markup.md(q.explanation)}")


# -- organizing --------------------------------------------------------------------------------


def render_create(s: Settings, user: User) -> None:
    """The form to create an exam from the question bank."""
    taxonomy = load_content_taxonomy(s)
    tomorrow = date.today() + timedelta(days=1)
    with st.form("exams_create"):
        title = st.text_input("比武名称", max_chars=exams.MAX_TITLE_CHARS, key="exams_title")
        tier = st.selectbox(
            "面向层级",
            ("", *accounts.tier_choices(s)),
            format_func=lambda t: t or exams.ALL_TIERS,
            key="exams_tier",
        )
        categories = st.multiselect(
            "案件类别（不选则不限）", taxonomy.categories, key="exams_categories", placeholder="不限类别"
        )
        cols = st.columns(2)
        count = cols[0].number_input("题量（道）", 1, exams.MAX_QUESTIONS, 20, key="exams_count")
        minutes = cols[1].number_input("答题时限（分钟）", 1, exams.MAX_MINUTES, 60, key="exams_minutes")
        opens = st.columns(2)
        opens_day = opens[0].date_input("开始日期", tomorrow, key="exams_opens_day", format="YYYY-MM-DD")
        opens_time = opens[1].time_input("开始时间", time(9, 0), key="exams_opens_time")
        closes = st.columns(2)
        closes_day = closes[0].date_input("截止日期", tomorrow, key="exams_closes_day", format="YYYY-MM-DD")
        closes_time = closes[1].time_input("截止时间", time(18, 0), key="exams_closes_time")
        st.caption("题目从题库中无错误的题里随机抽取，随比武保存：此后修改题库不影响本场。创建记入审计日志。")
        created = st.form_submit_button("创建比武", type="primary", key="exams_create_submit")
    if created:
        with messages.shown_errors() as outcome:
            exam = exams.create_exam(
                s,
                user,
                title,
                tier=tier,
                categories=categories,
                count=int(count),
                time_limit_minutes=int(minutes),
                opens_at=datetime.combine(opens_day, opens_time),
                closes_at=datetime.combine(closes_day, closes_time),
            )
        if not outcome.failed:
            _done(f"已创建比武“{exam.title}”：{_window(exam)}")


def render_results(s: Settings) -> None:
    """One exam's rankings by person and by unit, its right rate per question, and the downloads."""
    every = exams.list_exams(s)
    if not every:
        st.info("还没有比武；在“组织比武”中创建。", icon=":material/emoji_events:")
        return
    by_id = {e.id: e for e in every}
    chosen = st.selectbox(
        "比武",
        list(by_id),
        format_func=lambda i: f"{by_id[i].title}（{exams.shown(by_id[i].opens_at)}）",
        key="exams_pick",
    )
    moment = now()
    results = rankings.exam_results(s, chosen, moment)
    exam = results.exam
    st.caption(f"{_window(exam)} · {exam.state(moment)}")
    answering = f"另有 {results.answering} 人正在答题，交卷后计入排名。" if results.answering else ""
    if not results.people:
        st.info("还没有人交卷。" + answering, icon=":material/hourglass_empty:")
        return
    st.caption(
        "每题 1 分。按得分从高到低、同分按用时从短到长排名，得分和用时都相同的名次并列；"
        "超时和未交卷记 0 分、用时按时限计。" + answering
    )
    st.markdown("**个人排名**")
    st.dataframe(pd.DataFrame(results.person_rows(), columns=rankings.PERSON_COLUMNS), hide_index=True, width="stretch")
    st.markdown("**单位排名**（按平均分）")
    st.dataframe(pd.DataFrame(results.unit_rows(), columns=rankings.UNIT_COLUMNS), hide_index=True, width="stretch")
    with st.expander("每题正确率"):
        st.dataframe(
            pd.DataFrame([q.row() for q in results.questions], columns=rankings.QUESTION_COLUMNS),
            hide_index=True,
            width="stretch",
        )
    name = re.sub(r'[\\/:*?"<>|\s]+', "_", exam.title) + "成绩"  # a file name on every system
    cols = st.columns(3)
    cols[0].download_button(
        "下载个人排名（CSV）",
        data=results_csv(results),
        file_name=f"{name}-个人排名.csv",
        mime="text/csv",
        icon=":material/download:",
        key="exams_csv_person",
    )
    cols[1].download_button(
        "下载单位排名（CSV）",
        data=results_csv(results, by_unit=True),
        file_name=f"{name}-单位排名.csv",
        mime="text/csv",
        icon=":material/download:",
        key="exams_csv_unit",
    )
    cols[2].download_button(
        "下载成绩（Excel）",
        data=results_xlsx(results),
        file_name=f"{name}.xlsx",
        mime=XLSX,
        icon=":material/table_view:",
        key="exams_xlsx",
    )
