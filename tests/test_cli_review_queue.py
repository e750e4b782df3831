"""`review-queue` on the command line: the list and its JSON, assign, clear; exit codes and Chinese lines."""

from __future__ import annotations

import json
from datetime import date

import pytest
from click.testing import CliRunner

from indexer import cli
from kb.workflow import audit
from kb.workflow.accounts import add_user

LAW_CHANGE = (
    "治安管理处罚法第四十三条：现行指引仍按2012年版引用第四十三条；2025年版已于2026-01-01施行，"
    "该条现为第五十一条且内容已修改，请核对新条文后改引"
)
CHANGED = "治安管理处罚法第四十三条（2012-10-26 版）在现行版本（2025-06-27 版，2026-01-01 施行）中已变动：相应内容现为第五十一条"
NO_LAWS = "提示：未设置法规库（--laws 或环境变量 KB_LAWS），只列出到期复核的文档"


def overdue() -> str:
    return f"复核日期 2025-02-01，已逾期 {(date.today() - date(2025, 2, 1)).days} 天"


@pytest.fixture
def env(content, settings, monkeypatch, laws_dir):
    """G-1 due for review, G-3 (a guide in force) and C-1 (a 2023 case) citing the 2012 第四十三条; four accounts."""
    monkeypatch.setenv("KB_CONTENT", str(settings.content_dir))
    monkeypatch.setenv("KB_INDEX", str(settings.index_dir))
    monkeypatch.setenv("KB_DB", str(settings.db_path))
    monkeypatch.setenv("KB_LAWS", str(laws_dir))
    content.guide("G-1", title="取保候审工作指引", extra="review_by: 2025-02-01\n")
    content.guide("G-3", title="殴打他人案件办理指引", laws="治安管理处罚法第四十三条")
    content.case(
        "C-1",
        title="李某殴打他人案",
        category="殴打他人",
        case_type="行政",
        charges="殴打他人",
        laws="治安管理处罚法第四十三条",
        law_text="依照治安管理处罚法第四十三条处罚。",
    )
    for name, role in (("admin", "管理员"), ("zhao", "审核"), ("qian", "审核"), ("lin", "编辑")):
        add_user(settings, name, role, f"pw-{name}-1234")  # a password of their own: no change asked
    return settings


@pytest.fixture
def run(env):
    runner = CliRunner()

    def invoke(*args, input=None):
        return runner.invoke(cli, list(args), input=input, prog_name="python indexer.py")

    return invoke


def as_user(name: str) -> tuple[str, ...]:
    return ("--as", name, "--password-stdin")


def test_the_list_shows_each_entry_with_its_reason(run):
    result = run("review-queue")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "G-1\t到期复核\t自 2025-02-01\t未分配\t取保候审工作指引",
        f"\t{overdue()}",
        "C-1\t引用条文已变动\t自 2026-01-01\t未分配\t李某殴打他人案",
        f"\t{CHANGED}",
        "G-3\t法规修改\t自 2026-01-01\t未分配\t殴打他人案件办理指引",
        f"\t{LAW_CHANGE}",
        "共 3 条待复核（法规修改 1，到期复核 1，引用条文已变动 1）",
    ]


def test_the_list_as_json_and_filtered(run):
    data = json.loads(run("review-queue", "--json").output)
    assert data["total"] == 3
    assert data["entries"][2] == {
        "id": "G-3",
        "title": "殴打他人案件办理指引",
        "path": "guides/G-3.md",
        "reason": "法规修改",
        "detail": LAW_CHANGE,
        "since": "2026-01-01",
        "key": "法规修改:治安管理处罚法@2025-06-27:治安管理处罚法:43",
        "assignee": "",
        "state": "待分配",
    }
    assert run("review-queue", "--reason", "到期复核").output.splitlines()[-1] == "共 1 条待复核（到期复核 1）"
    assert run("review-queue", "--assignee", "zhao").output == "没有待复核的文档\n"


def test_without_a_statute_library_only_review_dates_are_listed(run, monkeypatch):
    monkeypatch.delenv("KB_LAWS")
    result = run("review-queue")
    assert result.exit_code == 0
    assert result.output.splitlines() == [
        NO_LAWS,
        "G-1\t到期复核\t自 2025-02-01\t未分配\t取保候审工作指引",
        f"\t{overdue()}",
        "共 1 条待复核（到期复核 1）",
    ]


