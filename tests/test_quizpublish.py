"""Publishing a quiz draft: the version bumped, the file written, both versions kept and audited; a new file named by
its bank id; a stale base refused; a failed write or check leaving the file, the draft and the history alone."""

from __future__ import annotations

import pytest

from kb.errors import ContentError, PublishError
from kb.workflow.filechange import FileChanges
from kb.workflow.quizdrafts import get_quiz_draft, start_quiz_draft, submit_quiz_draft
from kb.workflow.quizpublish import publish_quiz_draft
from kb.workflow.quizversions import StaleQuizError, quiz_history, quiz_paths_with_history, quiz_version_text

try:
    from tests.test_quizdrafts import PATH, actions, env, live, quiz, submitted
except ImportError:  # tests/ is not a package: pytest put tests/ itself on sys.path
    from test_quizdrafts import PATH, actions, env, live, quiz, submitted

__all__ = ["env"]  # the fixture: one bundled-style quiz file (version 3) and one account per role


# -- publishing --------------------------------------------------------------------------------


def test_publishing_bumps_the_version_writes_the_file_keeps_both_versions_and_audits(env):
    before = live(env)
    draft_id = submitted(env, quiz(stem="在公交车上扒窃，是否以数额较大为要件？"))
    result = publish_quiz_draft(env, "zhao", draft_id)
    assert (result.path, result.version, result.draft_id, result.questions) == (PATH, 4, draft_id, 1)
    assert live(env) == quiz(stem="在公交车上扒窃，是否以数额较大为要件？", version=4)
    history = quiz_history(env, PATH)
    assert [(v.version, v.action, v.actor, v.draft_id) for v in history] == [
        (3, "import", "", None),
        (4, "publish", "zhao", 1),
    ]
    assert history[1].label.startswith("第 4 版 · 发布 · ") and history[1].label.endswith(" · zhao")
    assert quiz_version_text(env, PATH, 3) == before  # the bundled text, kept as the baseline
    assert quiz_version_text(env, "盗窃", 4) == live(env)
    assert get_quiz_draft(env, "zhao", draft_id).state == "已发布"
    assert actions(env)[-1] == ("zhao", "quiz_publish", PATH, "第 4 版，题库草稿#1")
    assert quiz_paths_with_history(env) == [PATH]
    assert [p.name for p in env.content_dir.rglob(".*")] == []  # no temporaries left


def test_a_new_file_named_by_its_bank_id_starts_at_version_1(env):
    draft = start_quiz_draft(env, "lin", None, quiz(bank="QB-NEW", qid="Q-0100", stem="新题？", version=None))
    assert (draft.path, draft.target, draft.base_version) == ("", "quizzes/QB-NEW.md", 0)
    assert draft.label == "#1 quizzes/QB-NEW.md（新题库）"
    submit_quiz_draft(env, "lin", draft.id)
    result = publish_quiz_draft(env, "zhao", draft.id)
    assert (result.path, result.version) == ("quizzes/QB-NEW.md", 1)
    text = (env.content_dir / "quizzes/QB-NEW.md").read_text(encoding="utf-8")
    assert text == quiz(bank="QB-NEW", qid="Q-0100", stem="新题？", version=1)
    assert [(v.version, v.action) for v in quiz_history(env, "QB-NEW")] == [(1, "publish")]
    assert get_quiz_draft(env, "zhao", draft.id).path == "quizzes/QB-NEW.md"


def test_a_draft_based_on_an_older_version_is_refused_and_the_newer_file_stays(env):
    lin = submitted(env, quiz(stem="林的题干？"))
    wang = submitted(env, quiz(stem="王的题干？"), who="wang")
    publish_quiz_draft(env, "zhao", wang)
    newer = live(env)
    with pytest.raises(StaleQuizError) as caught:
        publish_quiz_draft(env, "zhao", lin)
    assert str(caught.value) == (
        "quizzes/盗窃.md 在此草稿创建后已发布了第 4 版（草稿基于第 3 版）；"
        "为免覆盖他人的修改，请退回作者，让其对照最新版本合并后重新提交"
    )
    assert live(env) == newer
    assert get_quiz_draft(env, "zhao", lin).state == "待审核"
    assert actions(env)[-1] == ("zhao", "quiz_publish_failed", PATH, f"题库草稿#1：{caught.value}")


def test_a_new_file_whose_name_was_taken_meanwhile_is_refused(env, content):
    draft_id = submitted(env, quiz(bank="QB-T9", qid="Q-0900", stem="新题？"), path="quizzes/新.md")
    content.write("quizzes/新.md", quiz(bank="QB-T8", qid="Q-0800", stem="别人的题？", version=2))
    with pytest.raises(StaleQuizError) as caught:
        publish_quiz_draft(env, "zhao", draft_id)
    assert str(caught.value) == (
        "quizzes/新.md 已存在（第 2 版）；新题库不能覆盖它：请退回作者，改为修订该文件，或换一个文件名"
    )


def test_a_publish_that_fails_writing_leaves_the_file_the_draft_and_the_history_as_they_were(env, monkeypatch):
    before = live(env)
    draft_id = submitted(env, quiz(stem="改过的题干？"))

    def put(self, target, staged):
        raise OSError(28, "磁盘已满")

    monkeypatch.setattr(FileChanges, "put", put)
    with pytest.raises(PublishError) as caught:
        publish_quiz_draft(env, "zhao", draft_id)
    assert str(caught.value) == (
        "写入 quizzes/盗窃.md 失败（磁盘已满）；原文件未改动，题库草稿 #1 仍在待审核队列中，可稍后重试"
    )
    assert live(env) == before
    assert get_quiz_draft(env, "zhao", draft_id).state == "待审核"
    assert [v.action for v in quiz_history(env, PATH)] == ["import"] and quiz_paths_with_history(env) == []
    assert actions(env)[-1][:3] == ("zhao", "quiz_publish_failed", PATH)
    assert [p.name for p in env.content_dir.rglob(".*")] == []


def test_a_publish_refused_by_the_check_leaves_the_file(env, content):
    draft_id = submitted(env, quiz(qid="Q-0005", stem="改过的题干？"))
    content.write("quizzes/治安.md", quiz(bank="QB-T2", qid="Q-0005", stem="另一题？"))  # written meanwhile
    with pytest.raises(ContentError) as caught:
        publish_quiz_draft(env, "zhao", draft_id)
    assert [str(p) for p in caught.value.problems] == [
        "quizzes/盗窃.md:10: 题号“Q-0005”与 quizzes/治安.md:10 重复；请换一个题号"
    ]
    assert live(env) == quiz()
    assert actions(env)[-1] == ("zhao", "quiz_publish_failed", PATH, "题库草稿#1 校验未通过：1 处问题")
