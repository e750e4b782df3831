"""Quiz file versions: paths from what was typed, the file the database never saw as its baseline, old versions read
back, and backups that carry the quiz files with a restore keeping the text it replaces."""

from __future__ import annotations

import pytest

from kb.errors import PublishError
from kb.workflow.accounts import add_user
from kb.workflow.quizversions import live_text, quiz_history, quiz_path, quiz_paths_with_history, quiz_version_text

try:
    from tests.test_quizdrafts import PATH, env, live, quiz
except ImportError:  # tests/ is not a package: pytest put tests/ itself on sys.path
    from test_quizdrafts import PATH, env, live, quiz

__all__ = ["env"]  # the fixture: one bundled-style quiz file (version 3) and one account per role


@pytest.mark.parametrize(
    ("typed", "path"),
    [("盗窃", PATH), ("盗窃.md", PATH), ("quizzes/盗窃.md", PATH), ("quizzes\\治安\\殴打.md", "quizzes/治安/殴打.md")],
)
def test_a_quiz_path_is_read_from_what_was_typed(typed, path):
    assert quiz_path(typed) == path


@pytest.mark.parametrize("typed", ["../guides/G-1", "/etc/passwd", "", "quizzes/.hidden.md", "a:b"])
def test_a_quiz_path_outside_quizzes_is_refused(typed):
    with pytest.raises(PublishError) as caught:
        quiz_path(typed)
    assert str(caught.value) == (
        f"题库文件名“{typed}”不可用；应为 quizzes/ 下的 .md 文件，如 quizzes/盗窃.md（不能含“..”、以“.”开头或含特殊字符）"
    )


def test_a_file_the_database_never_saw_counts_its_version_as_the_baseline(env):
    only = quiz_history(env, PATH)
    assert [(v.version, v.action, v.at, v.text) for v in only] == [(3, "import", "", quiz())]
    assert only[0].label == "第 3 版 · 原有版本 · （未记录） · —"
    with pytest.raises(PublishError) as caught:
        quiz_version_text(env, PATH, 2)
    assert str(caught.value) == "quizzes/盗窃.md 没有第 2 版的记录"
    assert quiz_paths_with_history(env) == []


# -- backups -----------------------------------------------------------------------------------


def test_a_backup_carries_the_quiz_files_and_a_restore_keeps_the_text_it_replaces(env, content):
    from kb.workflow.archive import export_content
    from kb.workflow.restore import OVERWRITE, restore_content

    exported = export_content(env)
    assert [f.path for f in exported.manifest.files] == [PATH]
    content.write(PATH, quiz(stem="备份之后改过的题干？", version=5))
    add_user(env, "admin", "管理员", "password-admin")
    result = restore_content(env, "admin", exported.data, mode=OVERWRITE)
    assert result.overwritten == (PATH,)
    assert live(env) == quiz()
    assert [(v.version, v.action) for v in quiz_history(env, PATH)] == [(3, "import"), (5, "import")]
    assert quiz_version_text(env, PATH, 5) == quiz(stem="备份之后改过的题干？", version=5)


def test_a_quiz_file_not_in_utf8_is_named_without_an_english_error_name(env):
    (env.content_dir / PATH).write_bytes("题库".encode("gbk"))
    with pytest.raises(PublishError) as caught:
        live_text(env, PATH)
    assert str(caught.value) == (
        "quizzes/盗窃.md：文件不是 UTF-8 编码；请转换为 UTF-8 后再保存（记事本、WPS：另存为时选 UTF-8）"
    )
