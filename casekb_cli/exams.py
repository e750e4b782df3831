"""`quiz exam-create`, `quiz exams`, `quiz ranking`, `quiz export-results`: the 法制业务比武 from the command line."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from casekb_cli import zh
from casekb_cli.base import (
    content_error,
    content_option,
    handles_errors,
    json_option,
    laws_option,
    print_json,
    settings_for,
    usage_error,
)
from casekb_cli.quiz import quiz
from casekb_cli.review import _signed_in
from casekb_cli.workflow import password_stdin_option

TIME_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S")
EXPORTS = (".xlsx", ".csv")


class Moment(click.ParamType):
    """A local date and time written as 2026-12-10 09:00."""

    name = "时间"

    def convert(self, value, param, ctx) -> datetime:
        if isinstance(value, datetime):
            return value
        for form in TIME_FORMATS:
            try:
                return datetime.strptime(str(value).strip(), form)
            except ValueError:
                continue
        self.fail(f"“{value}”不是时间；写成 2026-12-10 09:00 的形式", param, ctx)


exam_id_argument = click.argument("exam_id", metavar="比武编号", type=zh.IntRange(min=1))
by_option = click.option(
    "--by", "by", type=zh.Choice(["人员", "单位"]), default="人员", help="按人员（默认）或按单位排名"
)


@quiz.command(
    name="exam-create",
    short_help="组织比武：按层级、类别从题库抽题，设定题量、时限与开放时间（审核或管理员）。",
    help="组织一场比武：从题库中可用的题目里按层级、类别随机抽题（抽出的题目随比武保存，此后修改题库不影响本场），"
    "设定答题时限和开放时间。须以“审核”或“管理员”账号操作，记入审计日志。",
)
@click.option("--title", required=True, help="比武名称，如“2026年度法制业务比武（办案民警）”")
@click.option("--tier", default="", help="面向的层级（单位负责人、法制员、办案民警）；不写则不限层级")
@click.option("--category", "categories", multiple=True, help="只从这些类别出题（可写多次）；不写则不限类别")
@click.option("--count", type=zh.IntRange(min=1), required=True, help="题量（道）")
@click.option("--minutes", type=zh.IntRange(min=1), required=True, help="答题时限（分钟）")
@click.option("--opens", type=Moment(), required=True, help="开始时间，如“2026-12-10 09:00”")
@click.option("--closes", type=Moment(), required=True, help="截止时间，如“2026-12-10 18:00”")
@click.option("--seed", type=int, help="随机抽题的种子（同一种子、同一题库抽出同样的题）")
@click.option("--as", "as_user", required=True, help="以哪个账号组织（须为“审核”或“管理员”角色）")
@password_stdin_option
@content_option
@laws_option
@json_option
@handles_errors
def exam_create(
    title, tier, categories, count, minutes, opens, closes, seed, as_user, password_stdin, content, laws, as_json
) -> None:
    from kb.workflow.exams import create_exam, shown

    settings = settings_for(content, None, laws)
    account = _signed_in(settings, as_user, password_stdin)
    exam = create_exam(
        settings,
        account,
        title,
        tier=tier,
        categories=categories,
        count=count,
        time_limit_minutes=minutes,
        opens_at=opens,
        closes_at=closes,
        seed=seed,
    )
    if as_json:
        print_json(exam.to_json())
        return
    click.echo(
        f"已创建比武 {exam.id}“{exam.title}”：{len(exam.questions)} 道题，限时 {exam.time_limit_minutes} 分钟，"
        f"{shown(exam.opens_at)} 至 {shown(exam.closes_at)}，层级：{exam.tier or '不限'}"
    )


@quiz.command(name="exams", help="列出全部比武（最近的在前）：编号、名称、层级、题量、时限、开放时间、状态。")
@json_option
@handles_errors
def list_exams(as_json) -> None:
    from kb.workflow.exams import list_exams as every_exam
    from kb.workflow.exams import shown

    exams = every_exam(settings_for())
    if as_json:
        print_json({"exams": [e.to_json() for e in exams]})
        return
    if not exams:
        click.echo("还没有比武；用 quiz exam-create 组织一场")
        return
    now = datetime.now().astimezone()
    for e in exams:
        click.echo(
            f"{e.id}\t{e.title}\t{e.tier or '不限层级'}\t{len(e.questions)} 道题\t限时 {e.time_limit_minutes} 分钟\t"
            f"{shown(e.opens_at)} 至 {shown(e.closes_at)}\t{e.state(now)}"
        )


@quiz.command(name="ranking", help="比武成绩排名：按人员（得分高者在前，同分用时短者在前）或按单位（平均分）。")
@exam_id_argument
@by_option
@json_option
@handles_errors
def ranking(exam_id, by, as_json) -> None:
    from kb.workflow.rankings import duration, exam_results

    results = exam_results(settings_for(), exam_id)
    if as_json:
        rows = results.units if by == "单位" else results.people
        key = "unit" if by == "单位" else "person"
        print_json({"exam": results.exam.to_json(), key: [r.to_json() for r in rows], "answering": results.answering})
        return
    click.echo(f"比武 {results.exam.id}“{results.exam.title}”")
    if not results.people:
        click.echo("还没有人交卷")
    elif by == "单位":
        for u in results.units:
            click.echo(
                f"{u.rank}\t{u.unit}\t{u.people} 人\t平均 {u.average:g} 分\t最高 {u.highest} 分\t最低 {u.lowest} 分"
            )
    else:
        for p in results.people:
            click.echo(
                f"{p.rank}\t{p.name}\t{p.unit}\t{p.tier or '未设置层级'}\t{p.score} / {p.total}\t"
                f"用时 {duration(p.seconds)}\t{p.status}"
            )
    if results.answering:
        click.echo(f"另有 {results.answering} 人正在答题，交卷后计入排名")


@quiz.command(
    name="export-results",
    short_help="导出比武成绩到 Excel（.xlsx，个人排名与单位排名两张表）或 CSV。",
    help="导出比武成绩：.xlsx 含“个人排名”“单位排名”两张表；.csv 为一张表（--by 单位 为单位排名），UTF-8 编码，Excel 可直接打开。",
)
@exam_id_argument
@click.option(
    "--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="输出文件（.xlsx 或 .csv）"
)
@by_option
@handles_errors
def export_results(exam_id, out: Path, by) -> None:
    from kb.rendering.workbook import results_csv, results_xlsx
    from kb.workflow.rankings import exam_results

    suffix = out.suffix.lower()
    if suffix not in EXPORTS:
        usage_error(f"--out 的扩展名应为 {' 或 '.join(EXPORTS)}，实际为“{out.suffix or '无扩展名'}”")
    results = exam_results(settings_for(), exam_id)
    data = results_xlsx(results) if suffix == ".xlsx" else results_csv(results, by_unit=by == "单位")
    try:
        out.write_bytes(data)
    except OSError as exc:
        content_error(f"无法写入“{out}”：{exc.strerror or exc}")
    click.echo(f"已导出比武 {exam_id} 的成绩（{len(results.people)} 人）到 {out}")
