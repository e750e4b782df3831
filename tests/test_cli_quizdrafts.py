"""`quiz publish` and `quiz history`: a quiz file published from the command line (in place or from elsewhere),
its versions listed and read; exit codes 0, 1 and 2 and the Chinese output."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from indexer import cli
from kb.workflow import audit
from kb.workflow.accounts import add_user, set_password

try:
    from tests.test_quizdrafts import PATH, quiz
except ImportError:  # tests/ is not a package: pytest put tests/ itself on sys.path
    from test_quizdrafts import PATH, quiz


@pytest.fixture
def run(content, settings, monkeypatch):
    """The bundled-style quiz file (version 3), a reviewer and an editor who chose their own passwords."""
    monkeypatch.setenv("KB_CONTENT", str(settings.content_dir))
    monkeypatch.setenv("KB_INDEX", str(settings.index_dir))
    monkeypatch.setenv("KB_DB", str(settings.db_path))
    monkeypatch.delenv("KB_LAWS", raising=False)
    content.write(PATH, quiz())
    for name, role in (("zhao", "审核"), ("lin", "编辑")):
        add_user(settings, name, role, f"pw-{name}-0000", must_change=True)
        set_password(settings, name, f"pw-{name}-1234", actor=name, old_password=f"pw-{name}-0000")

    def invoke(*args, input=None):
        return CliRunner().invoke(cli, list(args), input=input, prog_name="python indexer.py")

    return invoke


def publish(run, file, who: str = "zhao"):
    return run("quiz", "publish", str(file), "--as", who, "--password-stdin", input=f"pw-{who}-1234\n")


def live(settings) -> str:
    return (settings.content_dir / PATH).read_text(encoding="utf-8")


def test_a_file_edited_in_place_is_published_with_its_version_bumped(run, settings):
    (settings.content_dir / PATH).write_text(quiz(stem="直接修改的题干？"), encoding="utf-8")
    result = publish(run, settings.content_dir / PATH)
    assert (result.exit_code, result.output) == (0, "已发布 quizzes/盗窃.md 第 4 版（1 道题）\n")
    assert live(settings) == quiz(stem="直接修改的题干？", version=4)
    entry = audit.read_entries(settings, action="quiz_publish")[0]
    assert (entry.actor, entry.target, entry.detail) == ("zhao", PATH, "第 4 版，题库草稿#1")
    history = run("quiz", "history", "盗窃")
    assert history.exit_code == 0
    lines = history.output.splitlines()
    assert len(lines) == 2 and lines[0].startswith("第 4 版\t发布\t") and lines[0].endswith("\tzhao\t题库草稿#1")
    assert lines[1] == "共 1 个版本"  # the text it replaced was never recorded: it is not made up


def test_a_file_from_elsewhere_replaces_the_one_in_quizzes_and_keeps_its_text(run, settings, tmp_path):
    (tmp_path / "盗窃.md").write_text(quiz(stem="别处修改的题干？"), encoding="utf-8")
    result = publish(run, tmp_path / "盗窃.md")
    assert (result.exit_code, result.output) == (0, "已发布 quizzes/盗窃.md 第 4 版（1 道题）\n")
    history = run("quiz", "history", PATH, "--json")
    rows = json.loads(history.output)["versions"]
    assert [(r["version"], r["action"], r["actor"], r["draft_id"]) for r in rows] == [
        (3, "import", "", None),
        (4, "publish", "zhao", 1),
    ]
    old = run("quiz", "history", PATH, "--version", "3")
    assert (old.exit_code, old.output) == (0, quiz())


def test_a_file_based_on_an_older_version_is_refused_with_exit_1(run, settings, tmp_path):
    (tmp_path / "盗窃.md").write_text(quiz(stem="旧稿？", version=2), encoding="utf-8")
    result = publish(run, tmp_path / "盗窃.md")
    assert result.exit_code == 1
    assert result.output == (
        "错误：quizzes/盗窃.md 在此草稿创建后已发布了第 3 版（草稿基于第 2 版）；"
        "为免覆盖他人的修改，请退回作者，让其对照最新版本合并后重新提交\n"
    )
    assert live(settings) == quiz()
    assert audit.read_entries(settings, action="quiz_publish_failed")[0].detail.endswith(
        "版本不符（文件第 2 版，已发布第 3 版）"
    )


def test_every_problem_is_listed_and_nothing_is_written(run, settings, tmp_path):
    bad = (
        quiz()
        .replace("答案：B", "答案：E")
        .replace("题干：扒窃", "题干：\n扒窃")
        .replace("出处：刑法第二百六十四条", "出处：第X")
    )
    (tmp_path / "盗窃.md").write_text(bad, encoding="utf-8")
    result = publish(run, tmp_path / "盗窃.md")
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "quizzes/盗窃.md:12: 出处: 无法识别的出处“第X”；应为指引或案例 id（如 G-2024-005）或法条（如 刑法第二百六十四条）",
        "quizzes/盗窃.md:17: 答案: 答案“E”不在选项中；选项为 A、B",
        "共 2 处错误，涉及 1 个文件",
    ]
    assert live(settings) == quiz()
    assert audit.read_entries(settings, action="quiz_draft") == []  # no draft left behind


def test_an_editor_may_not_publish(run, settings):
    result = publish(run, settings.content_dir / PATH, who="lin")
    assert (result.exit_code, result.output) == (1, "错误：用户“lin”（编辑）没有审核发布权限；需要“审核”角色\n")


def test_usage_errors_exit_2(run, settings, tmp_path):
    missing = run("quiz", "publish", str(tmp_path / "无.md"), "--as", "zhao")
    assert missing.exit_code == 2 and "文件" in missing.output
    bad_path = run("quiz", "history", "../guides/G-1")
    assert bad_path.exit_code == 2
    assert bad_path.output == (
        "用法错误：题库文件名“../guides/G-1”不可用；应为 quizzes/ 下的 .md 文件，如 quizzes/盗窃.md"
        "（不能含“..”、以“.”开头或含特殊字符）\n"
    )


def test_history_of_an_unknown_file_or_version_exits_1(run):
    unknown = run("quiz", "history", "不存在")
    assert (unknown.exit_code, unknown.output) == (1, "错误：quizzes/不存在.md 不存在，也没有版本记录\n")
    version = run("quiz", "history", PATH, "--version", "9")
    assert (version.exit_code, version.output) == (1, "错误：quizzes/盗窃.md 没有第 9 版的记录\n")
    listed = run("quiz", "history", PATH)
    assert listed.output.splitlines() == ["第 3 版\t原有版本\t（未记录）\t—", "共 1 个版本"]
