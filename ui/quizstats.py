"""The learning page's 测验情况 for the legal section: average scores by unit and tier, wrong rates by category,
the most-missed questions and the guides and cases behind them."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from kb.rendering.markup import plain_excerpt
from kb.settings import Settings
from kb.workflow import accounts, quizstats
from kb.workflow.accounts import User
from ui import cards, markup, messages, urls

ALL_UNITS, ALL_TIERS = "全部单位", "全部层级"
KINDS = [quizstats.SELF_TEST, quizstats.EXAM]
SOURCE_ICONS = {quizstats.GUIDE: markup.TYPE_ICONS["guide"], quizstats.CASE: markup.TYPE_ICONS["case"]}


def _percent(rate: float) -> str:
    return f"{rate:.0%}"


def rate_chart(title: str, frame: pd.DataFrame, label: str, value: str, note: str) -> None:
    """Horizontal bars of a rate (0–100) per `label`, split by 类型 (自测/比武) when the frame has that column."""
    st.markdown(f"**{title}**")
    if frame.empty:
        st.caption("暂无数据")
        return
    order = list(dict.fromkeys(frame[label]))
    split = "类型" in frame.columns
    encodings = [
        alt.Y(f"{label}:N", sort=order, axis=alt.Axis(description=f"纵轴：{label}")),
        alt.X(
            f"{value}:Q",
            scale=alt.Scale(domain=[0, 100]),
            axis=alt.Axis(description=f"横轴：{value}（%）", title=f"{value}（%）"),
        ),
    ]
    if split:
        encodings += [
            alt.YOffset("类型:N", sort=KINDS),
            alt.Color(
                "类型:N",
                scale=alt.Scale(domain=KINDS),
                legend=alt.Legend(description="图例：自测或比武", title="类型"),
            ),
        ]
    read_out = f"datum['{label}'] + ' ' + datum['类型']" if split else f"datum['{label}']"
    # Altair with a description for every part, as on 统计: Vega reads an undescribed chart out in English.
    spec = (
        alt.Chart(
            frame, height=max(140, (40 if split else 26) * len(order) + 70), description=f"条形图：{title}，{note}"
        )
        .mark_bar()
        .encode(
            *encodings,
            tooltip=[alt.Tooltip(f"{c}:N") for c in frame.columns if c != value]
            + [alt.Tooltip(f"{value}:Q", title=f"{value}（%）")],
            description="读出:N",  # each bar is read out as “城关派出所 自测：67%”
        )
        .transform_calculate(读出=f"{read_out} + '：' + datum['{value}'] + '%'")
    )
    st.altair_chart(spec, width="stretch")


def _score_frame(report: quizstats.QuizReport, label: str, by: str) -> pd.DataFrame:
    rows = [
        {label: getattr(g, by), "类型": scores.kind, "得分率": round(g.rate * 100), "人次": g.attempts}
        for scores in (report.self_tests, report.exams)
        for g in getattr(scores, f"{by}s")
    ]
    return pd.DataFrame(rows, columns=[label, "类型", "得分率", "人次"])


def _filters(s: Settings) -> tuple[str | None, str | None]:
    """The 单位 and 层级 filters (kept in the URL as qunit and qtier)."""
    units, tiers = (ALL_UNITS, *accounts.unit_choices(s)), (ALL_TIERS, *accounts.tier_choices(s))
    left, right = st.columns(2)
    with left:
        unit = urls.url_param("qunit", ALL_UNITS, units)
        st.selectbox("单位", units, **urls.bind("quizstats_unit", "qunit", unit, ALL_UNITS))
    with right:
        tier = urls.url_param("qtier", ALL_TIERS, tiers)
        st.selectbox("层级", tiers, **urls.bind("quizstats_tier", "qtier", tier, ALL_TIERS))
    return (None if unit == ALL_UNITS else unit), (None if tier == ALL_TIERS else tier)


def _metrics(report: quizstats.QuizReport) -> None:
    cols = st.columns(4)
    for n, scores in enumerate((report.self_tests, report.exams)):
        overall = scores.overall
        cols[2 * n].metric(f"{scores.kind}平均得分率", _percent(overall.rate) if overall.attempts else "—")
        cols[2 * n + 1].metric(f"{scores.kind}人次", overall.attempts, help=f"{overall.people} 人")


def _missed(report: quizstats.QuizReport) -> None:
    st.markdown("**答错最多的题目**")
    if not report.missed:
        st.caption(f"暂无：没有至少作答 {report.min_answers} 次且有人答错的题目。")
        return
    rows = [
        [
            q.id,
            plain_excerpt(" ".join(q.stem.split()), 60),
            q.category,
            "、".join(q.stages),
            q.answers,
            q.wrong,
            _percent(q.rate),
            "；".join([*(f"{src.id} {src.title or '（已不在库中）'}" for src in q.sources), *q.citations]),
        ]
        for q in report.missed
    ]
    columns = ("题号", "题干", "类别", "环节", "作答", "答错", "错误率", "出处")
    st.dataframe(pd.DataFrame(rows, columns=columns), hide_index=True, width="stretch")
    st.caption(f"至少作答 {report.min_answers} 次、有人答错的题目，按错误率排列（相同时答错次数多的在前）。")


def _topics(report: quizstats.QuizReport) -> None:
    st.markdown("**需要加强培训或修改指引的主题**")
    if not report.topics:
        st.caption("暂无：题目出处中的指引、案例还没有被答错过。")
        return
    st.caption("题目出处中的指引和案例，按其题目被答错的次数排列：答错多的，可能需要加强培训，或把指引写得更清楚。")
    for t in report.topics:
        figures = (
            f"{t.source.kind} · 答错 {t.wrong} 次（作答 {t.answers} 次，错误率 {_percent(t.rate)}）"
            f"· 题目：{'、'.join(t.questions)}"
        )
        with st.container(border=True):
            if t.source.title:
                params = urls.doc_params(t.source.id, "learning")
                cards.doc_link(t.source.title, params, SOURCE_ICONS.get(t.source.kind))
            else:
                st.markdown(f"{markup.md(t.source.id)}（已不在库中）")
            st.caption(markup.md(figures))


def render_report(s: Settings, user: User) -> None:
    """The legal section's view of the quizzes: filters, average scores, wrong rates, most-missed questions."""
    st.subheader("测验情况")
    unit, tier = _filters(s)
    with messages.shown_errors() as outcome:
        report = quizstats.summarize_quizzes(s, viewer=user, unit=unit, tier=tier)
    if outcome.failed:
        return
    if not report.self_tests.overall.attempts and not report.exams.overall.attempts and not report.answers:
        scope = "、".join(v for v in (unit, tier) if v)
        st.info(
            f"{scope}还没有测验记录。" if scope else "还没有测验记录；自测和比武的成绩会在这里汇总。",
            icon=":material/quiz:",
        )
        return
    st.caption("得分率 = 答对题数之和 ÷ 题数之和，只计已交卷的测验；单位和层级按作答时记录的统计。")
    _metrics(report)
    left, right = st.columns(2, gap="large")
    with left:
        frame = _score_frame(report, "单位", "unit")
        rate_chart("平均得分率（按单位）", frame, "单位", "得分率", f"共 {frame['单位'].nunique()} 个单位")
    with right:
        frame = _score_frame(report, "层级", "tier")
        rate_chart("平均得分率（按层级）", frame, "层级", "得分率", f"共 {frame['层级'].nunique()} 个层级")
    categories = pd.DataFrame(
        [[c.category, round(c.rate * 100), c.answers] for c in report.categories], columns=("类别", "错误率", "作答")
    )
    rate_chart("各类别错误率", categories, "类别", "错误率", f"共 {len(categories)} 个类别")
    _missed(report)
    _topics(report)
    deleted = report.deleted
    if deleted.answers:
        st.caption(
            f"{quizstats.DELETED}：{len(deleted.questions)} 道（{'、'.join(deleted.questions)}），"
            f"作答 {deleted.answers} 次、答错 {deleted.wrong} 次，已不在题库中，不计入以上排名。"
        )
