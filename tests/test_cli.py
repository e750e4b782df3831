"""The CLI: exit codes 0 / 1 / 2, Chinese messages, the JSON shape."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from casekb_cli import zh as cli_zh
from indexer import cli
from kb.settings import REPO_ROOT


@pytest.fixture
def run(content, settings):
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(cli, list(args), prog_name="python indexer.py")

    return invoke


@pytest.fixture
def built(content, settings, run):
    content.guide("G-1", body="犯罪嫌疑人在取保候审期间不得离开所居住的市、县。")
    content.case("C-1")
    result = run("build", "--content", str(settings.content_dir), "--index", str(settings.index_dir))
    assert result.exit_code == 0, result.output
    return settings


def test_check_passes_on_good_content(content, settings, run):
    content.guide("G-1")
    content.case("C-1")
    result = run("check", "--content", str(settings.content_dir))
    assert result.exit_code == 0
    assert result.output == "检查通过：2 篇文档（指引 1 篇，案例 1 篇）\n"


def test_check_lists_every_problem_and_exits_1(content, settings, run):
    content.guide("G-1", category="盗抢")
    content.guide("G-2", stage="侦查")
    result = run("check", "--content", str(settings.content_dir))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].startswith("guides/G-1.md:4: category: 未知类别“盗抢”")
    assert lines[1].startswith("guides/G-2.md:6: stage: 未知办案环节“侦查”")
    assert lines[-1] == "共 2 处错误，涉及 2 个文件"


def test_check_reports_a_bad_fact_pattern_line(content, settings, run):
    content.guide("G-1")
    cues = settings.data_dir / "charge_cues.txt"
    cues.write_text(cues.read_text(encoding="utf-8") + "盗窃罪 窃取(\n", encoding="utf-8")
    line = len(cues.read_text(encoding="utf-8").splitlines())
    result = run("check", "--content", str(settings.content_dir))
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"data/charge_cues.txt:{line}: 事实特征“窃取(”不是有效的正则表达式（第 3 个字符附近有误）；"
        "请检查括号是否成对、“|”两侧是否都有内容",
        "共 1 处错误，涉及 1 个文件",
    ]


def test_a_setting_that_cannot_be_used_is_a_usage_error(content, settings, run, monkeypatch):
    monkeypatch.setenv("KB_LOCKOUT_MINUTES", "forever")
    result = run("check", "--content", str(settings.content_dir))
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        "用法错误：设置 lockout_minutes（环境变量 KB_LOCKOUT_MINUTES 或 casekb.toml）须为 1 到 1440 之间的整数，"
        "当前为“forever”；请改正，或删去该项以使用默认值 15"
    ]


def test_build_reports_counts(content, settings, run):
    content.guide("G-1")
    result = run("build", "--content", str(settings.content_dir), "--index", str(settings.index_dir))
    assert result.exit_code == 0
    assert result.output.startswith("全量构建（首次构建）完成：新增 1，更新 0，删除 0，未变 0；法条 0 条；用时 ")
    again = run("build", "--content", str(settings.content_dir), "--index", str(settings.index_dir))
    assert again.output.startswith("增量更新完成：新增 0，更新 0，删除 0，未变 1；")


def test_build_with_content_errors_exits_1_and_names_the_file(content, settings, run):
    content.guide("G-1", category="盗抢")
    result = run("build", "--content", str(settings.content_dir), "--index", str(settings.index_dir))
    assert result.exit_code == 1
    assert "guides/G-1.md:4: category: 未知类别“盗抢”" in result.output
    assert result.output.splitlines()[-1] == "共 1 处错误，涉及 1 个文件"
    assert not (settings.index_dir / "CURRENT").exists()


def test_search_json_shape(built, run):
    result = run("search", '"取保候审期间"', "--index", str(built.index_dir), "--json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert set(data) == {"query", "total", "took_ms", "partial", "understood", "hits", "facets"}
    assert data["total"] == 1
    assert data["hits"][0]["id"] == "G-1"
    snippet = data["hits"][0]["snippet"]  # plain text: no marks, no HTML entities
    assert "取保候审期间" in snippet and "<mark>" not in snippet and "&" not in snippet
    assert data["understood"] == {
        "concepts": [], "mapped": {}, "ignored": [], "intents": [], "citations": [], "corrected": ""
    }  # fmt: skip
    assert set(data["facets"]) >= {"category", "type", "case_type", "stage", "audience", "year", "status"}


def test_search_says_what_each_hit_misses_and_literal_turns_the_reading_off(built, run):
    result = run("search", "取保候审 电瓶 怎么办", "--index", str(built.index_dir))
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == "未作为检索词：怎么办"
    assert lines[1] == "部分匹配：没有文档同时包含全部检索词，以下结果按包含检索词的多少排列，每条注明缺少的词。"
    assert "    缺少：电瓶" in lines or "    缺少：取保候审" in lines
    data = json.loads(run("search", "取保候审 电瓶", "--index", str(built.index_dir), "--json", "--literal").output)
    assert data["partial"] is True
    assert sorted(h["missing"][0] for h in data["hits"]) == ["取保候审", "电瓶"]


def test_search_text_output_marks_terms(built, run):
    result = run("search", "电瓶", "--index", str(built.index_dir))
    assert result.exit_code == 0
    assert result.output.splitlines()[0].startswith("共 1 条结果（")
    assert "【电瓶】" in result.output


def test_search_filters(built, run):
    result = run("search", "", "--index", str(built.index_dir), "--type", "case", "--json")
    assert [h["id"] for h in json.loads(result.output)["hits"]] == ["C-1"]


def test_search_without_index_exits_1(tmp_path, run):
    result = run("search", "盗窃", "--index", str(tmp_path / "none"))
    assert result.exit_code == 1
    assert result.output == f"错误：索引不存在：{tmp_path / 'none'}；请先运行 python indexer.py build\n"


def test_refused_query_exits_1_with_the_reason(built, run):
    result = run("search", "*", "--index", str(built.index_dir))
    assert result.exit_code == 1
    assert result.output == "错误：通配符“*”范围过大；请在 * 或 ? 前至少写 1 个字\n"


def test_usage_errors_exit_2_in_chinese(run):
    result = run("serch", "x")
    assert result.exit_code == 2
    assert result.output.splitlines()[0].startswith("用法错误：未知命令“serch”；可用命令：")
    missing = run("search")
    assert missing.exit_code == 2
    assert missing.output.splitlines()[0] == "用法错误：缺少参数 QUERY"
    bad = run("search", "x", "--limit", "abc")
    assert bad.exit_code == 2
    assert bad.output.startswith("用法错误：选项 --limit 的取值无效")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("search", "x", "--laws", "y"), "未知选项 --laws"),
        (("build", "--ful"), "未知选项 --ful；是否要用 --full？"),
        (("search", "x", "--type", "zz"), "选项 --type 的取值无效：“zz”不在可选值中；可选：guide、case、law"),
        (("search", "x", "--limit", "200"), "选项 --limit 的取值无效：200 超出范围 1–100"),
        (("search", "x", "--limit", "abc"), "选项 --limit 的取值无效：“abc”不是整数"),
        (("build", "--full=1"), "选项 --full 不带值"),
        (("search", "x", "y"), "多余的参数：y"),
        (("check", "--content", __file__), f"选项 --content 的取值无效：“{__file__}”是文件，这里要一个目录"),
        (("search", "x", "--limit"), "选项 --limit 需要一个值"),
        (("law",), "缺少参数 法律名称"),
        (("publish", __file__), "缺少选项 --as"),
        (("similar", "--file", "/nonexistent/案情.txt"), "选项 --file 的取值无效：“/nonexistent/案情.txt”不存在"),
        (
            ("similar", "--file", str(Path(__file__).parent)),
            f"选项 --file 的取值无效：“{Path(__file__).parent}”是目录，这里要一个文件",
        ),
        (("user", "zz"), "未知命令“zz”；可用命令：add、disable、enable、list、passwd、set-tier、set-unit"),
    ],
)
def test_click_usage_errors_read_in_chinese(run, args, message):
    result = run(*args)
    assert result.exit_code == 2
    assert result.output.splitlines()[0] == f"用法错误：{message}"


def test_similar_needs_exactly_one_source(built, run):
    result = run("similar", "--index", str(built.index_dir))
    assert result.exit_code == 2
    assert result.output == "用法错误：--text、--file、--id 三者须且只能指定一个\n"


def test_similar_json(built, run):
    result = run("similar", "--text", "李某在小区盗窃电动车电瓶", "--index", str(built.index_dir), "--json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert [h["id"] for h in data["cases"]] == ["C-1"]
    assert set(data) >= {"cases", "guides", "laws", "charges", "terms", "took_ms"}


def test_similar_unknown_id_exits_1(built, run):
    result = run("similar", "--id", "NOPE", "--index", str(built.index_dir))
    assert result.exit_code == 1
    assert result.output == "错误：找不到 id 为“NOPE”的文档；请检查 id\n"


def test_stats_json(built, run):
    result = run("stats", "--index", str(built.index_dir), "--json")
    data = json.loads(result.output)
    assert data["total"] == 2
    assert data["facets"]["type"] == {"guide": 1, "case": 1}


def test_the_script_runs_as_python_indexer_py(content, settings):
    content.guide("G-1")
    proc = subprocess.run(
        [sys.executable, "indexer.py", "check", "--content", str(settings.content_dir)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "检查通过：1 篇文档（指引 1 篇，案例 0 篇）\n"


def test_law_prints_the_article_in_force(laws_dir, run):
    result = run("law", "刑法", "133-1", "--laws", str(laws_dir))
    assert result.exit_code == 0
    first = result.output.splitlines()[0]
    assert first.startswith("中华人民共和国刑法 第一百三十三条之一【危险驾驶罪】（") and first.endswith("，现行）")
    assert "醉酒驾驶机动车的" in result.output
    same = run("law", "刑法", "第一百三十三条之一", "--laws", str(laws_dir))
    assert same.output == result.output


def test_law_older_version_points_to_the_current_one(laws_dir, run):
    result = run("law", "治安管理处罚法", "43", "--version", "2012-10-26", "--laws", str(laws_dir))
    assert result.exit_code == 0
    assert "（2012-10-26 版，2013-01-01 施行，已失效）" in result.output.splitlines()[0]
    assert (
        result.output.splitlines()[-1]
        == "注意：本版本已不是现行版本；现行版本为 2025-06-27 版，对应条文：治安管理处罚法第五十一条"
    )


def test_law_unknown_article_suggests_neighbours(laws_dir, run):
    result = run("law", "刑法", "900", "--laws", str(laws_dir))
    assert result.exit_code == 1
    assert (
        result.output
        == "错误：引用“刑法第九百条”不存在；刑法共 452 条（第一条至第四百五十二条），最接近的有：第四百五十二条\n"
    )


def test_law_without_a_library_is_a_usage_error(run, monkeypatch):
    monkeypatch.delenv("KB_LAWS", raising=False)
    result = run("law", "刑法", "264")
    assert result.exit_code == 2
    assert result.output == "用法错误：未指定法规库目录；请使用 --laws DIR 或设置环境变量 KB_LAWS\n"


def test_help_is_in_chinese(run):
    result = run("search", "--help")
    assert result.exit_code == 0
    assert result.output.startswith("用法：python indexer.py search [选项] QUERY")
    assert "选项：" in result.output and "显示本帮助并退出" in result.output
    assert "Usage" not in result.output and "Options" not in result.output and "TEXT" not in result.output
    top = run("--help")
    assert "命令：" in top.output and "Commands" not in top.output


def _every_command(group: click.Group, path: tuple[str, ...] = ()):
    for name, command in sorted(group.commands.items()):
        yield (*path, name)
        if isinstance(command, click.Group):
            yield from _every_command(command, (*path, name))


@pytest.mark.parametrize("path", [(), *_every_command(cli)], ids=lambda p: " ".join(p) or "cli")
def test_every_help_screen_is_in_chinese(run, path):
    result = run(*path, "--help")
    assert result.exit_code == 0
    assert result.output.startswith("用法：python indexer.py")
    english = ["Usage", "Options", "Commands", "Show this", "required", "default", "TEXT", "INTEGER", "DIRECTORY", "<="]
    assert [word for word in english if word in result.output] == []


def test_help_columns_line_up_by_display_width(run):
    lines = run("audit", "--help").output.splitlines()
    limit, user = lines[lines.index("选项：") + 1 : lines.index("选项：") + 3]
    assert limit == "  --limit 整数   显示条数  [默认：200; 1–100000]"  # 整数 takes four columns
    assert cli_zh.display_width(user[: user.index("只看")]) == cli_zh.display_width(limit[: limit.index("显示")]) == 17


def test_chinese_lasts_only_while_the_cli_runs(run):
    with cli_zh.chinese():
        assert click.exceptions._("Missing argument") == "缺少参数"
        assert (
            click.core.ngettext("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})", 2)
            == "多余的参数：{args}"
        )
    run("--help")
    assert click.exceptions._("Missing argument") == "Missing argument"


def test_every_catalogue_entry_is_a_message_click_marks():
    marked = set()
    for source in Path(click.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("_", "ngettext"):
                marked |= {
                    arg.value for arg in node.args if isinstance(arg, ast.Constant) and isinstance(arg.value, str)
                }
    marked.add("required")  # click passes it through _(extra["required"])
    assert sorted(set(cli_zh.CATALOGUE) - marked) == []  # click reworded one: update CATALOGUE


def test_check_warns_about_an_external_image_and_still_passes(content, settings, run):
    content.guide("G-1", body="示意图：![示意图](https://203.0.113.9/map.png)")
    result = run("check", "--content", str(settings.content_dir))
    assert result.exit_code == 0
    assert result.output.splitlines() == [
        "guides/G-1.md:16: 外部图片链接“https://203.0.113.9/map.png”；内网无法访问，请改用本地图片或删除（警告）",
        "检查通过：1 篇文档（指引 1 篇，案例 0 篇）；1 条警告",
    ]
