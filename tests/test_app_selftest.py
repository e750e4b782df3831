"""The 自测 page through AppTest: a visitor's quiz graded with feedback and stored nowhere; a logged-in officer's
quiz stored, shown in 我的成绩, its wrong answers in the 错题本 and practised out of it; a category's quiz; the
learning path's link; no bank at all."""

from __future__ import annotations

from contextlib import closing

from streamlit.testing.v1 import AppTest

from kb.workflow import accounts, database
from kb.workflow.selftests import history, mistakes, record_self_test

try:
    from tests.test_app_publish import TIMEOUT, check, env, go, logged_in, texts
except ImportError:  # tests/ is not a package: pytest put tests/ itself on sys.path
    from test_app_publish import TIMEOUT, check, env, go, logged_in, texts

__all__ = ["env"]  # the fixture: fresh content, index and database and one account per role

# Sources are the fixture content's documents (tests/app_fixtures.py); never the bundled quizzes/.
QUIZ = """---
id: QB-E2E
title: 测试题库
stage: [调查取证]
---

## Q-E01
题型：单选
层级：办案民警
类别：盗窃
出处：G-2024-901；刑法第二百六十四条
题干：扒窃入罪是否以数额较大为要件？
A. 是
B. 否
答案：B
解析：刑法第二百六十四条把扒窃与数额较大并列，扒窃不以数额较大为要件。

## Q-E02
题型：判断
层级：办案民警
类别：危险驾驶
出处：G-2024-902
题干：血液酒精含量达到80毫克/100毫升以上的，依照刑法第一百三十三条之一处理。
答案：正确
解析：醉驾案件办理工具箱：血液酒精含量达到80毫克/100毫升以上的，依照刑法第一百三十三条之一处理。

## Q-E03
题型：多选
层级：办案民警、法制员
类别：盗窃
出处：C-2023-901
题干：下列哪些盗窃不以数额较大为要件？
A. 多次盗窃
B. 一次普通盗窃
C. 扒窃
答案：A、C
解析：刑法第二百六十四条：多次盗窃、入户盗窃、携带凶器盗窃、扒窃的，不以数额较大为要件。

## Q-E04
题型：填空
层级：法制员
类别：殴打他人
出处：C-2024-902；治安管理处罚法第五十一条
题干：殴打他人的，处____日以上____日以下拘留，并处五百元以上一千元以下罚款。
答案：五|5；十|10
解析：治安管理处罚法第五十一条：殴打他人的，处五日以上十日以下拘留，并处五百元以上一千元以下罚款。
"""


def write_quiz(settings, text: str = QUIZ) -> None:
    folder = settings.content_dir / "quizzes"
    folder.mkdir(exist_ok=True)
    (folder / "测试.md").write_text(text, encoding="utf-8")


def visitor() -> AppTest:
    return check(AppTest.from_file("../app.py", default_timeout=TIMEOUT).run())


def drawn(at: AppTest) -> list[str]:
    """The question ids of the quiz on the page, in the order shown."""
    return [q.id for q in at.session_state["selftest_quiz"]["questions"]]


def answer(at: AppTest, e01: str = "A", e02: str = "正确", e03: tuple[str, ...] = ("A", "C")) -> AppTest:
    """Answer the 办案民警 quiz (E01 wrong by default) and hand it in."""
    at.radio(key="selftest_a_Q-E01").set_value(e01)
    at.radio(key="selftest_a_Q-E02").set_value(e02)
    for letter in e03:
        at.checkbox(key=f"selftest_a_Q-E03_{letter}").check()
    at.button(key="selftest_submit").click()
    return check(at.run())


def attempts(settings) -> int:
    with closing(database.connect(settings)) as con:
        return con.execute("SELECT COUNT(*) FROM quiz_attempts").fetchone()[0]


