"""The 题库 page through AppTest: the files with their counts and problems, a draft saved and submitted (its
problems shown, its text kept), a reviewer's diff, publish and return, a new file from the template, history."""

from __future__ import annotations

from kb.workflow import audit
from kb.workflow.quizdrafts import get_quiz_draft, save_quiz_draft, start_quiz_draft, submit_quiz_draft
from kb.workflow.quizversions import quiz_history

try:
    from tests.test_app_publish import check, env, go, html_of, logged_in, texts
    from tests.test_quizdrafts import PATH, quiz
except ImportError:  # tests/ is not a package: pytest put tests/ itself on sys.path
    from test_app_publish import check, env, go, html_of, logged_in, texts
    from test_quizdrafts import PATH, quiz

__all__ = ["env"]  # the fixture: fresh content, index, database and one account per role

BAD = "quizzes/诈骗.md"


def with_quizzes(env) -> None:
    """A clean file as bundled (version 3) and one whose single question has an unknown type."""
    (env.content_dir / "quizzes").mkdir()
    (env.content_dir / PATH).write_text(quiz(), encoding="utf-8")
    bad = quiz(bank="QB-T2", qid="Q-0002", stem="冒充客服骗取钱财的如何认定？", version=None)
    (env.content_dir / BAD).write_text(bad.replace("题型：单选", "题型：问答"), encoding="utf-8")


def rows(at) -> list[dict]:
    return at.dataframe[0].value.to_dict("records")


def test_a_reader_is_told_the_page_needs_an_editor(env):
    at = go(logged_in("du"), "quizbank")
    assert texts(at.error) == ["当前用户“du”（读者）无权使用本页；需要“编辑”或“审核”角色。"]


def test_the_files_are_listed_with_their_counts_and_the_chosen_files_problems(env):
    with_quizzes(env)
    at = go(logged_in("lin"), "quizbank")
    listed = rows(at)
    assert [(r["文件"], r["题库名称"], r["版本"], r["题数"], r["单选"], r["办案民警"], r["错误"]) for r in listed] == [
        ("quizzes/盗窃.md", "测试题库", 3, 1, 1, 1, 0),
        ("quizzes/诈骗.md", "测试题库", 1, 0, 0, 0, 1),
    ]
    assert texts(at.success) == ["校验通过"]
    at.selectbox(key="quizbank_file").select(BAD)
    check(at.run())
    assert texts(at.error) == [
        "共 1 处错误，涉及 1 个文件；修改后才能提交：\n\n- `quizzes/诈骗.md:10: 题型: 未知题型“问答”；可选：单选、多选、判断、填空`"
    ]


def test_an_editor_saves_a_draft_and_a_submit_with_an_error_shows_it_and_keeps_the_text(env):
    with_quizzes(env)
    at = go(logged_in("lin"), "quizbank")
    at.button(key="quizbank_edit").click()
    check(at.run())
    assert texts(at.success)[0] == "已新建题库草稿 #1（`quizzes/盗窃.md`），请在“草稿”页签中编辑"
    assert at.selectbox(key="quizbank_draft").value == 1
    assert at.text_area(key="quizbank_text_1").value == quiz()
    at.text_area(key="quizbank_text_1").input(quiz(stem="改过的题干？"))
    at.button(key="quizbank_save_1").click()
    check(at.run())
    assert "已保存题库草稿 #1" in texts(at.success)
    assert get_quiz_draft(env, "lin", 1).text == quiz(stem="改过的题干？")
    broken = quiz(stem="改过的题干？").replace("答案：B", "答案：E")
    at.text_area(key="quizbank_text_1").input(broken)
    at.button(key="quizbank_submit_1").click()
    check(at.run())
    assert texts(at.error) == [
        "共 1 处错误，涉及 1 个文件；修改后才能提交：\n\n- `quizzes/盗窃.md:16: 答案: 答案“E”不在选项中；选项为 A、B`"
    ]
    draft = get_quiz_draft(env, "lin", 1)
    assert (draft.state, draft.text) == ("草稿", broken)  # refused, but the text is saved
    at.text_area(key="quizbank_text_1").input(quiz(stem="改过的题干？"))
    at.button(key="quizbank_submit_1").click()
    check(at.run())
    assert "题库草稿 #1 已提交审核" in texts(at.success)
    assert at.text_area(key="quizbank_text_1").disabled
    assert get_quiz_draft(env, "lin", 1).state == "待审核"


