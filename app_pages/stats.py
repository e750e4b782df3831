"""统计: corpus counts by category / type / year, and what people search for (local, anonymised log)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages import shared
from kb import searchlog
from kb.errors import KBError


def chart(title: str, counts: dict, label: str, sort_by_key: bool = False, horizontal: bool = False) -> None:
    st.markdown(f"**{title}**")
    if not counts:
        st.caption("暂无数据")
        return
    items = sorted(counts.items()) if sort_by_key else sorted(counts.items(), key=lambda kv: -kv[1])
    frame = pd.DataFrame({label: [str(k) for k, _ in items], "数量": [v for _, v in items]})
    height = max(140, 26 * len(items) + 70) if horizontal else 260
    st.bar_chart(frame, x=label, y="数量", horizontal=horizontal, sort=False if sort_by_key else "-数量", height=height)


def main() -> None:
    st.title("统计")
    shared.require_service()
    try:
        stats = shared.stats()
    except KBError as exc:
        st.error(str(exc))
        return
    facets = stats["facets"]
    types = facets.get("type", {})
    cols = st.columns(4)
    cols[0].metric("文档总数", stats["total"])
    cols[1].metric("办案指引", types.get("guide", 0))
    cols[2].metric("精品案例", types.get("case", 0))
    cols[3].metric("法条", types.get("law", 0))

    docs = shared.catalog()
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
        chart("按类型", {shared.type_label(k): v for k, v in types.items()}, "类型", horizontal=True)
        chart("案例按办结年份", by_year, "年份", sort_by_key=True, horizontal=True)

    st.divider()
    st.subheader("检索情况")
    s = shared.settings()
    if not s.search_log:
        st.info("检索日志已关闭（配置项 search_log）。", icon=":material/visibility_off:")
        return
    st.caption(
        "来自本机检索日志：只记录检索框中的检索词（长数字已遮盖）、日期和结果数，不记录用户身份；类案检索中粘贴的案情从不记录。"
    )
    chosen = st.query_params.get("days", "90")
    st.session_state["stats_days"] = int(chosen) if chosen in ("30", "90", "0") else 90

    def on_days() -> None:
        value = st.session_state.get("stats_days")
        if value in (None, 90):
            st.query_params.pop("days", None)
        else:
            st.query_params["days"] = str(value)

    days = st.segmented_control(
        "时间范围",
        [30, 90, 0],
        format_func=lambda d: f"近 {d} 天" if d else "全部",
        key="stats_days",
        required=True,
        on_change=on_days,
    )
    days = days or None
    top = searchlog.top_queries(s, limit=20, days=days)
    zero = searchlog.zero_result_queries(s, limit=20, days=days)
    left, right = st.columns(2, gap="large")
    with left:
        st.markdown("**检索最多**")
        if top:
            st.dataframe(
                pd.DataFrame({"检索词": [c.query for c in top], "次数": [c.count for c in top]}),
                hide_index=True,
                width="stretch",
            )
        else:
            st.caption("暂无检索记录")
    with right:
        st.markdown("**没有结果的检索**")
        if zero:
            st.dataframe(
                pd.DataFrame(
                    {
                        "检索词": [c.query for c in zero],
                        "次数": [c.count for c in zero],
                        "最近": [c.last_day for c in zero],
                    }
                ),
                hide_index=True,
                width="stretch",
            )
            st.caption("这些检索词可能需要补充内容，或加入同义词表 data/synonyms.txt。")
        else:
            st.caption("暂无无结果的检索")
    daily = searchlog.daily_counts(s, days=days or 3650)
    if daily:
        chart("每日检索次数", dict(daily), "日期", sort_by_key=True)


main()
