"""`import`: Word files (one, or a folder of them) as drafts for the editor, a line for each file."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from casekb_cli.base import (
    EXIT_CONTENT,
    EXIT_OK,
    cli,
    content_error,
    content_option,
    handles_errors,
    problem_lines,
    settings_for,
)
from casekb_cli.workflow import _password, password_stdin_option


def _editor(settings, name: str, password_stdin: bool):
    """The account importing: signed in (as for `publish`), its own password set, allowed to write drafts."""
    from kb.errors import AuthError
    from kb.roles import EDIT
    from kb.workflow.accounts import authenticate, require

    account = authenticate(settings, name, _password(password_stdin, confirm=False))
    if account.must_change:  # as in the app: a password the 管理员 chose is changed before anything else
        raise AuthError(
            f"“{account.name}”的密码由管理员设置，须先修改：请在网页“账号”页登录并设置自己的新密码，再用命令行导入"
        )
    return require(settings, account, EDIT)


@cli.command(
    "import",
    help="把 Word 文档（.docx）导入为草稿：标题、列表、表格、加粗和脚注转为 Markdown，"
    "并按正文拟出 front matter（标题、种类、类别、引用的法条、印发日期、案例章节）。"
    "可指定一个文件或一个文件夹（含子文件夹）；逐个报告 已导入 / 需修改 / 已拒绝，遇到坏文件不会中止。"
    "导入的只是草稿，须在网页“编写”页改正问题后提交审核。有文件未能导入时退出码为 1。",
)
@click.argument("source", metavar="文件或文件夹", type=click.Path(exists=True, path_type=Path))
@click.option("--as", "as_user", required=True, help="以哪个账号导入（须为“编辑”或以上角色）")
@password_stdin_option
@content_option
@handles_errors
def import_word(source, as_user, password_stdin, content) -> None:
    from kb.workflow.wordimport import IMPORTED, NEEDS_FIXING, REFUSED, import_paths, word_files

    settings = settings_for(content)
    account = _editor(settings, as_user, password_stdin)
    if source.is_dir():
        results = import_paths(settings, account, word_files(source), root=source)
    else:
        results = import_paths(settings, account, [source])
    if not results:
        content_error(f"文件夹“{source}”中没有文件可导入")
    for r in results:
        if r.draft is None:
            click.echo(f"{REFUSED}：{r.refused}")
            continue
        click.echo(f"{r.outcome}（草稿编号 {r.draft.id}）：{r.name}")
        if r.note:
            click.echo(f"  注意：{r.note}")
        for line in problem_lines(sorted(r.problems, key=lambda p: p.line)):
            click.echo(f"  {line}")
    counts = {k: sum(r.outcome == k for r in results) for k in (IMPORTED, NEEDS_FIXING, REFUSED)}
    click.echo(
        f"共 {len(results)} 个文件：导入 {counts[IMPORTED] + counts[NEEDS_FIXING]} 个"
        f"（其中需修改 {counts[NEEDS_FIXING]} 个），拒绝 {counts[REFUSED]} 个；"
        "草稿请在网页“编写”页打开，改正问题后提交审核"
    )
    sys.exit(EXIT_CONTENT if counts[REFUSED] else EXIT_OK)
