"""`search`, `similar`, `stats` and `law`: reading the index and the statute library."""

from __future__ import annotations

import html
from pathlib import Path

import click

from casekb_cli import zh
from casekb_cli.base import (
    PROG,
    cli,
    content_error,
    handles_errors,
    index_option,
    json_option,
    laws_option,
    print_json,
    settings_for,
    usage_error,
)
from kb.content.vocabulary import STATUS_CURRENT, TYPE_KEYS, TYPE_LAW, facet, type_label

# The facets `stats` counts, in the order it prints them.
STATS_FACETS = ("type", "category", "year", "status", "case_type")


def _service(index_dir, laws=None):
    from kb.errors import IndexMissingError
    from kb.search.service import SearchService

    settings = settings_for(None, index_dir, laws)
    service = SearchService(settings)
    if not service.exists():
        raise IndexMissingError(f"索引不存在：{settings.index_dir}；请先运行 {PROG} build")
    return service


def _terminal(snippet: str) -> str:
    """A highlighted snippet for a terminal: 【marked】 words, entities decoded, on one line."""
    text = html.unescape(snippet.replace("<mark>", "【").replace("</mark>", "】"))
    return " ".join(text.split())


@cli.command(
    help="检索。按口语、问句和错别字理解检索词，包含全部词语的排在前面；"
    '使用 OR、-排除、"短语"、标题: 类别: 等字段前缀时按检索语法严格检索；可直接输入法条引用。'
)
@click.argument("query")
@index_option
@click.option("--type", "doc_type", type=zh.Choice(list(TYPE_KEYS)), help="只看某类文档")
@click.option("--category", help="只看某个类别")
@click.option("--limit", type=zh.IntRange(1, 100), default=10, show_default=True, help="显示条数")
@click.option("--all", "include_superseded", is_flag=True, help="包括不再参照的文档和已失效的法条")
@click.option("--literal", is_flag=True, help="按原词检索：不作口语转换和错别字纠正")
@json_option
@handles_errors
def search(query, index_dir, doc_type, category, limit, include_superseded, literal, as_json) -> None:
    filters = {"type": doc_type, "category": category}
    options = {"per_page": limit, "include_superseded": include_superseded, "literal": literal}
    results = _service(index_dir).search(query, filters, **options)
    if as_json:
        print_json(results.to_json())
        return
    if results.notice:
        click.echo(results.notice)
    for line in results.explanation():
        click.echo(line)
    click.echo(f"共 {results.total} 条结果（{results.took_ms:.1f} 毫秒）")
    for n, hit in enumerate(results.hits, 1):
        flag = "" if hit.status == STATUS_CURRENT else f"〔{hit.status}〕"
        where = hit.id.split("@", 1)[0] if hit.type == TYPE_LAW else hit.category
        click.echo(f"{n:>2}. [{type_label(hit.type)}·{where}] {hit.title}{flag}  {hit.id}")
        click.echo(f"    {_terminal(hit.snippet)}")
        if hit.missing:
            click.echo(f"    缺少：{'、'.join(hit.missing)}")


def _case_text(file_: Path) -> str:
    """The case description in a UTF-8 file; exit 1 for another encoding."""
    try:
        return file_.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        content_error(f"{file_} 不是 UTF-8 编码；请转换后重试")


def _why(hit) -> str:
    """What a similar document shares with the case: charges, cited articles, elements."""
    why = []
    if hit.shared_charges:
        why.append("同罪名：" + "、".join(hit.shared_charges))
    if hit.shared_laws:
        why.append("同引法条：" + "、".join(hit.shared_laws))
    if hit.shared_terms:
        why.append("共同要素：" + "、".join(hit.shared_terms[:5]))
    return "；".join(why)


