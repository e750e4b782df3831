"""`review-queue`: the documents waiting for the legal section's review, assigning them, recording 已复核."""

from __future__ import annotations

import click

from casekb_cli import zh
from casekb_cli.base import (
    PROG,
    cli,
    content_option,
    echo_err,
    handles_errors,
    json_option,
    laws_option,
    print_json,
    settings_for,
)
from casekb_cli.workflow import _password, password_stdin_option
from kb.workflow.reviewqueue import DECISION_NO_CHANGE, REASONS

reason_option = click.option("--reason", "kind", type=zh.Choice(list(REASONS)), help="只看（或只处理）这一种原因")
as_option = click.option("--as", "as_user", required=True, help="以哪个账号操作（须为“审核”或“管理员”角色）")


def _settings(content, laws):
    settings = settings_for(content, laws=laws)
    if settings.laws_dir is None:
        echo_err("提示：未设置法规库（--laws 或环境变量 KB_LAWS），只列出到期复核的文档")
    return settings


def _signed_in(settings, name: str, password_stdin: bool):
    """The account acting, signed in with its password and its own password set (as `publish`)."""
    from kb.errors import AuthError
    from kb.workflow.accounts import authenticate

    account = authenticate(settings, name, _password(password_stdin, confirm=False))
    if account.must_change:  # as in the app: a password the 管理员 chose is changed before anything else
        raise AuthError(
            f"“{account.name}”的密码由管理员设置，须先修改：请在网页“账号”页登录并设置自己的新密码，再用命令行操作"
        )
    return account


@cli.group(
    "review-queue",
    invoke_without_command=True,
    # click shortens a help text at a space for the command list; a Chinese sentence has none, leaving "..."
    short_help="待复核清单：法规修改、到期复核、引用条文已变动的现行文档；分配与记录复核结论。",
    help="待复核清单：法规修改涉及的、复核日期已到的、引用条文在印发后已变动的现行文档，各附原因。"
    "不带子命令时列出清单；assign 分配给审核人员，clear 记录“已复核，无需修改”。"
    "发布新版本或记录复核结论后，该原因即从清单中消失。",
)
@reason_option
@click.option("--assignee", help="只看分配给某个用户的")
@content_option
@laws_option
@json_option
@click.pass_context
@handles_errors
def review_queue(ctx, kind, assignee, content, laws, as_json) -> None:
    if ctx.invoked_subcommand is not None:
        ctx.obj = {"content": content, "laws": laws}
        return
    from kb.workflow.reviewqueue import review_queue as open_entries
    from kb.workflow.reviewqueue import select

    entries = select(open_entries(_settings(content, laws)), kind, assignee)
    if as_json:
        print_json({"total": len(entries), "entries": [e.to_json() for e in entries]})
        return
    if not entries:
        click.echo("没有待复核的文档")
        return
    for e in entries:
        r = e.reason
        click.echo(f"{r.doc_id}\t{r.kind}\t自 {r.since.isoformat()}\t{e.assignee or '未分配'}\t{r.title}")
        click.echo(f"\t{r.detail}")
    counts = "，".join(f"{k} {n}" for k in REASONS if (n := sum(e.reason.kind == k for e in entries)))
    click.echo(f"共 {len(entries)} 条待复核（{counts}）")


def _options(ctx, content, laws) -> tuple:
    """--content and --laws given to the subcommand, else to `review-queue` before it."""
    parent = ctx.obj or {}
    return content or parent.get("content"), laws or parent.get("laws")


@review_queue.command("assign", help="把一篇文档的待复核条目分配给一名审核人员（记入审计日志）。")
@click.argument("doc_id", metavar="文档编号")
@click.option("--to", "assignee", required=True, help="分配给哪个账号（须为“审核”角色）")
@as_option
@password_stdin_option
@reason_option
@content_option
@laws_option
@click.pass_context
@handles_errors
def assign(ctx, doc_id, assignee, as_user, password_stdin, kind, content, laws) -> None:
    from kb.workflow.reviewqueue import assign as assign_entries

    settings = _settings(*_options(ctx, content, laws))
    account = _signed_in(settings, as_user, password_stdin)
    entries = assign_entries(settings, account, doc_id, assignee, kind=kind)
    kinds = "、".join(dict.fromkeys(e.reason.kind for e in entries))
    click.echo(f"已将 {doc_id} 分配给 {assignee}：{kinds}")


@review_queue.command(
    "clear", help=f"记录“{DECISION_NO_CHANGE}”并写明复核意见，该文档的待复核条目即从清单中消失（记入审计日志）。"
)
@click.argument("doc_id", metavar="文档编号")
@click.option("--comment", required=True, help="复核意见（必填），如“已核对，案例按行为时的法律适用”")
@as_option
@password_stdin_option
@reason_option
@content_option
@laws_option
@click.pass_context
@handles_errors
def clear(ctx, doc_id, comment, as_user, password_stdin, kind, content, laws) -> None:
    from kb.workflow.reviewqueue import clear as clear_entries

    settings = _settings(*_options(ctx, content, laws))
    account = _signed_in(settings, as_user, password_stdin)
    cleared = clear_entries(settings, account, doc_id, comment, kind=kind)
    kinds = "、".join(dict.fromkeys(r.kind for r in cleared))
    click.echo(f"已记录 {doc_id}“{DECISION_NO_CHANGE}”：{kinds}")
    click.echo(f"查看记录：{PROG} audit --action review_clear")