def test_assign_signs_in_assigns_and_audits(run, env):
    result = run("review-queue", "assign", "G-3", "--to", "qian", *as_user("admin"), input="pw-admin-1234\n")
    assert result.exit_code == 0, result.output
    assert result.output == "已将 G-3 分配给 qian：法规修改\n"
    assert "G-3\t法规修改\t自 2026-01-01\tqian\t殴打他人案件办理指引" in run("review-queue").output.splitlines()
    assert run("review-queue", "--assignee", "qian").output.splitlines()[-1] == "共 1 条待复核（法规修改 1）"
    entry = audit.read_entries(env, action="review_assign")[0]
    assert (entry.actor, entry.target, entry.detail) == ("admin", "G-3", "分配给 qian：法规修改")


@pytest.mark.parametrize(
    ("args", "password", "message"),
    [
        (
            ("G-3", "--to", "lin", *as_user("zhao")),
            "pw-zhao-1234",
            "错误：用户“lin”不是可用的“审核”账号（编辑）；只能分配给审核人员：qian、zhao",
        ),
        (
            ("G-3", "--to", "zhao", *as_user("lin")),
            "pw-lin-1234",
            "错误：用户“lin”（编辑）不能分配或复核待复核文档；需要“审核”或“管理员”角色",
        ),
        (("G-3", "--to", "zhao", *as_user("zhao")), "wrong-password", "错误：用户名或密码错误"),
        (("G-9", "--to", "zhao", *as_user("zhao")), "pw-zhao-1234", "错误：G-9 不在待复核清单中；请刷新后重试"),
    ],
)
def test_assign_refusals_exit_1_with_the_reason(run, args, password, message):
    result = run("review-queue", "assign", *args, input=password + "\n")
    assert result.exit_code == 1
    assert result.output.strip() == message


def test_clear_records_the_decision_and_the_entry_leaves(run, env):
    result = run(
        "review-queue", "clear", "C-1", "--comment", "案例按行为时的2012年版适用，无需修改", *as_user("zhao"),
        input="pw-zhao-1234\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "已记录 C-1“已复核，无需修改”：引用条文已变动",
        "查看记录：python indexer.py audit --action review_clear",
    ]
    assert [line.split("\t")[0] for line in run("review-queue").output.splitlines()[:-1:2]] == ["G-1", "G-3"]
    entry = audit.read_entries(env, action="review_clear")[0]
    assert (entry.actor, entry.target, entry.detail) == (
        "zhao",
        "C-1",
        f"引用条文已变动（{CHANGED}）；复核意见：案例按行为时的2012年版适用，无需修改",
    )
    logged = run("audit", "--action", "review_clear").output.splitlines()[0]
    assert logged.endswith(
        f"zhao  已复核，无需修改  C-1  引用条文已变动（{CHANGED}）；复核意见：案例按行为时的2012年版适用，无需修改"
    )


def test_clear_needs_a_comment(run):
    missing = run("review-queue", "clear", "C-1", *as_user("zhao"), input="pw-zhao-1234\n")
    assert missing.exit_code == 2
    assert missing.output.splitlines()[0] == "用法错误：缺少选项 --comment"
    blank = run("review-queue", "clear", "C-1", "--comment", " ", *as_user("zhao"), input="pw-zhao-1234\n")
    assert blank.exit_code == 1
    assert blank.output.strip() == "错误：记录“已复核，无需修改”须填写复核意见"


def test_the_command_list_says_what_review_queue_is(run):
    [line] = [line for line in run("--help").output.splitlines() if line.strip().startswith("review-queue")]
    assert line.split(maxsplit=1)[1] == "待复核清单：法规修改、到期复核、引用条文已变动的现行文档；分配与记录复核结论。"


def test_a_reason_that_is_not_one_of_the_three_is_a_usage_error(run):
    result = run("review-queue", "--reason", "过期")
    assert result.exit_code == 2
    assert result.output.splitlines()[0] == (
        "用法错误：选项 --reason 的取值无效：“过期”不在可选值中；可选：法规修改、到期复核、引用条文已变动"
    )
