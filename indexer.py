"""casekb command line: check content, build the index, search, 类案检索, statistics, accounts and publishing."""

from __future__ import annotations

import html
import json
import os
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path

import click

import cli_zh
from kb.errors import ConfigError, ContentError, KBError, Problem
from kb.settings import Settings, load_settings

EXIT_OK, EXIT_CONTENT, EXIT_USAGE = 0, 1, 2
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
TYPE_NAMES = {"guide": "指引", "case": "案例", "law": "法条"}


def _echo_err(text: str) -> None:
    click.echo(text, err=True)


def _problem_lines(problems: list[Problem]) -> list[str]:
    lines = []
    for p in problems:
        lines.append(f"{p}（警告）" if p.severity == "warning" else str(p))
    return lines


def _fail(exc: KBError) -> None:
    """Print a core error in Chinese and exit 1 (2 for a setting that cannot be used)."""
    if isinstance(exc, ConfigError):
        _echo_err(f"用法错误：{exc}")
        sys.exit(EXIT_USAGE)
    if isinstance(exc, ContentError):
        for line in _problem_lines(exc.problems):
            _echo_err(line)
        files = len({p.path for p in exc.problems})
        _echo_err(f"共 {len(exc.problems)} 处错误，涉及 {files} 个文件")
    else:
        _echo_err(f"错误：{exc}")
    sys.exit(EXIT_CONTENT)


def handles_errors(func: Callable) -> Callable:
    """Turn KBError into a Chinese message and exit code 1."""

    @wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except KBError as exc:
            _fail(exc)

    return wrapper


class ChineseCommand(click.Command):
    """A click command whose help screen is in Chinese."""

    context_class = cli_zh.Context

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("options_metavar", "[选项]")
        super().__init__(*args, **kwargs)
        cli_zh.chinese_metavars(self.params)


class ChineseGroup(click.Group):
    """A click group with Chinese help that reports usage errors in Chinese with exit code 2."""

    context_class = cli_zh.Context
    command_class = ChineseCommand
    group_class = type  # subgroups (user …) are ChineseGroups too

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("options_metavar", "[选项]")
        kwargs.setdefault("subcommand_metavar", "命令 [参数]...")
        super().__init__(*args, **kwargs)
        cli_zh.chinese_metavars(self.params)

    def main(self, args=None, prog_name=None, **kwargs):
        with cli_zh.chinese():
            return self._main(args, prog_name, **kwargs)

    def _main(self, args, prog_name, **kwargs):
        try:
            return super().main(args=args, prog_name=prog_name, standalone_mode=False, **kwargs)
        except click.exceptions.Exit as exc:
            sys.exit(exc.exit_code)
        except click.exceptions.Abort:
            _echo_err("已取消")
            sys.exit(EXIT_CONTENT)
        except click.UsageError as exc:
            _echo_err(f"用法错误：{cli_zh.usage_message(exc, list(self.commands))}")
            cmd = exc.ctx.command_path if exc.ctx else "python indexer.py"
            _echo_err(f"运行 {cmd} --help 查看用法")
            sys.exit(EXIT_USAGE)
        except KBError as exc:
            _fail(exc)
        except Exception as exc:
            if os.environ.get("KB_DEBUG"):
                raise
            _echo_err(
                f"内部错误：{type(exc).__name__}: {exc}；请把这条信息报告给系统管理员（设置 KB_DEBUG=1 可查看详细堆栈）"
            )
            sys.exit(EXIT_CONTENT)


content_option = click.option(
    "--content",
    type=click.Path(file_okay=False, path_type=Path),
    help="内容目录（含 guides/ 与 casebook/），默认为仓库根目录，或环境变量 KB_CONTENT",
)
index_option = click.option(
    "--index",
    "index_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="索引目录，默认 var/index，或环境变量 KB_INDEX",
)
laws_option = click.option(
    "--laws", type=click.Path(file_okay=False, path_type=Path), help="法规库目录（LawRefBook 格式），或环境变量 KB_LAWS"
)
json_option = click.option("--json", "as_json", is_flag=True, help="输出一个 JSON 对象")


