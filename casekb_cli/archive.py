"""`export` and `restore`: the published content backed up as a zip with a manifest, and put back from one."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from casekb_cli.base import (
    EXIT_CONTENT,
    PROG,
    cli,
    content_error,
    content_option,
    echo_err,
    handles_errors,
    index_option,
    problem_lines,
    recover,
    settings_for,
    usage_error,
)
from casekb_cli.workflow import _password, password_stdin_option
from kb.errors import AuthError, ContentError, KBError


@cli.command(
    help="导出全部已发布文档为 zip 备份，用于备份或迁移到另一台服务器：guides/ 与 casebook/ 下的文件原样打包，"
    "附清单（文件列表与 SHA-256、导出时间、篇数、系统版本）。"
)
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="写到哪个 zip 文件（如 备份.zip；已有同名文件时覆盖）",
)
@content_option
@handles_errors
def export(out, content) -> None:
    from kb.files import write_atomic
    from kb.workflow.archive import export_content

    settings = settings_for(content)
    if not out.parent.is_dir():
        usage_error(f"目录不存在：{out.parent}")
    result = export_content(settings)
    write_atomic(out, result.data, mode=0o600)  # the content is the bureau's: readable by this user only
    click.echo(f"已导出 {result.manifest.count} 篇文档到 {out}（{len(result.data) // 1024} KB）")


def _administrator(settings, name: str, password_stdin: bool):
    """The account restoring: signed in with its own password (the role is checked by kb)."""
    from kb.workflow.accounts import authenticate

    account = authenticate(settings, name, _password(password_stdin, confirm=False))
    if account.must_change:  # as in the app: a password the 管理员 chose is changed before anything else
        raise AuthError(
            f"“{account.name}”的密码由管理员设置，须先修改：请在网页“账号”页登录并设置自己的新密码，再用命令行恢复"
        )
    return account


@cli.command(
    help="恢复用 export 导出的备份（须为“管理员”，记入审计日志）。先完整校验 zip（清单、SHA-256、路径、大小），"
    "有任何问题则一个文件也不写；内容目录已有文档时须加 --overwrite 或 --replace。恢复后更新索引。"
)
@click.argument("archive", metavar="备份文件", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--as", "as_user", required=True, help="以哪个账号恢复（须为“管理员”角色）")
@password_stdin_option
@click.option("--overwrite", is_flag=True, help="内容目录已有文档时，用备份覆盖同名文件（备份中没有的文件保留）")
@click.option("--replace", is_flag=True, help="内容目录已有文档时，用备份覆盖同名文件，并删除备份中没有的文件")
@content_option
@index_option
@handles_errors
def restore(archive, as_user, password_stdin, overwrite, replace, content, index_dir) -> None:
    from kb.workflow.archive import MAX_ARCHIVE_BYTES, ArchiveError
    from kb.workflow.restore import EMPTY_ONLY, OVERWRITE, REPLACE, NotEmptyError, restore_content

    if overwrite and replace:
        usage_error("--overwrite 与 --replace 只能选一个")
    mode = REPLACE if replace else OVERWRITE if overwrite else EMPTY_ONLY
    settings = settings_for(content, index_dir, new_content=True)
    account = _administrator(settings, as_user, password_stdin)
    recover(settings)
    if archive.stat().st_size > MAX_ARCHIVE_BYTES:
        content_error(f"{archive.name}: 文件过大（上限 {MAX_ARCHIVE_BYTES // 1024 // 1024} MB）")
    try:
        result = restore_content(settings, account, archive.read_bytes(), archive.name, mode)
    except ArchiveError as exc:
        for problem in exc.problems:
            echo_err(str(problem))
        echo_err(f"错误：{exc}")
        sys.exit(EXIT_CONTENT)
    except NotEmptyError as exc:
        content_error(
            f"内容目录 {settings.content_dir} 中已有 {exc.existing} 篇文档，未恢复任何文件；"
            "要用备份覆盖同名文件请加 --overwrite，要同时删除备份中没有的文件请加 --replace"
        )
    click.echo(result.summary)
    for rel in result.removed:
        click.echo(f"  已删除 {rel}")
    _update_index(settings)


def _update_index(settings) -> None:
    """Bring the index up to date with the restored files (exit 1 when it cannot be)."""
    from kb.search.index import current_dir, repair_index

    if current_dir(settings.index_dir) is None:
        click.echo(f"尚未建立索引；请运行 {PROG} build")
        return
    try:
        report = repair_index(settings)
    except ContentError as exc:
        for line in problem_lines(exc.problems):
            echo_err(line)
        content_error(f"文件已恢复，但恢复后的内容有错误，索引未更新；请改正后运行 {PROG} build")
    except KBError as exc:
        content_error(f"文件已恢复，但索引未能更新（{exc}）；请稍后运行 {PROG} build")
    if report is not None:
        click.echo(f"索引已更新：新增 {report.added}、更新 {report.updated}、删除 {report.deleted} 篇")
