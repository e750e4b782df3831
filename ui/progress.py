"""The learning page's support: 已学习 marks kept per account (or per session for visitors), and the legal
section's view of path completion by unit and tier."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from kb.settings import Settings
from kb.workflow import progress
from kb.workflow.accounts import User
from ui import messages

VISITOR_KEY = "learning_done"  # the doc ids a visitor (not logged in) has ticked, for this session only


def learned(s: Settings, user: User | None) -> set[str]:
    """The doc ids marked as learned: the account's, from the database, or the visitor's session's.
    Ticks made in this session before logging in are saved to the account first (and said so)."""
    if user is None:
        return st.session_state.setdefault(VISITOR_KEY, set())
    saved = {m.doc_id for m in progress.list_learned(s, user)}
    ticked = st.session_state.get(VISITOR_KEY)
    if ticked:
        with messages.shown_errors():
            for doc_id in sorted(ticked - saved):
                progress.mark_learned(s, user, doc_id)
                saved.add(doc_id)
            st.toast(f"登录前勾选的 {len(ticked)} 篇已保存到账号“{user.name}”", icon=":material/task_alt:")
        st.session_state[VISITOR_KEY] = set()
    return saved


def toggle(s: Settings, user: User | None, doc_id: str, key: str) -> None:
    """A 已学习 checkbox's on_change: store or remove the mark (a visitor's only in the session)."""
    ticked = bool(st.session_state.get(key))
    if user is None:
        done = st.session_state.setdefault(VISITOR_KEY, set())
        if ticked:
            done.add(doc_id)
        else:
            done.discard(doc_id)
        return
    with messages.shown_errors():
        (progress.mark_learned if ticked else progress.unmark_learned)(s, user, doc_id)


def _percent(rate: float) -> str:
    return f"{rate:.0%}"


def _chart(report: progress.ProgressReport) -> None:
    frame = pd.DataFrame(
        {
            "单位": [g.unit for g in report.units],
            "层级": [g.tier for g in report.units],
            "完成率": [round(g.rate * 100) for g in report.units],
        }
    )
    units = list(dict.fromkeys(frame["单位"]))
    # Altair with a description for every part, as on 统计: Vega reads an undescribed chart out in English.
    spec = (
        alt.Chart(
            frame,
            height=max(160, 30 * len(frame) + 70),
            description=f"条形图：各单位学习路径完成率，共 {len(units)} 个单位",
        )
        .mark_bar()
        .encode(
            alt.Y("单位:N", sort=units, axis=alt.Axis(description="纵轴：单位")),
            alt.X(
                "完成率:Q",
                scale=alt.Scale(domain=[0, 100]),
                axis=alt.Axis(description="横轴：完成率（%）", title="完成率（%）"),
            ),
            alt.YOffset("层级:N"),
            alt.Color("层级:N", legend=alt.Legend(description="图例：层级", title="层级")),
            tooltip=[alt.Tooltip("单位:N"), alt.Tooltip("层级:N"), alt.Tooltip("完成率:Q", title="完成率（%）")],
            description="读出:N",  # each bar is read out as “城关派出所 办案民警：40%”
        )
        .transform_calculate(读出="datum['单位'] + ' ' + datum['层级'] + '：' + datum['完成率'] + '%'")
    )
    st.altair_chart(spec, width="stretch")


def render_report(s: Settings) -> None:
    """The legal section's view: completion of each tier's path by unit and by tier, then per person."""
    st.subheader("学习完成情况")
    with messages.or_stop():
        report = progress.summarize_progress(s)
    note = f"另有 {report.untiered} 个账号未设置层级，未计入（在“账号管理”页设置）。" if report.untiered else ""
    if not report.people:
        st.info("还没有设置了层级的账号；管理员可在“账号管理”页为账号设置单位和层级。" + note, icon=":material/groups:")
        return
    st.caption("每人按其层级的学习路径计算；完成率 = 已学习篇数之和 ÷ 应学篇数之和。" + note)
    _chart(report)
    columns = ("人数", "全部学完", "已学习", "应学", "完成率")

    def row(g: progress.GroupProgress) -> list:
        return [g.people, g.finished, g.done, g.total, _percent(g.rate)]

    st.markdown("**按单位**")
    st.dataframe(
        pd.DataFrame([[g.unit, g.tier, *row(g)] for g in report.units], columns=("单位", "层级", *columns)),
        hide_index=True,
        width="stretch",
    )
    st.markdown("**按层级**")
    st.dataframe(
        pd.DataFrame([[g.tier, *row(g)] for g in report.tiers], columns=("层级", *columns)),
        hide_index=True,
        width="stretch",
    )
    with st.expander(f"按人员（{len(report.people)} 人）"):
        st.dataframe(
            pd.DataFrame(
                [[p.name, p.unit, p.tier, p.done, p.total, _percent(p.rate)] for p in report.people],
                columns=("用户名", "单位", "层级", "已学习", "应学", "完成率"),
            ),
            hide_index=True,
            width="stretch",
        )