def _settings(content=None, index_dir=None, laws=None) -> Settings:
    if laws is not None and not Path(laws).is_dir():
        _echo_err(f"用法错误：法规库目录不存在：{laws}")
        sys.exit(EXIT_USAGE)
    return load_settings(content=content, index=index_dir, laws=laws)


def _print_json(obj: dict) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False, indent=None))


def _terminal(snippet: str) -> str:
    text = html.unescape(snippet.replace("<mark>", "【").replace("</mark>", "】"))
    return " ".join(text.split())


@click.group(
    cls=ChineseGroup, context_settings=CONTEXT, help="案例指引库（casekb）命令行：校验内容、构建索引、检索与类案检索。"
)
def cli() -> None:
    pass


@cli.command(help="校验 guides/ 与 casebook/ 下的全部文档，一次列出所有问题。")
@content_option
@laws_option
@handles_errors
def check(content, laws) -> None:
    from kb.search.index import load_resources
    from kb.search.thesaurus import check_search_words
    from kb.workflow.checks import check_content

    settings = _settings(content, None, laws)
    resources = load_resources(settings)
    # each file through the same check as the editor, upload, review and publish; then duplicate ids
    result = check_content(settings)
    problems = list(result.problems)
    problems.extend(resources.cue_problems)
    problems.extend(check_search_words(settings, result.documents, resources.synonyms))
    if (settings.data_dir / "learning_paths.yaml").is_file():
        from kb.content.learning import load_learning_paths

        ids = [d.id for d in result.documents]
        learning = load_learning_paths(settings.data_dir / "learning_paths.yaml", resources.taxonomy.audiences, ids)
        problems.extend(learning.problems)
    for line in _problem_lines(problems):
        click.echo(line)
    errors = [p for p in problems if p.severity == "error"]
    warnings = len(problems) - len(errors)
    if errors:
        files = len({p.path for p in errors})
        click.echo(f"共 {len(errors)} 处错误，涉及 {files} 个文件" + (f"；另有 {warnings} 条警告" if warnings else ""))
        sys.exit(EXIT_CONTENT)
    guides = sum(1 for d in result.documents if d.type == "guide")
    cases = sum(1 for d in result.documents if d.type == "case")
    click.echo(
        f"检查通过：{len(result.documents)} 篇文档（指引 {guides} 篇，案例 {cases} 篇）"
        + (f"；{warnings} 条警告" if warnings else "")
    )


@cli.command(help="构建或更新索引：默认只写入新增、修改和删除的文件；--full 全量重建后原子切换。")
@content_option
@index_option
@laws_option
@click.option("--full", is_flag=True, help="全量重建")
@handles_errors
def build(content, index_dir, laws, full) -> None:
    from kb.search.index import build_index

    settings = _settings(content, index_dir, laws)
    _recover(settings)
    bar = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if total < 200 or not sys.stderr.isatty():
            return
        if bar is None:
            bar = click.progressbar(length=total, label="正在建立索引", file=sys.stderr)
            bar.__enter__()
        bar.update(done - bar.pos)

    try:
        report = build_index(settings, full=full, progress=progress, parallel=True)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    for line in _problem_lines(list(report.warnings)):
        _echo_err(line)
    kind = "全量构建" if report.full else "增量更新"
    why = f"（{report.reason}）" if report.reason else ""
    click.echo(
        f"{kind}{why}完成：新增 {report.added}，更新 {report.updated}，删除 {report.deleted}，"
        f"未变 {report.unchanged}；法条 {report.laws} 条；用时 {report.seconds:.2f} 秒"
    )
    for law, count in report.law_counts:
        click.echo(f"  {law}：{count} 条")
    click.echo(f"索引目录：{settings.index_dir}")


def _recover(settings: Settings) -> None:
    """Settle what an interrupted publish left behind (kb.workflow.publish.recover) and say what was done."""
    from kb.workflow.publish import recover

    for action in recover(settings).actions:
        _echo_err(f"启动恢复：{action}")


def _service(index_dir, laws=None):
    from kb.search.service import SearchService

    settings = _settings(None, index_dir, laws)
    service = SearchService(settings)
    if not service.exists():
        from kb.errors import IndexMissingError

        raise IndexMissingError(f"索引不存在：{settings.index_dir}；请先运行 python indexer.py build")
    return service


