"""The CLI for accounts, publishing and the audit log: exit codes, Chinese messages, JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner
from conftest import guide_text as shared_guide_text
from locks import build_lock_held_elsewhere

from indexer import cli
from kb.errors import KBError
from kb.search.index import build_index
from kb.search.service import SearchService
from kb.settings import REPO_ROOT
from kb.workflow import audit
from kb.workflow.accounts import authenticate, get_user, set_password


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
def people(run, env):
    """Four accounts added at the command line, each of whom has since chosen their own password."""
    for name, role in (("admin", "管理员"), ("zhao", "审核"), ("lin", "编辑"), ("du", "读者")):
        result = run("user", "add", name, "--role", role, "--password-stdin", input=f"pw-{name}-0000\n")
        assert result.exit_code == 0, result.output
        set_password(env, name, f"pw-{name}-1234", actor=name, old_password=f"pw-{name}-0000")


def test_publish_refuses_a_password_the_admin_set_until_it_is_changed(run, env, tmp_path):
    assert run("user", "add", "qian", "--role", "审核", "--password-stdin", input="pw-qian-0000\n").exit_code == 0
    assert get_user(env, "qian").must_change
    (tmp_path / "x.md").write_text(guide_text("G-9"), encoding="utf-8")
    result = run("publish", str(tmp_path / "x.md"), "--as", "qian", "--password-stdin", input="pw-qian-0000\n")
    assert result.exit_code == 1
    assert result.output.strip() == (
        "错误：“qian”的密码由管理员设置，须先修改：请在网页“账号”页登录并设置自己的新密码，再用命令行发布"
    )


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
    assert short.output.strip() == "错误：密码太短；至少 10 个字符"
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
    result = run("publish", str(source), "--as", "zhao", "--password-stdin", input="pw-zhao-1234\n")
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
    result = run("publish", str(source), "--as", who, "--password-stdin", input=f"pw-{who}-1234\n")
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
    assert result.output.strip() == "错误：用户名或密码错误"


def test_publish_reports_every_validation_problem(run, env, people, tmp_path):
    source = tmp_path / "bad.md"
    source.write_text(guide_text("G-9").replace("category: 盗窃", "category: 盗抢") + "<script>x</script>\n")
    result = run("publish", str(source), "--as", "zhao", "--password-stdin", input="pw-zhao-1234\n")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].startswith("guides/G-9.md:4: category: 未知类别“盗抢”")
    assert lines[1].startswith("guides/G-9.md:17: 含有不允许的 HTML“<script>”")
    assert lines[-1] == "共 2 处错误，涉及 1 个文件"


def test_audit_lists_newest_first_and_as_json(run, env, people):
    text = run("audit", "--limit", "2").output.splitlines()
    assert text[0].split("  ")[1:4] == ["du", "修改密码", "du"]  # the fixture: du chose a password
    assert text[1].split("  ")[1:4] == ["命令行", "新增用户", "du"]
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
        input="pw-lin-1234\n",
        capture_output=True,
        text=True,
        env={**os.environ},
        timeout=120,
    )
    assert proc.returncode == 1
    assert "没有审核发布权限" in proc.stderr


def test_audit_shows_control_characters_typed_at_a_failed_login_as_escapes(run, env, people):
    typed = "zhao\x1b[2J\x1b[31m\u202e\r\n伪造的一行"
    with pytest.raises(KBError):
        authenticate(env, typed, "wrong-password")
    output = run("audit", "--action", "login_failed").output
    assert "\x1b" not in output and "\u202e" not in output and "\r" not in output
    assert output.splitlines()[0].split("  ")[1:] == [
        "zhao\\x1b[2J\\x1b[31m\\u202e\\r\\n伪造的一行",
        "登录失败",
        "zhao\\x1b[2J\\x1b[31m\\u202e\\r\\n伪造的一行",
        "用户不存在（连续第 1 次）",
    ]
    data = json.loads(run("audit", "--json", "--action", "login_failed").output)
    assert data["entries"][0]["actor"] == typed  # the JSON keeps the exact text, escaped by JSON itself


def publish_as_zhao(run, path, *extra):
    return run("publish", str(path), "--as", "zhao", "--password-stdin", *extra, input="pw-zhao-1234\n")


def edited_copy(env, path, words: str, version: int | None = None):
    """The published G-1 as a reviewer saved it to edit, with their change (and another `version:`)."""
    text = (env.content_dir / "guides/G-1.md").read_text(encoding="utf-8") + words
    if version is not None:
        text = text.replace("version: 1\n", f"version: {version}\n")
    path.write_text(text, encoding="utf-8")
    return path


STALE = (
    "错误：G-1 在此草稿创建后已发布了第 2 版（草稿基于第 1 版）；"
    "为免覆盖他人的修改，请退回作者，让其对照最新版本合并后重新提交"
)


def test_publish_refuses_a_file_edited_from_an_older_version_unless_forced(run, env, people, tmp_path):
    first = edited_copy(env, tmp_path / "first.md", "甲的修改。\n")
    second = edited_copy(env, tmp_path / "second.md", "乙的修改。\n")
    assert publish_as_zhao(run, first).exit_code == 0
    refused = publish_as_zhao(run, second)
    assert refused.exit_code == 1
    assert refused.output.splitlines() == [
        STALE,
        "如确认要用此文件覆盖已发布的第 2 版，请加 --force 重新发布（记入审计日志）",
    ]
    assert (env.content_dir / "guides/G-1.md").read_text(encoding="utf-8").endswith("甲的修改。\n")
    assert audit.read_entries(env, action="publish_failed")[0].detail == f"{second}：{STALE[3:]}"
    forced = publish_as_zhao(run, second, "--force")
    assert forced.exit_code == 0, forced.output
    assert forced.output.splitlines() == ["已发布 G-1 第 3 版：guides/G-1.md"]
    entry = audit.read_entries(env, action="publish")[0]
    assert entry.detail == "第 3 版，guides/G-1.md，草稿#2；强制发布：文件基于第 1 版，覆盖已发布的第 2 版"


def test_publish_refuses_a_version_that_was_never_published(run, env, people, tmp_path):
    result = publish_as_zhao(run, edited_copy(env, tmp_path / "G-1.md", "修改。\n", version=2))
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == (
        "错误：G-1 已发布的最新版本是第 1 版，文件中的 version 却是 2；version 应写所依据的已发布版本（发布时自动加一）"
    )


def test_concurrent_cli_publishes_from_the_same_version_never_revert_each_other(env, people, tmp_path):
    files = [edited_copy(env, tmp_path / f"{n}.md", f"第{n}位审核人的修改。\n") for n in range(4)]
    command = [sys.executable, str(REPO_ROOT / "indexer.py"), "publish", "--as", "zhao", "--password-stdin"]
    procs = [
        subprocess.Popen(
            [*command, str(path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ},
        )
        for path in files
    ]
    outputs = [proc.communicate("pw-zhao-1234\n", timeout=180) for proc in procs]
    codes = [proc.returncode for proc in procs]
    assert sorted(codes) == [0, 1, 1, 1], outputs
    winner = codes.index(0)
    for code, (_, err) in zip(codes, outputs, strict=True):
        if code:
            assert err.splitlines()[0] in (STALE, "错误：G-1 刚刚已由他人发布了新版本；请刷新后重试"), err
    text = (env.content_dir / "guides/G-1.md").read_text(encoding="utf-8")
    assert text.endswith(f"第{winner}位审核人的修改。\n") and "version: 2\n" in text
    assert [e.detail.split("，")[0] for e in audit.read_entries(env, action="publish")] == ["第 2 版"]


def test_publish_names_a_version_too_large_instead_of_an_overflow(run, env, people, tmp_path):
    source = tmp_path / "G-9.md"
    source.write_text(guide_text("G-9").replace("version: 1", "version: 99999999999999999999999"), encoding="utf-8")
    result = publish_as_zhao(run, source)
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "guides/G-9.md:12: version: 版本号过大，实际为 99999999999999999999999；应为不超过 999999999 的正整数",
        "共 1 处错误，涉及 1 个文件",
    ]
    revision = edited_copy(env, tmp_path / "G-1.md", "修改。\n")
    published = env.content_dir / "guides/G-1.md"  # then edited by hand
    published.write_text(
        published.read_text(encoding="utf-8").replace("version: 1", "version: 99999999999999999999999")
    )
    result = publish_as_zhao(run, revision)
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == (
        "guides/G-1.md:12: version: 版本号过大，实际为 99999999999999999999999；应为不超过 999999999 的正整数，"
        "请先改正已发布的文件"
    )


def test_a_publish_that_cannot_update_the_index_exits_1_and_the_next_build_repairs_it(
    run, env, people, tmp_path, monkeypatch
):
    with build_lock_held_elsewhere(env.index_dir) as holder:
        monkeypatch.setattr("kb.search.buildlock.LOCK_TIMEOUT", 0.2)
        source = tmp_path / "G-9.md"
        source.write_text(guide_text("G-9"), encoding="utf-8")
        result = publish_as_zhao(run, source)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0] == "已发布 G-9 第 1 版：guides/G-9.md"
    assert lines[1].startswith(f"错误：文件已发布，但检索索引未更新（另一个构建或发布正在写入索引（进程 {holder}，")
    assert lines[1].endswith("；已记下待修复，下次启动应用或运行 python indexer.py build 时自动补上")
    assert not SearchService(env).search('"第一时间调取监控"').hits
    build = run("build")
    assert build.exit_code == 0, build.output
    assert build.output.startswith("增量更新（补上索引遗漏的修改）完成：新增 1，更新 0，删除 0，未变 1；")
    assert [h.id for h in SearchService(env).search('"第一时间调取监控"').hits] == ["G-9"]


def test_build_first_settles_what_an_interrupted_publish_left(run, env):
    guide = env.content_dir / "guides/G-1.md"
    old = guide.read_text(encoding="utf-8")
    (env.content_dir / "guides/.G-1.md.1a2b3c4d.bak").write_text(old, encoding="utf-8")
    guide.write_text(old.replace("version: 1", "version: 2") + "未记入历史的修改。\n", encoding="utf-8")
    (env.content_dir / "guides/.G-7.md.0badf00d.tmp").write_text("staged", encoding="utf-8")
    result = run("build")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[:3] == [
        "启动恢复：guides/G-1.md 的新内容没有历史记录（发布未完成），已恢复为原文件",
        "启动恢复：删除中断的发布留下的临时文件 guides/.G-7.md.0badf00d.tmp",
        "增量更新（补上索引遗漏的修改）完成：新增 0，更新 0，删除 0，未变 1；法条 0 条；用时 "
        + result.output.splitlines()[2].rsplit("用时 ", 1)[1],
    ]
    assert guide.read_text(encoding="utf-8") == old
    assert [e.action for e in audit.read_entries(env, action="recover")] == ["recover", "recover"]
