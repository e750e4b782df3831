"""统计: corpus counts by category / type / year; for the roles allowed, what people search for
(local, anonymised log); for 审核 and 管理员, the curation of the 常用检索 buttons."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from kb.content.vocabulary import type_label
from kb.errors import KBError
from kb.settings import EVERYONE
from kb.workflow import accounts, logins, searchlog
from ui import markup, messages, services, sidebar, urls


def chart(title: str, counts: dict, label: str, sort_by_key: bool = False, horizontal: bool = False) -> None:
    st.markdown(f"**{title}**")
    if not counts:
        st.caption("暂无数据")
        return
    items = sorted(counts.items()) if sort_by_key else sorted(counts.items(), key=lambda kv: -kv[1])
    frame = pd.DataFrame({label: [str(k) for k, _ in items], "数量": [v for _, v in items]})
    height = max(140, 26 * len(items) + 70) if horizontal else 260
    # Altair rather than st.bar_chart: Vega reads a chart out in English ("X-axis titled … for a
    # linear scale …", "Vega visualization") unless the spec gives each part a description.
    order = list(frame[label])
    category = alt.Y if horizontal else alt.X
    value = alt.X if horizontal else alt.Y
    across, along = ("纵轴", "横轴") if horizontal else ("横轴", "纵轴")
    spec = (
        alt.Chart(frame, height=height, description=f"条形图：{title}，共 {len(items)} 项")
        .mark_bar()
        .encode(
            category(f"{label}:N", sort=order, axis=alt.Axis(description=f"{across}：{label}")),
            value("数量:Q", axis=alt.Axis(description=f"{along}：数量", tickMinStep=1)),
            tooltip=[alt.Tooltip(f"{label}:N"), alt.Tooltip("数量:Q")],
            description="读出:N",  # each bar is read out as “盗窃：5”
        )
        .transform_calculate(读出=f"datum['{label}'] + '：' + datum['数量']")
    )
    st.altair_chart(spec, width="stretch")


def main() -> None:
    st.title("统计")
    services.require_service()
    with messages.or_stop():
        stats = services.stats()
    by_type = services.corpus_counts()
    current = sidebar.current_counts(by_type)
    cols = st.columns(4)
    cols[0].metric("现行文档", sum(current.values()))
    cols[1].metric("办案指引", current["guide"])
    cols[2].metric("精品案例", current["case"])
    cols[3].metric("法条", current["law"])
    other = sidebar.other_counts_text(by_type)
    st.caption(
        "以上只计现行文档，与侧栏和检索页“类型”筛选的计数相同；法条按条计，同一条文的每个版本各算一条。"
        + (f"另有{other}，检索时默认不显示，在检索页“状态”中选择即可查看；" if other else "")
        + f"索引中共 {stats['total']} 篇。"
    )

    docs = services.indexed_documents()
    by_category: dict[str, int] = {}
    by_year: dict[str, int] = {}
    for d in docs:
        by_category[d["category"]] = by_category.get(d["category"], 0) + 1
        if d["type"] == "case" and d.get("year"):
            by_year[str(d["year"])] = by_year.get(str(d["year"]), 0) + 1
    left, right = st.columns(2, gap="large")
    with left:
        chart("按类别（指引与案例）", by_category, "类别", horizontal=True)
    with right:
        chart("按类型（现行）", {type_label(k): v for k, v in current.items() if v}, "类型", horizontal=True)
        chart("案例按办结年份", by_year, "年份", sort_by_key=True, horizontal=True)

    st.divider()
    s = services.settings()
    user = logins.current_user(st.session_state, s)
    search_log(s, user)
    if user is not None and user.role in searchlog.CURATOR_ROLES:
        curation(s, user)


def roles_text(roles) -> str:
    return "或".join(f"“{r}”" for r in roles)


def log_refused(s, user) -> bool:
    """Say why the search log is not shown to this visitor; False when it may be shown."""
    if not s.search_log:
        st.info("检索日志已关闭（配置项 search_log）。", icon=":material/visibility_off:")
        return True
    if searchlog.may_view(s, user):
        return False
    if not s.search_log_roles:
        st.info("检索日志不在网页上显示（配置项 search_log_roles）。", icon=":material/lock:")
    elif user is None:
        st.info(
            f"检索日志只对{roles_text(s.search_log_roles)}显示；请先登录：在左侧导航的“工作台 → 登录”中输入用户名和密码。",
            icon=":material/lock:",
        )
    else:
        st.info(
            f"当前用户“{markup.md(user.name)}”（{user.role}）无权查看检索日志；需要{roles_text(s.search_log_roles)}角色。",
            icon=":material/lock:",
        )
    return True


def query_table(title: str, columns: dict[str, list], empty: str, note: str = "") -> None:
    """One table of logged queries under a bold title (`empty` when there are none)."""
    st.markdown(f"**{title}**")
    if not next(iter(columns.values())):
        st.caption(empty)
        return
    st.dataframe(pd.DataFrame(columns), hide_index=True, width="stretch")
    if note:
        st.caption(note)


def search_log(s, user) -> None:
    """What was typed into the 检索 box, for the roles in search_log_roles only."""
    st.subheader("检索情况")
    if log_refused(s, user):
        return
    st.caption(
        "来自本机检索日志：只统计在检索框中输入的检索词（筛选、排序、翻页和刷新不计；姓名、证件号、电话和车牌已遮盖）、"
        "日期、结果数和不同会话数，不记录用户身份；类案检索中粘贴的案情从不记录。"
    )
    chosen = int(urls.url_param("days", "90", ("30", "90", "0")))
    days = st.segmented_control(
        "时间范围",
        [30, 90, 0],
        format_func=lambda d: f"近 {d} 天" if d else "全部",
        required=True,
        **urls.bind("stats_days", "days", chosen, 90),
    )
    days = days or None
    top = searchlog.top_queries(s, limit=20, days=days)
    zero = searchlog.zero_result_queries(s, limit=20, days=days)
    left, right = st.columns(2, gap="large")
    with left:
        columns = {
            "检索词": [c.query for c in top],
            "次数": [c.count for c in top],
            "会话数": [c.sessions for c in top],
        }
        query_table("检索最多", columns, "暂无检索记录")
    with right:
        columns = {
            "检索词": [c.query for c in zero],
            "次数": [c.count for c in zero],
            "最近": [c.last_day for c in zero],
        }
        note = "这些检索词可能需要补充内容，或加入同义词表 data/synonyms.txt。"
        query_table("没有结果的检索", columns, "暂无无结果的检索", note)
    daily = searchlog.daily_counts(s, days=days or 3650)
    if daily:
        chart("每日检索次数", dict(daily), "日期", sort_by_key=True)


CURATION_DONE = {
    searchlog.PIN: "已把“{}”固定为常用检索。",
    searchlog.HIDE: "已隐藏“{}”：它不会显示为常用检索按钮。",
    None: "已取消“{}”的固定或隐藏。",
}


def curate(user: accounts.User, state: str | None, query: str | None = None) -> None:
    """Pin, hide or release a query (the text box's, or `query`); the outcome is shown on the next run."""
    text = query if query is not None else st.session_state.get("stats_curate_q", "")
    try:
        done = searchlog.curate(services.settings(), text, state, user)
    except KBError as exc:
        st.session_state["stats_curate_flash"] = ("error", str(exc))
        return
    st.session_state["stats_curate_flash"] = ("success", CURATION_DONE[state].format(done))
    if query is None:
        st.session_state["stats_curate_q"] = ""


def curation(s, user: accounts.User) -> None:
    """审核 and 管理员 pin queries as 常用检索 buttons for everyone, or hide them from the buttons."""
    st.subheader("整理常用检索")
    viewers = "所有人" if EVERYONE in s.search_log_roles else roles_text(s.search_log_roles)
    logged = (
        f"{viewers}还会看到至少 {s.popular_min_sessions} 个不同会话检索过且有结果的检索词（配置项 popular_min_sessions）"
        if viewers
        else "检索日志中的检索词不显示为按钮（配置项 search_log_roles 为空）"
    )
    st.caption(f"检索页的“常用检索”按钮先列出这里固定的检索词；{logged}。隐藏的检索词从不显示为按钮。")
    flash = st.session_state.pop("stats_curate_flash", None)
    if flash:
        kind, message = flash
        (st.success if kind == "success" else st.error)(markup.md(message))
    with st.container(horizontal=True, vertical_alignment="bottom"):
        st.text_input(
            "检索词", key="stats_curate_q", max_chars=searchlog.MAX_QUERY_CHARS, placeholder="如：醉驾 取保候审"
        )
        st.button(
            "固定为常用检索", key="stats_pin", icon=":material/push_pin:", on_click=curate, args=(user, searchlog.PIN)
        )
        st.button(
            "隐藏", key="stats_hide", icon=":material/visibility_off:", on_click=curate, args=(user, searchlog.HIDE)
        )
    curated = searchlog.curated_queries(s)
    if not curated:
        st.caption("尚未固定或隐藏任何检索词。")
    for i, c in enumerate(curated):
        with st.container(horizontal=True, vertical_alignment="center"):
            label = "固定" if c.state == searchlog.PIN else "隐藏"
            st.markdown(f"{label}：{markup.md(c.query)}")
            st.caption(c.at[:16].replace("T", " "))
            st.button("取消", key=f"stats_release_{i}", on_click=curate, args=(user, None, c.query), type="tertiary")


main()