@cli.command(
    help="检索。按口语、问句和错别字理解检索词，包含全部词语的排在前面；"
    '使用 OR、-排除、"短语"、标题: 类别: 等字段前缀时按检索语法严格检索；可直接输入法条引用。'
)
@click.argument("query")
@index_option
@click.option("--type", "doc_type", type=cli_zh.Choice(["guide", "case", "law"]), help="只看某类文档")
@click.option("--category", help="只看某个类别")
@click.option("--limit", type=cli_zh.IntRange(1, 100), default=10, show_default=True, help="显示条数")
@click.option("--all", "include_superseded", is_flag=True, help="包括不再参照的文档和已失效的法条")
@click.option("--literal", is_flag=True, help="按原词检索：不作口语转换和错别字纠正")
@json_option
@handles_errors
def search(query, index_dir, doc_type, category, limit, include_superseded, literal, as_json) -> None:
    service = _service(index_dir)
    results = service.search(
        query,
        {"type": doc_type, "category": category},
        per_page=limit,
        include_superseded=include_superseded,
        literal=literal,
    )
    if as_json:
        _print_json(results.to_json())
        return
    if results.notice:
        click.echo(results.notice)
    for line in results.explanation():
        click.echo(line)
    click.echo(f"共 {results.total} 条结果（{results.took_ms:.1f} 毫秒）")
    for n, hit in enumerate(results.hits, 1):
        flag = "" if hit.status == "现行" else f"〔{hit.status}〕"
        where = hit.id.split("@", 1)[0] if hit.type == "law" else hit.category
        click.echo(f"{n:>2}. [{TYPE_NAMES.get(hit.type, hit.type)}·{where}] {hit.title}{flag}  {hit.id}")
        click.echo(f"    {_terminal(hit.snippet)}")
        if hit.missing:
            click.echo(f"    缺少：{'、'.join(hit.missing)}")


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
@click.option("--limit", type=cli_zh.IntRange(1, 50), default=10, show_default=True, help="每组条数")
@json_option
@handles_errors
def similar(text, file_, doc_id, index_dir, limit, as_json) -> None:
    given = [v for v in (text, file_, doc_id) if v]
    if len(given) != 1:
        _echo_err("用法错误：--text、--file、--id 三者须且只能指定一个")
        sys.exit(EXIT_USAGE)
    if file_ is not None:
        try:
            text = file_.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            _echo_err(f"错误：{file_} 不是 UTF-8 编码；请转换后重试")
            sys.exit(EXIT_CONTENT)
    service = _service(index_dir)
    results = service.similar(text=text, doc_id=doc_id, limit=limit)
    if as_json:
        _print_json(results.to_json())
        return
    click.echo(f"识别罪名/违法行为：{'、'.join(results.charges) or '（未识别）'}")
    click.echo(f"关键词：{'、'.join(results.terms) or '（无）'}")
    for title, group in (("相似案例", results.cases), ("适用指引", results.guides), ("相关法条", results.laws)):
        click.echo(f"\n{title}（{len(group)}）")
        for n, hit in enumerate(group, 1):
            why = []
            if hit.shared_charges:
                why.append("同罪名：" + "、".join(hit.shared_charges))
            if hit.shared_laws:
                why.append("同引法条：" + "、".join(hit.shared_laws))
            if hit.shared_terms:
                why.append("共同要素：" + "、".join(hit.shared_terms[:5]))
            click.echo(f"{n:>2}. {hit.title}  {hit.id}")
            if why:
                click.echo("    " + "；".join(why))


@cli.command(help="索引统计：按类型、类别、年份、状态计数。")
@index_option
@json_option
@handles_errors
def stats(index_dir, as_json) -> None:
    service = _service(index_dir)
    data = service.stats()
    if as_json:
        _print_json(data)
        return
    click.echo(f"文档总数：{data['total']}（索引目录 {data['index_dir']}）")
    names = {"type": "类型", "category": "类别", "year": "年份", "status": "状态", "case_type": "性质"}
    for key, label in names.items():
        counts = data["facets"].get(key, {})
        shown = "、".join(f"{TYPE_NAMES.get(k, k)} {v}" for k, v in counts.items())
        click.echo(f"{label}：{shown or '（无）'}")