def test_a_visitor_takes_the_path_quiz_and_gets_feedback_stored_nowhere(env):
    write_quiz(env)
    at = go(visitor(), "selftest")
    assert texts(at.info)[0] == "登录后保存成绩和错题本。未登录也可以自测，成绩只在本页显示。"
    assert at.segmented_control(key="selftest_by").options == ["学习路径", "案件类别"]  # no 错题本 without login
    assert at.selectbox(key="selftest_tier").value == "办案民警"
    assert "本范围共 3 道题，全部抽出。" in texts(at.caption)
    assert sorted(at.radio(key="selftest_a_Q-E01").options) == ["A. 是", "B. 否"]
    assert at.radio(key="selftest_a_Q-E02").options == ["正确", "错误"]
    at = answer(at)
    assert texts(at.info)[1] == "本次得分：2 / 3（登录后保存成绩和错题本）"
    shown = texts(at.markdown)
    assert [m for m in shown if "回答错误" in m] == [
        f"**{drawn(at).index('Q-E01') + 1}．:red[✗ 回答错误]**　（单选）扒窃入罪是否以数额较大为要件？"
    ]
    assert "你的答案：A　正确答案：**B**" in shown
    assert "你的答案：A、C　正确答案：**A、C**" in shown
    assert "解析：刑法第二百六十四条把扒窃与数额较大并列，扒窃不以数额较大为要件。" in shown
    assert sum(":green[✓ 回答正确]" in m for m in shown) == 2
    links = {p.proto.label: p.proto.query_string for p in at.page_link}
    assert links["盗窃案件办理指引（G-2024-901）"] == "id=G-2024-901"
    assert links["醉驾案件办理工具箱（G-2024-902）"] == "id=G-2024-902"
    assert links["张某多次盗窃电动车电瓶案（C-2023-901）"] == "id=C-2023-901"
    assert links["刑法第二百六十四条"] == "law=%E5%88%91%E6%B3%95&a=264"
    assert "已加入错题本" not in texts(at.caption)
    assert attempts(env) == 0
    assert "我的成绩" not in texts(at.subheader)


def test_a_logged_in_officers_quiz_is_stored_and_its_mistake_practised_out_of_the_notebook(env):
    write_quiz(env)
    accounts.set_unit(env, "du", "城关派出所")
    accounts.set_tier(env, "du", "办案民警")
    at = go(logged_in("du"), "selftest")
    assert at.segmented_control(key="selftest_by").options == ["学习路径", "案件类别", "错题本"]
    assert "我的成绩" in texts(at.subheader) and "还没有自测记录。" in texts(at.caption)
    at = answer(at)
    assert "本次得分：2 / 3（已保存到账号“du”）" in texts(at.info)
    assert texts(at.caption).count("已加入错题本") == 1
    [done] = history(env, "du")
    assert (done.source, done.score, done.total) == ("学习路径：办案民警", 2, 3)
    assert [c for c in texts(at.caption) if c.startswith("共 1 次自测；最近一次：")][0].endswith(
        "，学习路径：办案民警，得分 2 / 3。"
    )
    table = at.dataframe[0].value
    assert list(table.columns) == ["时间", "范围", "得分", "正确率"]
    assert table[["范围", "得分", "正确率"]].values.tolist() == [["学习路径：办案民警", "2 / 3", "67%"]]
    assert "共 1 道错题；练习时答对即移出错题本。" in texts(at.caption)
    assert [e.label for e in at.expander] == ["盗窃（1 道）"]

    at.button(key="selftest_practise").click()
    at = check(at.run())
    assert at.query_params["by"] == "mistakes"
    assert at.segmented_control(key="selftest_by").value == "mistakes"
    assert drawn(at) == ["Q-E01"]
    at.radio(key="selftest_a_Q-E01").set_value("B")
    at.button(key="selftest_submit").click()
    at = check(at.run())
    assert "本次得分：1 / 1（已保存到账号“du”）" in texts(at.info)
    assert "错题本是空的：自测中答错的题会自动加入这里，练习时答对即移出。" in texts(at.caption)
    assert [(a.source, a.score, a.total) for a in history(env, "du")] == [
        ("错题本", 1, 1),
        ("学习路径：办案民警", 2, 3),
    ]
    questions = [q for q in _bank(env)]
    assert mistakes(env, "du", questions).mistakes == ()
    at.button(key="selftest_again").click()
    at = check(at.run())
    assert "错题本是空的：自测中答错的题会自动加入错题本。" in texts(at.info)


