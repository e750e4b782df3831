"""`indexer.py law`: one article with where it came from / went to, and `--compare`, the 新旧条文对照表."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from indexer import cli
from kb.settings import REPO_ROOT

LAW = "治安管理处罚法"


@pytest.fixture
def run(laws_dir):
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(cli, [*args, "--laws", str(laws_dir)], prog_name="python indexer.py")

    return invoke


def test_a_current_article_says_which_old_one_it_was_made_from(run):
    result = run("law", LAW, "51")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == (
        "中华人民共和国治安管理处罚法 第五十一条【殴打他人、故意伤害】（2025-06-27 版，2026-01-01 施行，现行）"
    )
    assert lines[-2:] == ["", "本条为2012年版第四十三条修改而来"]


def test_an_old_article_says_what_it_became(run):
    result = run("law", LAW, "43", "--version", "2012-10-26")
    assert result.exit_code == 0
    assert result.output.splitlines()[-4:] == [
        "",
        "2012年版第四十三条在2025年修订后为第五十一条，内容有修改",
        "",
        "注意：本版本已不是现行版本；现行版本为 2025-06-27 版，对应条文：治安管理处罚法第五十一条",
    ]


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (("19",), "本条为2025年修订新增，2012年版无对应条文"),
        (("3",), "本条即2012年版第二条，仅条号变化，文字未变"),
        (("7",), "本条与2012年版第七条相同，文字未变"),
        (("90",), "本条为2012年版第七十七条、第七十八条合并修改而来"),
        (("61", "--version", "2012-10-26"), "2012年版第六十一条在2025年修订时删除，2025年版无对应条文"),
        (("7", "--version", "2012-10-26"), "2012年版第七条在2025年修订后仍为第七条，文字未变"),
    ],
)
def test_each_kind_of_change_has_its_sentence(run, args, line):
    result = run("law", LAW, *args)
    assert result.exit_code == 0
    assert line in result.output.splitlines()


def test_a_split_article_names_both_successors(run):
    result = run("law", LAW, "49", "--version", "2012-10-26")
    assert result.output.splitlines()[-3:] == [
        "2012年版第四十九条在2025年修订后分为第五十八条、第五十九条，内容有修改",
        "",
        "注意：本版本已不是现行版本；现行版本为 2025-06-27 版，对应条文：治安管理处罚法第五十八条、第五十九条",
    ]


def test_a_deleted_article_has_no_current_one(run):
    result = run("law", LAW, "61", "--version", "2012-10-26")
    assert result.output.splitlines()[-1] == (
        "注意：本版本已不是现行版本；现行版本为 2025-06-27 版，对应条文：无对应条文"
    )


def test_a_law_with_one_version_prints_no_history(run):
    result = run("law", "刑法", "264")
    assert result.exit_code == 0
    assert result.output.rstrip("\n").endswith(
        "处三年以上十年以下有期徒刑，并处罚金；数额特别巨大或者有其他特别严重情节的，处十年以上有期徒刑或者无期徒刑，并处罚金或者没收财产。"
    )


def test_the_json_has_the_history(run):
    result = run("law", LAW, "51", "--json")
    assert result.exit_code == 0
    assert json.loads(result.output)["history"] == [
        {
            "direction": "from",
            "version": "2012-10-26",
            "articles": ["43"],
            "labels": ["第四十三条"],
            "change": "内容修改",
            "corrected": False,
            "note": "",
            "text": "本条为2012年版第四十三条修改而来",
        }
    ]


def test_compare_prints_the_whole_table(run):
    result = run("law", LAW, "--compare")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[:5] == [
        "中华人民共和国治安管理处罚法 新旧条文对照：2012-10-26 版（119 条）→ 2025-06-27 版（144 条）",
        "共 148 项：文字未变 6、仅条号变化 14、内容修改 97、删除 3、新增 28",
        "第一条　　　　 → 第一条：内容修改",
        "第六条　　　　 → 第二条：内容修改",
        "第二条　　　　 → 第三条：仅条号变化",
    ]
    assert len(lines) == 2 + 148
    assert "第四十三条　　 → 第五十一条：内容修改" in lines
    assert "第七十条　　　 → 第八十二条：内容修改" in lines
    assert "（无）　　　　 → 第十九条：新增" in lines
    assert "第七十六条　　 → （无）：删除" in lines


@pytest.mark.parametrize(
    ("only", "listed", "first"),
    [
        ("删除", "以下只列删除的 3 项：", "第六十一条　　 → （无）：删除"),
        ("新增", "以下只列新增的 28 项：", "（无）　　　　 → 第十九条：新增"),
        ("条号", "以下只列仅条号变化的 14 项：", "第二条　　　　 → 第三条：仅条号变化"),
        ("未变", "以下只列文字未变的 6 项：", "第七条　　　　 → 第七条：文字未变"),
        ("修改", "以下只列内容修改的 97 项：", "第一条　　　　 → 第一条：内容修改"),
    ],
)
def test_compare_only_one_kind(run, only, listed, first):
    result = run("law", LAW, "--compare", "--only", only)
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[2:4] == [listed, first]
    assert len(lines) == 3 + int(listed.split()[1])


def test_compare_json(run):
    result = run("law", LAW, "--compare", "--from", "2012", "--to", "2025", "--only", "删除", "--json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["old"] == {"version": "2012-10-26", "effective": "2013-01-01", "articles": 119}
    assert data["counts"]["新增"] == 28 and data["only"] == "删除"
    assert [(p["old"], p["new"], p["change"]) for p in data["pairs"]] == [
        ("61", None, "删除"),
        ("62", None, "删除"),
        ("76", None, "删除"),
    ]
    modified = json.loads(run("law", LAW, "--compare", "--only", "修改", "--json").output)["pairs"]
    gambling = next(p for p in modified if p["old"] == "70")
    assert gambling["new"] == "82"
    assert {"kind": "insert", "text": "一千"} in gambling["diff"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((LAW,), "缺少参数 条号；例如 python indexer.py law 治安管理处罚法 43，或用 --compare 查看新旧条文对照表"),
        (
            (LAW, "43", "--compare"),
            "--compare 列出整部法律的对照表，不带条号；查看一条请去掉 --compare：python indexer.py law 治安管理处罚法 43",
        ),
        (
            (LAW, "--compare", "--version", "2012-10-26"),
            "对照表用 --from 和 --to 指定版本，例如 --from 2012-10-26 --to 2025-06-27",
        ),
        ((LAW, "--only", "新增"), "--from、--to、--only 只用于对照表；请加上 --compare"),
        ((LAW, "--compare", "--from", "2013"), "治安管理处罚法没有 2013 版；可选：2012-10-26、2025-06-27"),
        (
            (LAW, "--compare", "--from", "2025", "--to", "2012"),
            "旧版本应早于新版本：2025-06-27 版晚于 2012-10-26 版；请交换新旧版本",
        ),
        (("刑法", "--compare"), "刑法在法规库中只有 2023-12-29 一个版本，无从对照；有两个版本的：治安管理处罚法"),
        (
            ("治安处罚条例", "--compare"),
            "法规库中没有“治安处罚条例”；相近的有：治安管理处罚法、行政处罚法、道路交通安全法实施条例",
        ),
        (
            (LAW, "--compare", "--only", "改号"),
            "选项 --only 的取值无效：“改号”不在可选值中；可选：修改、条号、未变、新增、删除",
        ),
    ],
)
def test_bad_arguments_exit_2_naming_the_fix(run, args, message):
    result = run("law", *args)
    assert result.exit_code == 2
    assert result.output.splitlines()[0] == f"用法错误：{message}"


def test_diff_marks_what_changed_word_by_word(run):
    result = run("law", LAW, "70", "--version", "2012", "--diff")
    assert result.exit_code == 0
    assert result.output.splitlines()[-5:-2] == [
        "2012年版第七十条在2025年修订后为第八十二条，内容有修改",
        "与2025-06-27 版第八十二条对照（[-删去-]{+增加+}）：",
        "以营利为目的，为赌博提供条件的，或者参与赌博赌资较大的，处五日以下拘留或者[-五百-]{+一千+}元以下罚款；"
        "情节严重的，处十日以上十五日以下拘留，并处[-五百-]{+一千+}元以上[-三-]{+五+}千元以下罚款。",
    ]


def test_compare_diff_prints_each_change_under_its_pair(run):
    result = run("law", LAW, "--compare", "--only", "修改", "--diff")
    lines = result.output.splitlines()
    at = lines.index("第一条　　　　 → 第一条：内容修改")
    assert lines[at + 1] == (
        "    为{+了+}维护社会治安秩序，保障公共安全，保护公民、法人和其他组织的合法权益，"
        "规范和保障公安机关及其人民警察依法履行治安管理职责，{+根据宪法，+}制定本法。"
    )


def test_a_corrected_pair_shows_its_explanation(run, tmp_path, monkeypatch):
    data = tmp_path / "content" / "data"
    data.mkdir(parents=True)
    (data / "taxonomy.yaml").write_text((REPO_ROOT / "data" / "taxonomy.yaml").read_text("utf-8"), "utf-8")
    (data / "law_concordance.yaml").write_text(
        f"{LAW}:\n  2012-10-26 -> 2025-06-27:\n    - 61 -> 74: 示例：假定法制大队认定脱逃条款由此条改写\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("KB_CONTENT", str(tmp_path / "content"))
    result = run("law", LAW, "--compare", "--only", "修改")
    assert (
        "第六十一条　　 → 第七十四条：内容修改（人工更正：示例：假定法制大队认定脱逃条款由此条改写）" in result.output
    )
    history = json.loads(run("law", LAW, "74", "--json").output)["history"]
    assert [(h["articles"], h["corrected"], h["note"]) for h in history] == [
        (["61"], True, "示例：假定法制大队认定脱逃条款由此条改写")
    ]