@cli.command(help="类案检索：粘贴案情（--text）、指定文件（--file）或文档 id（--id），返回相似案例、适用指引和法条。")
@click.option("--text", help="案情描述")
@click.option(
    "--file",
    "file_",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="含案情描述的文本文件（UTF-8）",
)
@click.option("--id", "doc_id", help="以库中某篇文档为样本")
@index_option
@click.option("--limit", type=zh.IntRange(1, 50), default=10, show_default=True, help="每组条数")
@json_option
@handles_errors
def similar(text, file_, doc_id, index_dir, limit, as_json) -> None:
    if len([v for v in (text, file_, doc_id) if v]) != 1:
        usage_error("--text、--file、--id 三者须且只能指定一个")
    if file_ is not None:
        text = _case_text(file_)
    results = _service(index_dir).similar(text=text, doc_id=doc_id, limit=limit)
    if as_json:
        print_json(results.to_json())
        return
    click.echo(f"识别罪名/违法行为：{'、'.join(results.charges) or '（未识别）'}")
    click.echo(f"关键词：{'、'.join(results.terms) or '（无）'}")
    for title, group in (("相似案例", results.cases), ("适用指引", results.guides), ("相关法条", results.laws)):
        click.echo(f"\n{title}（{len(group)}）")
        for n, hit in enumerate(group, 1):
            click.echo(f"{n:>2}. {hit.title}  {hit.id}")
            why = _why(hit)
            if why:
                click.echo("    " + why)


@cli.command(help="索引统计：按类型、类别、年份、状态计数。")
@index_option
@json_option
@handles_errors
def stats(index_dir, as_json) -> None:
    data = _service(index_dir).stats()
    if as_json:
        print_json(data)
        return
    click.echo(f"文档总数：{data['total']}（索引目录 {data['index_dir']}）")
    for field in STATS_FACETS:
        counts = data["facets"].get(field, {})
        shown = "、".join(f"{type_label(k)} {v}" for k, v in counts.items())
        click.echo(f"{facet(field).noun}：{shown or '（无）'}")


# `law --only`: the short words a user types, and the change class each lists.
ONLY_CHOICES = {"修改": "内容修改", "条号": "仅条号变化", "未变": "文字未变", "新增": "新增", "删除": "删除"}


@cli.command(
    help="显示法条原文（默认现行版本）及其新旧对照。例：python indexer.py law 刑法 264；law 刑法 第一百三十三条之一；"
    "--version 2012-10-26 看旧版本；law 治安管理处罚法 --compare 看新旧条文对照表。"
)
@click.argument("law_name", metavar="法律名称")
@click.argument("article", metavar="[条号]", required=False)
@click.option("--version", "version", help="版本日期，如 2012-10-26（或年份 2012）；默认现行版本")
@click.option("--compare", is_flag=True, help="列出整部法律的新旧条文对照表（默认最新两个版本）")
@click.option("--from", "old", metavar="版本", help="对照表的旧版本，如 2012-10-26（与 --compare 同用）")
@click.option("--to", "new", metavar="版本", help="对照表的新版本，如 2025-06-27（与 --compare 同用）")
@click.option("--only", type=zh.Choice(list(ONLY_CHOICES)), help="对照表只列一类：修改、条号、未变、新增、删除")
@click.option("--diff", "show_diff", is_flag=True, help="内容有修改的，逐字列出改动：[-删去的文字-]{+增加的文字+}")
@laws_option
@json_option
@handles_errors
def law(law_name, article, version, compare, old, new, only, show_diff, laws, as_json) -> None:
    from kb.search.charges import load_charges
    from kb.statutes.concordance import CHANGE_MODIFIED
    from kb.statutes.library import StatuteLibrary
    from kb.statutes.lineage import DIRECTION_FROM
    from kb.statutes.lookup import UnknownArticleNumber, look_up_article

    if compare or old or new or only:
        if article is not None:
            usage_error(
                f"--compare 列出整部法律的对照表，不带条号；查看一条请去掉 --compare：{PROG} law {law_name} {article}"
            )
        if version is not None:
            usage_error("对照表用 --from 和 --to 指定版本，例如 --from 2012-10-26 --to 2025-06-27")
        if not compare:
            usage_error("--from、--to、--only 只用于对照表；请加上 --compare")
    elif article is None:
        usage_error(f"缺少参数 条号；例如 {PROG} law {law_name} 43，或用 --compare 查看新旧条文对照表")
    settings = settings_for(None, None, laws)
    if settings.laws_dir is None:
        usage_error("未指定法规库目录；请使用 --laws DIR 或设置环境变量 KB_LAWS")
    library = StatuteLibrary.load(settings.laws_dir)
    if compare:
        only_change = ONLY_CHOICES.get(only or "")
        _print_concordance(library, law_name, old, new, only_change, as_json, _corrections(settings), show_diff)
        return

    def charges_for(key: str) -> tuple[str, ...]:  # read only for an article in force, as before
        return load_charges(settings.data_dir / "charges.txt").charges_for(key)

    try:
        found = look_up_article(
            library, law_name, article, version, charges_for=charges_for, corrections=_corrections(settings)
        )
    except UnknownArticleNumber as exc:
        usage_error(str(exc))
    if as_json:
        print_json(found.to_json())
        return
    a = found.article
    effective = f"，{a.effective.isoformat()} 施行" if a.effective else ""
    named = "【" + "、".join(found.charges) + "】" if found.charges else ""
    click.echo(f"{a.title} {a.label}{named}（{found.version.version} 版{effective}，{found.status}）")
    if a.chapter:
        click.echo(a.chapter)
    click.echo("")
    click.echo(a.text)
    if found.history:
        click.echo("")
    for history in found.history:
        click.echo(history.text)
        for pair in history.pairs if show_diff else ():
            other = pair.old if history.direction == DIRECTION_FROM else pair.new
            if pair.change == CHANGE_MODIFIED and other is not None:
                click.echo(f"与{other.version} 版{other.label}对照（[-删去-]{{+增加+}}）：")
                click.echo(_diff_text(pair.diff()))
    if found.current is not None:
        matches = [a for h in found.history if h.other.version == found.current.version for a in h.articles]
        labels = "、".join(m.label for m in matches or ([found.match] if found.match else []))
        where = f"{a.law}{labels}" if labels else "无对应条文"
        click.echo(f"\n注意：本版本已不是现行版本；现行版本为 {found.current.version} 版，对应条文：{where}")


