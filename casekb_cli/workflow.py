"""`user`, `publish` and `audit`: accounts (with their unit and tier), publishing a file and the audit log."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from casekb_cli import zh
from casekb_cli.base import (
    EXIT_CONTENT,
    PROG,
    cli,
    content_error,
    content_option,
    echo_err,
    handles_errors,
    index_option,
    json_option,
    print_json,
    recover,
    settings_for,
)
from kb.errors import KBError
from kb.roles import DEFAULT_ROLE, ROLES

password_stdin_option = click.option(
    "--password-stdin", is_flag=True, help="从标准输入读取密码（一行），用于脚本；默认在终端提示输入"
)


def _password(from_stdin: bool, confirm: bool, prompt: str = "密码") -> str:
    """Read a password from stdin (one line) or a hidden prompt, asked twice when setting one."""
    import getpass

    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass(f"{prompt}：")
    if confirm and getpass.getpass(f"再次输入{prompt}：") != first:
        content_error("两次输入的密码不一致")
    return first


@cli.group(help="管理账号（读者 / 编辑 / 审核 / 管理员）；首个管理员也用它创建。")
def user() -> None:
    pass


@user.command(
    "add",
    help="新增账号。密码（至少 10 个字符，不能是常用密码）在终端输入两次，或用 --password-stdin 从标准输入读取；"
    "该用户首次登录网页后须先修改密码。",
)
@click.argument("name")
@click.option("--role", default=DEFAULT_ROLE, show_default=True, type=zh.Choice(list(ROLES)), help="角色")
@click.option("--unit", default="", help="所属单位（须为 data/units.yaml 中的单位，如 城关派出所）")
@click.option("--tier", default="", help="层级：单位负责人、法制员或办案民警（决定默认的学习路径）")
@password_stdin_option
@handles_errors
def user_add(name, role, unit, tier, password_stdin) -> None:
    from kb.workflow.accounts import add_user, check_tier, check_unit

    settings = settings_for()
    check_unit(settings, unit)  # before the password is asked for
    check_tier(settings, tier)
    password = _password(password_stdin, confirm=True)
    created = add_user(settings, name, role, password, must_change=True, unit=unit, tier=tier)
    placed = "，".join(v for v in (created.unit, created.tier) if v)
    click.echo(
        f"已新增用户“{created.name}”（{created.role}{'，' + placed if placed else ''}）；数据库：{settings.db_path}"
    )


def _placement_command(command: str, label: str, help_text: str) -> click.Command:
    """`user set-unit` / `user set-tier`: an account's unit or tier set, or cleared with an empty value."""

    @user.command(command, help=help_text)
    @click.argument("name")
    @click.argument("value", metavar=label)
    @handles_errors
    def place(name, value) -> None:
        from kb.workflow import accounts

        setter = accounts.set_unit if command == "set-unit" else accounts.set_tier
        setter(settings_for(), name, value)
        value = value.strip()
        click.echo(f"已把“{name}”的{label}设为{value}" if value else f"已清除“{name}”的{label}")

    return place


user_set_unit = _placement_command(
    "set-unit", "单位", '设置账号所属单位（须为 data/units.yaml 中列出的单位）；单位写 "" 则清除。记入审计日志。'
)
user_set_tier = _placement_command(
    "set-tier",
    "层级",
    '设置账号的层级（单位负责人、法制员、办案民警），学习路径默认显示该层级；层级写 "" 则清除。记入审计日志。',
)


@user.command(
    "passwd", help="重设账号的密码（同时清除该账号的登录失败计数、结束其全部登录）；该用户下次登录后须先修改密码。"
)
@click.argument("name")
@password_stdin_option
@handles_errors
def user_passwd(name, password_stdin) -> None:
    from kb.workflow.accounts import set_password

    set_password(settings_for(), name, _password(password_stdin, confirm=True, prompt="新密码"))
    click.echo(f"已修改用户“{name}”的密码；其登录已全部失效，下次登录后须修改密码")


def _switch_command(command: str, disabled: bool, help_text: str, done: str) -> click.Command:
    """`user disable` / `user enable`: one account stopped or allowed again, its records kept."""

    @user.command(command, help=help_text)
    @click.argument("name")
    @handles_errors
    def switch(name) -> None:
        from kb.workflow.accounts import set_disabled

        set_disabled(settings_for(), name, disabled)
        click.echo(f"{done}用户“{name}”")

    return switch


