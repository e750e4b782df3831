"""The CLI for accounts, publishing and the audit log: exit codes, Chinese messages, JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner
from conftest import guide_text as shared_guide_text

from indexer import cli
from kb import audit
from kb.accounts import authenticate, get_user
from kb.index import build_index
from kb.search import SearchService
from kb.settings import REPO_ROOT


def guide_text(id: str, extra: str = "") -> str:
    return shared_guide_text(id, body="盗窃电动车案件应当第一时间调取监控。", extra=extra)


@pytest.fixture
def env(content, settings, monkeypatch):
    monkeypatch.setenv("KB_CONTENT", str(settings.content_dir))
    monkeypatch.setenv("KB_INDEX", str(settings.index_dir))
    monkeypatch.setenv("KB_DB", str(settings.db_path))
    content.guide("G-1", title="取保候审工作指引")
    build_index(settings)
    return settings


@pytest.fixture
def run(env):
    runner = CliRunner()

    def invoke(*args, input=None):
        return runner.invoke(cli, list(args), input=input, prog_name="python indexer.py")

    return invoke


@pytest.fixture
def people(run):
    for name, role in (("admin", "管理员"), ("zhao", "审核"), ("lin", "编辑"), ("du", "读者")):
        result = run("user", "add", name, "--role", role, "--password-stdin", input=f"pw-{name}-123\n")
        assert result.exit_code == 0, result.output


def test_user_add_with_password_stdin_creates_the_first_admin(run, env):
    result = run("user", "add", "管理员甲", "--role", "管理员", "--password-stdin", input="first-admin-pw\n")
    assert result.exit_code == 0
    assert result.output == f"已新增用户“管理员甲”（管理员）；数据库：{env.db_path}\n"
    assert authenticate(env, "管理员甲", "first-admin-pw").role == "管理员"
    entry = audit.read_entries(env, action="user_add")[0]
    assert (entry.actor, entry.target, entry.detail) == ("命令行", "管理员甲", "角色：管理员")


def test_user_add_prompts_twice_and_refuses_a_mismatch(run, env, monkeypatch):
    answers = iter(["password-one", "password-two"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    result = run("user", "add", "lin", "--role", "编辑")
    assert result.exit_code == 1
    assert "错误：两次输入的密码不一致" in result.output
    assert get_user(env, "lin") is None
    answers = iter(["password-one", "password-one"])
    assert run("user", "add", "lin", "--role", "编辑").exit_code == 0
    authenticate(env, "lin", "password-one")


def test_user_add_usage_and_content_errors(run, people):
    bad_role = run("user", "add", "x", "--role", "站长", "--password-stdin", input="password\n")
    assert bad_role.exit_code == 2
    assert "用法错误：选项 --role 的取值无效" in bad_role.output
    short = run("user", "add", "x", "--role", "编辑", "--password-stdin", input="short\n")
    assert short.exit_code == 1
    assert short.output.strip() == "错误：密码太短；至少 8 个字符"
    dup = run("user", "add", "zhao", "--role", "编辑", "--password-stdin", input="password-x\n")
    assert dup.exit_code == 1
    assert dup.output.strip() == "错误：用户“zhao”已存在；修改密码请用 user passwd"


def test_user_passwd_disable_enable_and_list(run, env, people):
    assert run("user", "passwd", "lin", "--password-stdin", input="new-password\n").exit_code == 0
    authenticate(env, "lin", "new-password")
    assert run("user", "disable", "lin").output == "已停用用户“lin”\n"
    listing = run("user", "list").output.splitlines()
    assert [line.split("\t")[:3] for line in listing] == [
        ["du", "读者", "正常"],
        ["lin", "编辑", "已停用"],
        ["zhao", "审核", "正常"],
        ["admin", "管理员", "正常"],
    ]
    data = json.loads(run("user", "list", "--json").output)
    assert {u["name"]: u["disabled"] for u in data["users"]}["lin"] is True
    assert "password_hash" not in run("user", "list", "--json").output
    assert run("user", "enable", "lin").exit_code == 0
    assert run("user", "passwd", "ghost", "--password-stdin", input="password-x\n").exit_code == 1


def test_publish_as_a_reviewer_writes_indexes_and_audits(run, env, people, tmp_path):
    source = tmp_path / "G-9.md"
    source.write_text(guide_text("G-9", extra="supersedes: [G-1]\n"), encoding="utf-8")
    result = run("publish", str(source), "--as", "zhao", "--password-stdin", input="pw-zhao-123\n")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "已发布 G-9 第 1 版：guides/G-9.md",
        "  G-1 已标记为不再参照（superseded_by: G-9）",
    ]
    assert "version: 1" in (env.content_dir / "guides/G-9.md").read_text(encoding="utf-8")
    assert [h.id for h in SearchService(env).search('"第一时间调取监控"').hits] == ["G-9"]
    assert [e.action for e in audit.read_entries(env, actor="zhao")][:3] == ["supersede", "publish", "submit"]


@pytest.mark.parametrize("who", ["lin", "du", "admin"])
def test_publish_by_anyone_but_a_reviewer_is_refused_with_exit_1(run, env, people, tmp_path, who):
    source = tmp_path / "G-9.md"
    source.write_text(guide_text("G-9"), encoding="utf-8")
    result = run("publish", str(source), "--as", who, "--password-stdin", input=f"pw-{who}-123\n")
    assert result.exit_code == 1
    assert result.output.strip().startswith(f"错误：用户“{who}”")
    assert "没有审核发布权限；需要“审核”角色" in result.output
    assert not (env.content_dir / "guides/G-9.md").exists()
    assert audit.read_entries(env, action="denied")[0].actor == who


def test_publish_with_a_wrong_password_is_refused(run, env, people, tmp_path):
    source = tmp_path / "G-9.md"
    source.write_text(guide_text("G-9"), encoding="utf-8")
    result = run("publish", str(source), "--as", "zhao", "--password-stdin", input="wrong-password\n")
    assert result.exit_code == 1
    assert result.output.strip() == "错误：用户名或密码错误；再错 4 次将锁定 15 分钟"


def test_publish_reports_every_validation_problem(run, env, people, tmp_path):
    source = tmp_path / "bad.md"
    source.write_text(guide_text("G-9").replace("category: 盗窃", "category: 盗抢") + "<script>x</script>\n")
    result = run("publish", str(source), "--as", "zhao", "--password-stdin", input="pw-zhao-123\n")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].startswith("guides/G-9.md:4: category: 未知类别“盗抢”")
    assert lines[1].startswith("guides/G-9.md:17: 含有不允许的 HTML“<script>”")
    assert lines[-1] == "共 2 处错误，涉及 1 个文件"


def test_audit_lists_newest_first_and_as_json(run, env, people):
    text = run("audit", "--limit", "2").output.splitlines()
    assert text[0].split("  ")[1:4] == ["命令行", "新增用户", "du"]
    assert text[-1] == "共 2 条"
    data = json.loads(run("audit", "--json", "--action", "user_add").output)
    assert data["total"] == 4
    assert [e["target"] for e in data["entries"]] == ["du", "lin", "zhao", "admin"]
    assert set(data["entries"][0]) == {"id", "at", "actor", "action", "label", "target", "detail"}


def test_the_entry_point_exits_1_for_a_non_reviewer(env, people, tmp_path):
    source = tmp_path / "G-9.md"
    source.write_text(guide_text("G-9"), encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, str(REPO_ROOT / "indexer.py"), "publish", str(source), "--as", "lin", "--password-stdin"],
        input="pw-lin-123\n",
        capture_output=True,
        text=True,
        env={**os.environ},
        timeout=120,
    )
    assert proc.returncode == 1
    assert "没有审核发布权限" in proc.stderr