@cli.command(
    help="显示法条原文（默认现行版本）。例：python indexer.py law 刑法 264；law 刑法 第一百三十三条之一；--version 2012-10-26 看旧版本。"
)
@click.argument("law_name", metavar="法律名称")
@click.argument("article", metavar="条号")
@click.option("--version", "version", help="版本日期，如 2012-10-26；默认现行版本")
@laws_option
@json_option
@handles_errors
def law(law_name, article, version, laws, as_json) -> None:
    from kb.statutes.library import StatuteLibrary, normalize_article

    settings = _settings(None, None, laws)
    if settings.laws_dir is None:
        _echo_err("用法错误：未指定法规库目录；请使用 --laws DIR 或设置环境变量 KB_LAWS")
        sys.exit(EXIT_USAGE)
    library = StatuteLibrary.load(settings.laws_dir)
    versions = library.versions(law_name)
    if not versions:
        import difflib

        close = difflib.get_close_matches(law_name, library.laws(), 3, 0.3)
        hint = f"；相近的有：{'、'.join(close)}" if close else ""
        _echo_err(f"错误：法规库中没有“{law_name}”{hint}")
        sys.exit(EXIT_CONTENT)
    key = normalize_article(article)
    if key is None:
        _echo_err(f"用法错误：无法识别的条号“{article}”；例如 264、133-1、第一百三十三条之一")
        sys.exit(EXIT_USAGE)
    if version and version not in [v.version for v in versions]:
        listed = "、".join(v.version for v in versions)
        _echo_err(f"错误：{versions[0].law}没有 {version} 版；可选：{listed}")
        sys.exit(EXIT_CONTENT)
    found = library.article(law_name, key, version=version)
    if found is None:
        from kb.statutes.citations import Citation

        cite = Citation(law=versions[0].law, article=key, paragraph=None, start=0, end=0, text=article)
        _echo_err("错误：" + library.suggest(cite))
        sys.exit(EXIT_CONTENT)
    status = library.status(found)
    lv = library.version_of(found)
    from kb.search.charges import load_charges

    charges = load_charges(settings.data_dir / "charges.txt").charges_for(found.key) if status == "现行" else ()
    if as_json:
        _print_json(
            {
                "id": found.id,
                "law": found.law,
                "title": found.title,
                "article": found.article,
                "label": found.label,
                "chapter": found.chapter,
                "version": found.version,
                "effective": found.effective.isoformat() if found.effective else None,
                "status": status,
                "charges": list(charges),
                "text": found.text,
            }
        )
        return
    effective = f"，{found.effective.isoformat()} 施行" if found.effective else ""
    named = "【" + "、".join(charges) + "】" if charges else ""
    click.echo(f"{found.title} {found.label}{named}（{lv.version} 版{effective}，{status}）")
    if found.chapter:
        click.echo(found.chapter)
    click.echo("")
    click.echo(found.text)
    current = library.in_force(found.law)
    if current is not None and current.version != found.version:
        match = library.best_match(found, current)
        where = f"{match.law}{match.label}" if match else "无对应条文"
        click.echo(f"\n注意：本版本已不是现行版本；现行版本为 {current.version} 版，对应条文：{where}")


# -- accounts, publishing and the audit log ---------------------------------------------------

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
        _echo_err("错误：两次输入的密码不一致")
        sys.exit(EXIT_CONTENT)
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
@click.option(
    "--role", default="读者", show_default=True, type=cli_zh.Choice(["读者", "编辑", "审核", "管理员"]), help="角色"
)
@password_stdin_option
@handles_errors
def user_add(name, role, password_stdin) -> None:
    from kb.workflow.accounts import add_user

    settings = _settings()
    created = add_user(settings, name, role, _password(password_stdin, confirm=True), must_change=True)
    click.echo(f"已新增用户“{created.name}”（{created.role}）；数据库：{settings.db_path}")


@user.command(
    "passwd", help="重设账号的密码（同时清除该账号的登录失败计数、结束其全部登录）；该用户下次登录后须先修改密码。"
)
@click.argument("name")
@password_stdin_option
@handles_errors
def user_passwd(name, password_stdin) -> None:
    from kb.workflow.accounts import set_password

    set_password(_settings(), name, _password(password_stdin, confirm=True, prompt="新密码"))
    click.echo(f"已修改用户“{name}”的密码；其登录已全部失效，下次登录后须修改密码")


