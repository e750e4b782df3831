"""The 测验情况 on 学习路径 through AppTest: the legal section (审核, 管理员) sees average scores by unit and tier,
wrong rates by category, the most-missed questions and links to the guides behind them, filtered by unit or
tier; readers do not see it."""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest

try:
    from tests.test_app_publish import check, env, go, logged_in, texts
    from tests.test_quizstats import attempt
except ImportError:  # tests/ is not a package: pytest put tests/ itself on sys.path
    from test_app_publish import check, env, go, logged_in, texts
    from test_quizstats import attempt

__all__ = ["env"]  # the fixture: fresh content, index, database and one account per role

QUIZ = """---
id: QB-APP
title: 测试题库
tiers: [办案民警]
---

## Q-1
题型：判断
类别：盗窃
环节：调查取证
出处：G-2024-901；C-2023-901
题干：二年内盗窃三次以上的，应当认定为“多次盗窃”。
答案：正确
解析：见案例 C-2023-901 的办案要旨。

## Q-2
题型：判断
类别：危险驾驶
环节：受案立案
出处：G-2024-902
题干：呼气检测后应当及时抽取血样。
答案：正确
解析：见醉驾案件办理工具箱。
"""


def quizzes(settings) -> None:
    """The two questions; du (城关派出所) and lin (城东派出所) took self-tests, du an exam too."""
    (settings.content_dir / "quizzes").mkdir()
    (settings.content_dir / "quizzes" / "测试.md").write_text(QUIZ, encoding="utf-8")
    attempt(settings, "du", "城关派出所", "办案民警", [("Q-1", 0), ("Q-2", 1), ("Q-1", 0)])
    attempt(settings, "lin", "城东派出所", "办案民警", [("Q-1", 1), ("Q-2", 0), ("Q-2", 1)])
    attempt(settings, "du", "城关派出所", "办案民警", [("Q-1", 0), ("Q-2", 1), ("Q-GONE", 0)], exam_id=1)


def rows(chart) -> list[dict]:
    """The rows a chart was drawn from (Streamlit sends them apart from the spec, as Arrow)."""
    from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

    [data] = [d.data.data for d in chart.proto.datasets] or [chart.proto.data.data]
    return convert_arrow_bytes_to_pandas_df(data).to_dict("records")


def charts(at: AppTest) -> dict[str, dict]:
    specs = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
    return {spec["description"]: spec for spec in specs}


def test_the_legal_section_sees_scores_the_most_missed_questions_and_their_guides(env):
    quizzes(env)
    at = go(logged_in("zhao"), "learning")
    assert "测验情况" in texts(at.subheader)
    assert "得分率 = 答对题数之和 ÷ 题数之和，只计已交卷的测验；单位和层级按作答时记录的统计。" in texts(at.caption)
    assert [(m.label, m.value) for m in at.metric] == [
        ("自测平均得分率", "50%"),
        ("自测人次", "2"),
        ("比武平均得分率", "33%"),
        ("比武人次", "1"),
    ]
    assert list(charts(at)) == [
        "条形图：平均得分率（按单位），共 2 个单位",
        "条形图：平均得分率（按层级），共 1 个层级",
        "条形图：各类别错误率，共 2 个类别",
    ]
    by_unit = at.get("vega_lite_chart")[0]
    assert [(r["单位"], r["类型"], r["得分率"]) for r in rows(by_unit)] == [
        ("城关派出所", "自测", 33),
        ("城东派出所", "自测", 67),
        ("城关派出所", "比武", 33),
    ]
    [missed] = [d.value for d in at.dataframe]
    assert list(missed.columns) == ["题号", "题干", "类别", "环节", "作答", "答错", "错误率", "出处"]
    assert missed.values.tolist() == [
        [
            "Q-1",
            "二年内盗窃三次以上的，应当认定为“多次盗窃”。",
            "盗窃",
            "调查取证",
            4,
            3,
            "75%",
            "G-2024-901 盗窃案件办理指引；C-2023-901 张某多次盗窃电动车电瓶案",
        ],
        ["Q-2", "呼气检测后应当及时抽取血样。", "危险驾驶", "受案立案", 4, 1, "25%", "G-2024-902 醉驾案件办理工具箱"],
    ]
    assert "需要加强培训或修改指引的主题" in [m.value.strip("*") for m in at.markdown]
    topics = [p for p in at.page_link if p.proto.page == "doc"][-3:]  # after the path's own documents
    assert [p.label for p in topics] == [
        "张某多次盗窃电动车电瓶案",
        "盗窃案件办理指引",
        "醉驾案件办理工具箱",
    ]  # equal: by id
    assert topics[1].proto.query_string.startswith("id=G-2024-901")
    assert "指引 · 答错 3 次（作答 4 次，错误率 75%）· 题目：Q-1" in texts(at.caption)
    assert "已删除的题目：1 道（Q-GONE），作答 1 次、答错 1 次，已不在题库中，不计入以上排名。" in texts(at.caption)


def test_the_filters_keep_one_unit_and_stay_in_the_url(env):
    quizzes(env)
    at = go(logged_in("admin"), "learning")
    at.selectbox(key="quizstats_unit").select("城东派出所").run()
    check(at)
    assert at.query_params["qunit"] == "城东派出所"
    assert [(m.label, m.value) for m in at.metric][:2] == [("自测平均得分率", "67%"), ("自测人次", "1")]
    assert "暂无：没有至少作答 3 次且有人答错的题目。" in texts(at.caption)  # answered twice here
    assert [d.value for d in at.dataframe] == []
    at.selectbox(key="quizstats_unit").select("城西派出所").run()
    assert "城西派出所还没有测验记录。" in texts(at.info)


def test_without_records_the_legal_section_is_told_where_they_come_from(env):
    at = go(logged_in("zhao"), "learning")
    assert "还没有测验记录；自测和比武的成绩会在这里汇总。" in texts(at.info)


def test_readers_do_not_see_it(env):
    quizzes(env)
    at = go(logged_in("du"), "learning")
    assert "测验情况" not in texts(at.subheader)
    assert at.get("vega_lite_chart") == []