user_disable = _switch_command("disable", True, "停用账号：不能再登录或操作，记录保留。", "已停用")
user_enable = _switch_command("enable", False, "重新启用已停用的账号。", "已启用")


@user.command("list", help="列出全部账号。")
@json_option
@handles_errors
def user_list(as_json) -> None:
    from kb.workflow.accounts import list_users

    users = list_users(settings_for())
    if as_json:
        print_json({"users": [u.to_json() for u in users]})
        return
    if not users:
        click.echo(f"尚无账号；用 {PROG} user add 名字 --role 管理员 创建第一个管理员")
        return
    for u in users:
        state = "已停用" if u.disabled else "正常"
        last = u.last_login[:16].replace("T", " ") if u.last_login else "从未登录"
        must = "\t须修改密码" if u.must_change else ""
        placed = "".join(f"\t{label}：{value}" for label, value in (("单位", u.unit), ("层级", u.tier)) if value)
        click.echo(f"{u.name}\t{u.role}\t{state}\t最近登录：{last}{must}{placed}")


def _reviewer(settings, name: str, password_stdin: bool):
    """The account publishing: signed in, its own password set, with the 审核 role; raises AuthError otherwise."""
    from kb.errors import AuthError
    from kb.roles import REVIEW
    from kb.workflow.accounts import authenticate, require

    account = authenticate(settings, name, _password(password_stdin, confirm=False))
    if account.must_change:  # as in the app: a password the 管理员 chose is changed before anything else
        raise AuthError(
            f"“{account.name}”的密码由管理员设置，须先修改：请在网页“账号”页登录并设置自己的新密码，再用命令行发布"
        )
    require(settings, account, REVIEW)
    return account


def _catch_up(settings) -> None:
    """Settle an interrupted publish, and let the index catch up with what an earlier failure or crash left out."""
    from kb.search.index import repair_index

    recover(settings)
    try:
        repair_index(settings)
    except KBError as exc:
        echo_err(f"警告：索引未能补上之前遗漏的修改（{exc}）；请运行 {PROG} build")


@cli.command(
    help="发布一个 Markdown 文件（校验、版本号加一、原子写入、更新索引、记入审计日志）；须为“审核”角色。"
    "文件的 version 应为它所依据的已发布版本。"
)
@click.argument("file", metavar="文件", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--as", "as_user", required=True, help="以哪个账号发布（须为“审核”角色）")
@password_stdin_option
@click.option(
    "--force", is_flag=True, help="文件所依据的不是已发布的最新版本时仍然发布（覆盖其间的修改；记入审计日志）"
)
@content_option
@index_option
@handles_errors
def publish(file, as_user, password_stdin, force, content, index_dir) -> None:
    from kb.errors import StaleVersionError
    from kb.workflow.publish import publish_file

    settings = settings_for(content, index_dir)
    account = _reviewer(settings, as_user, password_stdin)
    _catch_up(settings)
    try:
        result = publish_file(settings, account, file, force=force)
    except StaleVersionError as exc:
        echo_err(f"错误：{exc}")
        echo_err(f"如确认要用此文件覆盖已发布的第 {exc.published} 版，请加 --force 重新发布（记入审计日志）")
        sys.exit(EXIT_CONTENT)
    click.echo(f"已发布 {result.doc_id} 第 {result.version} 版：{result.path}")
    for old in result.superseded:
        click.echo(f"  {old} 已标记为不再参照（superseded_by: {result.doc_id}）")
    if not result.indexed:
        content_error(result.warning)
    if result.warning:
        echo_err(f"警告：{result.warning}")


@cli.command(help="列出审计日志（谁在何时做了什么），最新的在前。")
@click.option("--limit", type=zh.IntRange(1, 100000), default=200, show_default=True, help="显示条数")
@click.option("--user", "actor", help="只看某个用户")
@click.option("--action", help="只看某种操作（如 publish、login_failed）")
@json_option
@handles_errors
def audit(limit, actor, action, as_json) -> None:
    from kb.workflow.audit import read_entries
    from kb.workflow.database import visible

    entries = read_entries(settings_for(), actor=actor, action=action, limit=limit)
    if as_json:
        print_json({"total": len(entries), "entries": [e.to_json() for e in entries]})
        return
    for e in entries:
        # what was typed at a failed login is shown escaped: no terminal control sequences
        who, target, detail = visible(e.actor or "-"), visible(e.target), visible(e.detail)
        click.echo(f"{e.at[:19].replace('T', ' ')}  {who}  {e.label}  {target}  {detail}".rstrip())
    click.echo(f"共 {len(entries)} 条")
