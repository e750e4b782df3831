"""Quiz files edited as drafts: started from a file, saved as written (errors and all), submitted only without
errors in the file (or errors it brings into another), returned with a comment, discarded; who may do what."""

from __future__ import annotations

import pytest

from kb.errors import AuthError, ContentError, PublishError
from kb.workflow import audit
from kb.workflow.accounts import add_user
from kb.workflow.quizdrafts import (
    discard_quiz_draft,
    get_quiz_draft,
    list_quiz_drafts,
    quiz_template,
    return_quiz_draft,
    save_quiz_draft,
    start_quiz_draft,
    submit_quiz_draft,
)
from kb.workflow.quizpublish import publish_quiz_draft

QUIZ = """---
id: {bank}
title: 测试题库
category: 盗窃
tiers: [办案民警]
stage: [受案立案]
{version}---

## {qid}
题型：单选
出处：刑法第二百六十四条
题干：{stem}
A. 是
B. 否
答案：B
解析：刑法第二百六十四条把扒窃与数额较大并列。
"""
PATH = "quizzes/盗窃.md"


def quiz(
    bank: str = "QB-T1", qid: str = "Q-0001", stem: str = "扒窃入罪是否以数额较大为要件？", version: int | None = 3
):
    return QUIZ.format(bank=bank, qid=qid, stem=stem, version=f"version: {version}\n" if version else "")


@pytest.fixture
def env(content, settings):
    """One quiz file as bundled (version 3, never seen by the database) and one account per role."""
    content.write(PATH, quiz())
    for name, role in (("lin", "编辑"), ("wang", "编辑"), ("zhao", "审核"), ("du", "读者")):
        add_user(settings, name, role, "password-" + name)
    return settings


def live(env) -> str:
    return (env.content_dir / PATH).read_text(encoding="utf-8")


def submitted(env, text: str, path: str | None = PATH, who: str = "lin") -> int:
    draft = start_quiz_draft(env, who, path)
    save_quiz_draft(env, who, draft.id, text)
    return submit_quiz_draft(env, who, draft.id).id


def actions(env) -> list[tuple[str, str, str, str]]:
    """The audit entries after the accounts were added, oldest first."""
    return [
        (e.actor, e.action, e.target, e.detail) for e in reversed(audit.read_entries(env)) if e.action != "user_add"
    ]


# -- starting and saving -----------------------------------------------------------------------


def test_a_draft_of_a_file_starts_from_its_text_and_its_version(env):
    draft = start_quiz_draft(env, "lin", "盗窃")
    assert (draft.path, draft.base_version, draft.text, draft.state, draft.author) == (PATH, 3, quiz(), "草稿", "lin")
    assert draft.label == "#1 quizzes/盗窃.md（修订第 3 版）"
    assert actions(env) == [("lin", "quiz_draft", "题库草稿#1", "修订 quizzes/盗窃.md 第 3 版")]


def test_a_draft_with_errors_is_saved_as_written_and_the_file_is_not_touched(env):
    draft = start_quiz_draft(env, "lin", PATH)
    broken = quiz().replace("题型：单选", "题型：单选题").replace("\n", "\r\n")
    saved = save_quiz_draft(env, "lin", draft.id, broken)
    assert get_quiz_draft(env, "lin", draft.id).text == saved.text == broken.replace("\r\n", "\n")
    assert live(env) == quiz()
    assert actions(env)[-1] == ("lin", "quiz_save", "题库草稿#1", f"quizzes/盗窃.md，{len(saved.text)} 字")
    assert save_quiz_draft(env, "lin", draft.id, broken) == saved  # the same text again: nothing to record
    assert len(actions(env)) == 2


def test_only_the_author_or_a_reviewer_may_change_a_draft(env):
    draft = start_quiz_draft(env, "lin", PATH)
    with pytest.raises(PublishError) as caught:
        save_quiz_draft(env, "wang", draft.id, "别人的文本")
    assert str(caught.value) == (
        "题库草稿 #1 是“lin”的草稿，只有作者本人或审核人员可以修改；如需修改，请从题库文件新建自己的草稿"
    )
    assert actions(env)[-1] == ("wang", "denied", "题库草稿#1", "试图修改“lin”的题库草稿")
    assert save_quiz_draft(env, "zhao", draft.id, quiz(stem="审核人员改过的题干？")).text == quiz(
        stem="审核人员改过的题干？"
    )


def test_a_save_over_someone_elses_save_is_refused_and_overwrites_nothing(env):
    draft = start_quiz_draft(env, "lin", PATH)
    started = draft.text
    save_quiz_draft(env, "zhao", draft.id, quiz(stem="审核人员先保存的题干？"), started)
    with pytest.raises(PublishError) as caught:
        save_quiz_draft(env, "lin", draft.id, quiz(stem="作者后保存的题干？"), started)
    assert str(caught.value).startswith("题库草稿 #1 在你编辑期间已被保存过（")
    assert str(caught.value).endswith(
        "），为免覆盖，本次未保存；你的文本仍在编辑框中，请先复制，再重新打开草稿合并后保存"
    )
    assert get_quiz_draft(env, "lin", draft.id).text == quiz(stem="审核人员先保存的题干？")
    mine = save_quiz_draft(env, "lin", draft.id, quiz(stem="合并后的题干？"), quiz(stem="审核人员先保存的题干？"))
    assert mine.text == quiz(stem="合并后的题干？")