@user.command("disable", help="停用账号：不能再登录或操作，记录保留。")
@click.argument("name")
@handles_errors
def user_disable(name) -> None:
    from kb.workflow.accounts import set_disabled

    set_disabled(_settings(), name, True)
    click.echo(f"已停用用户“{name}”")


@user.command("enable", help="重新启用已停用的账号。")
@click.argument("name")
@handles_errors
def user_enable(name) -> None:
    from kb.workflow.accounts import set_disabled

    set_disabled(_settings(), name, False)
    click.echo(f"已启用用户“{name}”")


@user.command("list", help="列出全部账号。")
@json_option
@handles_errors
def user_list(as_json) -> None:
    from kb.workflow.accounts import list_users

    users = list_users(_settings())
    if as_json:
        _print_json({"users": [u.to_json() for u in users]})
        return
    if not users:
        click.echo("尚无账号；用 python indexer.py user add 名字 --role 管理员 创建第一个管理员")
        return
    for u in users:
        state = "已停用" if u.disabled else "正常"
        last = u.last_login[:16].replace("T", " ") if u.last_login else "从未登录"
        must = "\t须修改密码" if u.must_change else ""
        click.echo(f"{u.name}\t{u.role}\t{state}\t最近登录：{last}{must}")


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
    from kb.errors import AuthError, StaleVersionError
    from kb.roles import REVIEW
    from kb.search.index import repair_index
    from kb.workflow.accounts import authenticate, require
    from kb.workflow.publish import publish_file

    settings = _settings(content, index_dir)
    account = authenticate(settings, as_user, _password(password_stdin, confirm=False))
    if account.must_change:  # as in the app: a password the 管理员 chose is changed before anything else
        raise AuthError(
            f"“{account.name}”的密码由管理员设置，须先修改：请在网页“账号”页登录并设置自己的新密码，再用命令行发布"
        )
    require(settings, account, REVIEW)
    _recover(settings)
    try:
        repair_index(settings)  # the index catches up with what an earlier failure or crash left out
    except KBError as exc:
        _echo_err(f"警告：索引未能补上之前遗漏的修改（{exc}）；请运行 python indexer.py build")
    try:
        result = publish_file(settings, account, file, force=force)
    except StaleVersionError as exc:
        _echo_err(f"错误：{exc}")
        _echo_err(f"如确认要用此文件覆盖已发布的第 {exc.published} 版，请加 --force 重新发布（记入审计日志）")
        sys.exit(EXIT_CONTENT)
    click.echo(f"已发布 {result.doc_id} 第 {result.version} 版：{result.path}")
    for old in result.superseded:
        click.echo(f"  {old} 已标记为不再参照（superseded_by: {result.doc_id}）")
    if not result.indexed:
        _echo_err(f"错误：{result.warning}")
        sys.exit(EXIT_CONTENT)
    if result.warning:
        _echo_err(f"警告：{result.warning}")


@cli.command(help="列出审计日志（谁在何时做了什么），最新的在前。")
@click.option("--limit", type=cli_zh.IntRange(1, 100000), default=200, show_default=True, help="显示条数")
@click.option("--user", "actor", help="只看某个用户")
@click.option("--action", help="只看某种操作（如 publish、login_failed）")
@json_option
@handles_errors
def audit(limit, actor, action, as_json) -> None:
    from kb.workflow.audit import read_entries, visible

    entries = read_entries(_settings(), actor=actor, action=action, limit=limit)
    if as_json:
        _print_json({"total": len(entries), "entries": [e.to_json() for e in entries]})
        return
    for e in entries:
        # what was typed at a failed login is shown escaped: no terminal control sequences
        who, target, detail = visible(e.actor or "-"), visible(e.target), visible(e.detail)
        click.echo(f"{e.at[:19].replace('T', ' ')}  {who}  {e.label}  {target}  {detail}".rstrip())
    click.echo(f"共 {len(entries)} 条")


def main() -> None:
    """Console entry point."""
    cli.main(prog_name="python indexer.py")


if __name__ == "__main__":
    main()