def _bank(settings):
    from kb.workflow.questionbank import check_questions, usable_questions

    return usable_questions(check_questions(settings))


def test_the_notebook_says_when_a_question_was_deleted_from_the_bank(env):
    write_quiz(env)
    bank = {q.id: q for q in _bank(env)}
    record_self_test(env, "du", "自测", [bank["Q-E01"], bank["Q-E02"]], ["A", "错误"])
    write_quiz(env, QUIZ.split("## Q-E02")[0] + "## Q-E03" + QUIZ.split("## Q-E03")[1])  # Q-E02 deleted
    at = go(logged_in("du"), "selftest")
    assert "共 1 道错题；练习时答对即移出错题本。另有 1 道错题已从题库删除或停用，未列出。" in texts(at.caption)


def test_a_category_quiz_draws_that_category(env):
    write_quiz(env)
    at = go(visitor(), "selftest", by="cat", cat="危险驾驶")
    assert at.selectbox(key="selftest_cat").options == ["盗窃", "危险驾驶", "殴打他人"]
    assert drawn(at) == ["Q-E02"]
    at.radio(key="selftest_a_Q-E02").set_value("错误")
    at.button(key="selftest_submit").click()
    at = check(at.run())
    assert "本次得分：0 / 1（登录后保存成绩和错题本）" in texts(at.info)
    assert "你的答案：错误　正确答案：**正确**" in texts(at.markdown)


def test_a_fill_in_question_has_one_box_per_blank(env):
    write_quiz(env)
    at = go(visitor(), "selftest", tier="法制员")
    assert sorted(drawn(at)) == ["Q-E03", "Q-E04"]
    assert [t.label for t in at.text_input if t.key.startswith("selftest_a_Q-E04")] == ["第 1 空", "第 2 空"]
    at.text_input(key="selftest_a_Q-E04_0").input("5")
    at.text_input(key="selftest_a_Q-E04_1").input("十")
    at.button(key="selftest_submit").click()
    at = check(at.run())
    assert "本次得分：1 / 2（登录后保存成绩和错题本）" in texts(at.info)
    assert "你的答案：5；十　正确答案：**五；十**" in texts(at.markdown)
    assert "你的答案：未作答　正确答案：**A、C**" in texts(at.markdown)


def test_the_learning_path_links_to_its_self_test(env):
    write_quiz(env)
    at = go(visitor(), "learning", tier="法制员")
    [link] = [p for p in at.page_link if p.proto.label == "本路径自测"]
    assert link.proto.page == "selftest"
    assert link.proto.query_string == "tier=%E6%B3%95%E5%88%B6%E5%91%98"


def test_with_no_bank_the_page_says_so(env):
    at = go(visitor(), "selftest")
    assert "题库中还没有可用的题目。法制大队在“题库”页编写并发布题目后即可自测。" in texts(at.info)
    assert not at.exception and not at.error


def test_the_questions_of_an_exam_in_play_are_not_drawn(env):
    from datetime import datetime, timedelta

    from kb.workflow.exams import create_exam

    write_quiz(env)
    now = datetime.now().astimezone()
    create_exam(
        env,
        "zhao",
        "比武",
        tier="办案民警",
        categories=["危险驾驶"],
        count=1,
        time_limit_minutes=30,
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(hours=2),
    )
    at = go(visitor(), "selftest")
    assert "正在进行的比武所用的 1 道题暂不出现在自测中，比武截止后恢复。" in texts(at.caption)
    assert sorted(drawn(at)) == ["Q-E01", "Q-E03"]  # Q-E02 (危险驾驶) is in the exam
    at = go(at, "selftest", by="cat")
    assert at.selectbox(key="selftest_cat").options == ["盗窃", "殴打他人"]
