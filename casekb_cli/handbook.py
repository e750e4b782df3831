"""`handbook`: the chosen guides and cases printed as one PDF (执法宝典)."""

from __future__ import annotations

from pathlib import Path

import click

from casekb_cli.base import (
    cli,
    content_error,
    content_option,
    echo_err,
    handles_errors,
    laws_option,
    settings_for,
    usage_error,
)


@cli.command(
    help="把选定的指引和案例排成一本 PDF（封面、目录、每篇另起一页、引用法条附录）。"
    "不指定选择条件时收录全部现行的执法宝典和工具箱。"
    "例：python indexer.py handbook --out 执法宝典.pdf；python indexer.py handbook --path 法制员 --out 法制员.pdf"
)
@click.option("--kind", default="", help="种类，如 执法宝典、工具箱、办案指引（data/taxonomy.yaml 的 kinds）")
@click.option("--path", "path_name", default="", help="学习路径（层级名称），如 办案民警、法制员、单位负责人")
@click.option("--category", default="", help="类别，如 盗窃、执法规范")
@click.option(
    "--id", "ids", multiple=True, help="文档编号，可重复，按给出的顺序收录，如 --id G-2025-017 --id C-2022-041"
)
@click.option("--title", default="", help="封面标题，默认按选择条件命名（如“执法宝典”）")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="输出的 PDF 文件")
@content_option
@laws_option
@handles_errors
def handbook(kind, path_name, category, ids, title, out, content, laws) -> None:
    from kb.rendering.handbook import Selection, SelectionError, print_handbook

    if out.suffix.lower() != ".pdf":
        usage_error(f"--out 应为 .pdf 文件，当前为“{out}”")
    if not out.parent.is_dir():
        usage_error(f"输出目录不存在：{out.parent}")
    settings = settings_for(content, None, laws)
    selection = Selection(
        kind.strip(), path_name.strip(), category.strip(), tuple(i.strip() for i in ids), title.strip()
    )
    try:
        pdf = print_handbook(settings, selection)
    except SelectionError as exc:  # a kind, path, category or id that does not exist: the arguments are wrong
        usage_error(str(exc))
    if settings.laws_dir is None:
        echo_err("注意：未指定法规库（--laws DIR 或环境变量 KB_LAWS），附录只列出所引条文的名称，不含条文内容")
    try:
        out.write_bytes(pdf.data)
    except OSError as exc:
        content_error(f"无法写入 {out}（{exc.strerror or exc}）")
    click.echo(f"已生成 {out}：{pdf.pages} 页（{selection.cover_title()}）")