def _corrections(settings) -> Path:
    from kb.statutes.concordance import CORRECTIONS_NAME

    return settings.data_dir / CORRECTIONS_NAME


def _diff_text(pieces) -> str:
    """A character diff for a terminal: [-removed-]{+added+}, as wdiff and git diff --word-diff=plain write it."""
    marks = {"delete": ("[-", "-]"), "insert": ("{+", "+}"), "equal": ("", "")}
    return "".join(marks[p.kind][0] + p.text + marks[p.kind][1] for p in pieces)


def _print_concordance(library, law_name, old, new, only, as_json, corrections, show_diff=False) -> None:
    """The 对照表 of `law --compare`: one line per pair, or the JSON object."""
    from kb.statutes.concordance import CHANGE_MODIFIED, CHANGES, ConcordanceError, align_versions

    try:
        table = align_versions(library, law_name, old, new, corrections)
    except ConcordanceError as exc:
        usage_error(str(exc))
    pairs = [p for p in table.pairs if only is None or p.change == only]
    if as_json:
        print_json(_concordance_json(table, pairs, only))
        return
    title = table.new.title
    click.echo(
        f"{title} 新旧条文对照：{table.old.version} 版（{len(table.old.articles)} 条）"
        f"→ {table.new.version} 版（{len(table.new.articles)} 条）"
    )
    click.echo(f"共 {len(table.pairs)} 项：" + "、".join(f"{change} {table.count(change)}" for change in CHANGES))
    if only is not None:
        click.echo(f"以下只列{only}的 {len(pairs)} 项：")
    width = max((len(p.old.label) for p in table.pairs if p.old is not None), default=4)
    for pair in pairs:
        left = (pair.old.label if pair.old else "（无）").ljust(width, "\u3000")
        right = pair.new.label if pair.new else "（无）"
        note = f"（人工更正：{pair.note}）" if pair.corrected else ""
        click.echo(f"{left} → {right}：{pair.change}{note}")
        if show_diff and pair.change == CHANGE_MODIFIED:
            click.echo("    " + _diff_text(pair.diff()).replace("\n", "\n    "))


def _concordance_json(table, pairs, only: str | None) -> dict:
    from kb.statutes.concordance import CHANGE_MODIFIED, CHANGES

    def version(v) -> dict:
        return {
            "version": v.version,
            "effective": v.effective.isoformat() if v.effective else None,
            "articles": len(v.articles),
        }

    return {
        "law": table.law,
        "old": version(table.old),
        "new": version(table.new),
        "counts": {change: table.count(change) for change in CHANGES},
        "only": only,
        "pairs": [
            {
                "old": p.old.article if p.old else None,
                "old_label": p.old.label if p.old else None,
                "new": p.new.article if p.new else None,
                "new_label": p.new.label if p.new else None,
                "change": p.change,
                "corrected": p.corrected,
                "note": p.note,
                "diff": [{"kind": d.kind, "text": d.text} for d in p.diff()] if p.change == CHANGE_MODIFIED else [],
            }
            for p in pairs
        ],
    }