def test_readers_may_not_draft_and_editors_may_not_publish_or_return(env):
    with pytest.raises(AuthError) as caught:
        start_quiz_draft(env, "du", PATH)
    assert str(caught.value) == "用户“du”（读者）没有编写草稿权限；需要“编辑”或“审核”角色"
    draft_id = submitted(env, quiz(stem="改过的题干？"))
    for act in (lambda: publish_quiz_draft(env, "lin", draft_id), lambda: return_quiz_draft(env, "lin", draft_id, "x")):
        with pytest.raises(AuthError) as caught:
            act()
        assert str(caught.value) == "用户“lin”（编辑）没有审核发布权限；需要“审核”角色"
    assert live(env) == quiz()


# -- submitting and returning ------------------------------------------------------------------


def test_submit_is_refused_with_every_error_in_the_file_and_the_text_stays(env):
    draft = start_quiz_draft(env, "lin", PATH)
    broken = (
        quiz().replace("题型：单选", "题型：单选题").replace("解析：刑法第二百六十四条把扒窃与数额较大并列。\n", "")
    )
    save_quiz_draft(env, "lin", draft.id, broken)
    with pytest.raises(ContentError) as caught:
        submit_quiz_draft(env, "lin", draft.id)
    assert [str(p) for p in caught.value.problems] == [
        "quizzes/盗窃.md:11: 题型: 未知题型“单选题”；可选：单选、多选、判断、填空",
        "quizzes/盗窃.md:10: 解析: 缺少“解析”；写明答案的理由，引用法条原文或案例的办案要旨",
    ]
    after = get_quiz_draft(env, "lin", draft.id)
    assert (after.state, after.text) == ("草稿", broken)


def test_submit_is_refused_for_errors_the_draft_brings_into_another_file(env, content):
    content.write("quizzes/治安.md", quiz(bank="QB-T2", qid="Q-0002", stem="殴打他人的如何处罚？"))
    draft = start_quiz_draft(env, "lin", "quizzes/治安.md")
    save_quiz_draft(env, "lin", draft.id, quiz(bank="QB-T2", qid="Q-0001", stem="殴打他人的如何处罚？"))
    with pytest.raises(ContentError) as caught:
        submit_quiz_draft(env, "lin", draft.id)
    # 治安.md sorts before 盗窃.md, so the repeated id is reported in 盗窃.md, and the draft is what causes it
    assert [str(p) for p in caught.value.problems] == [
        "quizzes/盗窃.md:10: 题号“Q-0001”与 quizzes/治安.md:10 重复；请换一个题号"
    ]


def test_a_submitted_draft_cannot_be_saved_or_submitted_again(env):
    draft_id = submitted(env, quiz(stem="改过的题干？"))
    with pytest.raises(PublishError) as caught:
        save_quiz_draft(env, "lin", draft_id, "再改一次")
    assert str(caught.value) == (
        "题库草稿 #1 当前状态为“待审核”，不能再修改；你的文本仍在编辑框中。如需修改，请让审核人员退回。"
    )
    with pytest.raises(PublishError) as caught:
        submit_quiz_draft(env, "lin", draft_id)
    assert str(caught.value) == "题库草稿 #1 当前状态为“待审核”，不能提交题库审核；只有“草稿、已退回”状态的草稿可以"


def test_a_return_needs_a_comment_and_the_author_edits_and_submits_again(env):
    draft_id = submitted(env, quiz(stem="改过的题干？"))
    with pytest.raises(PublishError) as caught:
        return_quiz_draft(env, "zhao", draft_id, "  ")
    assert str(caught.value) == "退回时须填写修改意见"
    returned = return_quiz_draft(env, "zhao", draft_id, "题干再具体些")
    assert (returned.state, returned.comment) == ("已退回", "题干再具体些")
    assert [d.id for d in list_quiz_drafts(env, "lin", ["已退回"])] == [draft_id]
    save_quiz_draft(env, "lin", draft_id, quiz(stem="在公交车上扒窃价值八百元手机，是否构成盗窃罪？"))
    again = submit_quiz_draft(env, "lin", draft_id)
    assert (again.state, again.comment) == ("待审核", "")
    assert [a[:3] for a in actions(env)][-3:] == [
        ("zhao", "quiz_return", "题库草稿#1"),
        ("lin", "quiz_save", "题库草稿#1"),
        ("lin", "quiz_submit", "题库草稿#1"),
    ]
    assert actions(env)[-3][3] == "题干再具体些"


def test_a_draft_is_discarded_by_its_author_and_kept(env):
    draft = start_quiz_draft(env, "lin", PATH, quiz(stem="作废的草稿？"))
    assert discard_quiz_draft(env, "lin", draft.id).state == "已作废"
    assert list_quiz_drafts(env, "lin") == []
    assert get_quiz_draft(env, "lin", draft.id).text == quiz(stem="作废的草稿？")
    with pytest.raises(PublishError) as caught:
        publish_quiz_draft(env, "zhao", draft.id)
    assert str(caught.value) == "题库草稿 #1 当前状态为“已作废”；只有“待审核”的草稿可以发布"


def test_the_template_of_a_new_file_passes_once_its_placeholders_are_kept(env):
    draft = start_quiz_draft(env, "lin", "quizzes/新题库.md", quiz_template("QB-NEW", "新题库"))
    assert submit_quiz_draft(env, "lin", draft.id).state == "待审核"