def test_a_reviewer_sees_the_changed_lines_and_publishes(env):
    with_quizzes(env)
    draft = start_quiz_draft(env, "lin", PATH, quiz(stem="在公交车上扒窃，是否以数额较大为要件？"))
    submit_quiz_draft(env, "lin", draft.id)
    at = go(logged_in("zhao"), "quizbank")
    assert "待审核（1）" in [t.label for t in at.tabs]
    assert "与已发布第 3 版对比" in [m.value.strip("*") for m in at.markdown]
    assert "新增 1 行，删除 1 行" in texts(at.caption)
    assert "<del>扒窃入罪是否以数额较大为要件？</del>" not in html_of(at)  # a line changed in place is shown inline
    assert "题干：<del>扒窃入罪</del><ins>在公交车上扒窃，</ins>是否以数额较大为要件？" in html_of(at)
    at.button(key="quizbank_publish").click()
    check(at.run())
    assert "已发布 `quizzes/盗窃.md` 第 4 版（1 道题）" in texts(at.success)
    assert (env.content_dir / PATH).read_text(encoding="utf-8") == quiz(
        stem="在公交车上扒窃，是否以数额较大为要件？", version=4
    )
    assert [(v.version, v.action) for v in quiz_history(env, PATH)] == [(3, "import"), (4, "publish")]
    at.selectbox(key="quizbank_hist_file").select(PATH)
    check(at.run())
    table = [r for r in (d.value.to_dict("records") for d in at.dataframe) if r and "操作" in r[0]][0]
    assert [(r["版本"], r["操作"], r["操作人"], r["草稿"]) for r in table] == [
        (3, "原有版本", "—", "—"),
        (4, "发布", "zhao", "#1"),
    ]
    assert at.selectbox(key=f"quizbank_hist_v_{PATH}").value == 4


def test_a_reviewer_returns_a_draft_only_with_a_comment(env):
    with_quizzes(env)
    draft = start_quiz_draft(env, "lin", PATH, quiz(stem="改过的题干？"))
    submit_quiz_draft(env, "lin", draft.id)
    at = go(logged_in("zhao"), "quizbank")
    at.button(key="quizbank_return").click()
    check(at.run())
    assert texts(at.error) == ["退回时须填写修改意见"]
    at.text_area(key="quizbank_comment").input("题干再具体些")
    at.button(key="quizbank_return").click()
    check(at.run())
    assert "题库草稿 #1 已退回给 lin" in texts(at.success)
    author = go(logged_in("lin"), "quizbank")
    assert texts(author.warning) == ["审核意见：题干再具体些"]
    assert [e.action for e in audit.read_entries(env, target="题库草稿#1")][:1] == ["quiz_return"]


def test_a_new_file_starts_from_the_template(env):
    with_quizzes(env)
    at = go(logged_in("lin"), "quizbank")
    at.text_input(key="quizbank_new_name").input("盗窃")
    at.text_input(key="quizbank_new_id").input("QB-DQ2")
    at.text_input(key="quizbank_new_title").input("盗窃题库（二）")
    submit_new(at)
    assert texts(at.error) == ["`quizzes/盗窃.md` 已存在；请在“题库文件”中选择它编辑。"]
    at.text_input(key="quizbank_new_name").input("盗窃二")
    submit_new(at)
    assert "已新建题库草稿 #1（`quizzes/盗窃二.md`），请在“草稿”页签中编辑" in texts(at.success)
    assert at.text_area(key="quizbank_text_1").value.startswith("---\nid: QB-DQ2\ntitle: 盗窃题库（二）\n")


def submit_new(at) -> None:
    next(b for b in at.button if b.label == "新建题库草稿").click()
    check(at.run())


def test_a_draft_saved_by_someone_else_meanwhile_can_be_loaded_after_a_refused_save(env):
    with_quizzes(env)
    start_quiz_draft(env, "lin", PATH)
    at = go(logged_in("lin"), "quizbank")
    assert at.text_area(key="quizbank_text_1").value == quiz()
    save_quiz_draft(env, "zhao", 1, quiz(stem="审核人员改过的题干？"))  # the reviewer, meanwhile
    at.text_area(key="quizbank_text_1").input(quiz(stem="作者改过的题干？"))
    at.button(key="quizbank_save_1").click()
    check(at.run())
    assert texts(at.error)[0].startswith("题库草稿 #1 在你编辑期间已被保存过（")
    assert texts(at.warning) == [
        "此草稿在你打开后已被他人保存过，编辑框中仍是你的文本，直接保存会被拒绝；"
        "请先复制你的修改，再载入已保存的版本，合并后保存。"
    ]
    assert at.text_area(key="quizbank_text_1").value == quiz(stem="作者改过的题干？")  # nothing lost
    at.button(key="quizbank_reload_1").click()
    check(at.run())
    assert at.text_area(key="quizbank_text_1").value == quiz(stem="审核人员改过的题干？")
    assert texts(at.warning) == []
    at.text_area(key="quizbank_text_1").input(quiz(stem="合并后的题干？"))
    at.button(key="quizbank_save_1").click()
    check(at.run())
    assert "已保存题库草稿 #1" in texts(at.success)
    assert get_quiz_draft(env, "lin", 1).text == quiz(stem="合并后的题干？")
