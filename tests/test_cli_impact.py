"""`python indexer.py impact`: the documents a law change touches, in Chinese, exit codes 0 and 2, the JSON shape."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from indexer import cli

LAW = "治安管理处罚法"

GUIDE_BODY = (
    "结伙殴打他人的，依照《治安管理处罚法》第四十三条第二款处罚；因民间纠纷引起的，可以依照第九条调解。\n\n"
    "非法携带管制刀具的，依照《治安管理处罚法》第三十二条处罚；屡教不改的，依照第七十六条采取强制性教育措施。"
)


@pytest.fixture
def run(content, laws_dir):
    """Three fixture documents: a guide in force citing the 2012 numbering, a 2024 case, a guide of 2026."""
    content.guide(
        "G-2024-101", title="殴打他人案件办理指引", laws=f"{LAW}第四十三条", issued="2024-03-01", body=GUIDE_BODY
    )
    content.case(
        "C-2024-101",
        title="李某赌博案",
        category="治安赌博",
        case_type="行政",
        charges="赌博",
        year=2024,
        tags="赌博",
        laws=f"{LAW}第七十条",
        summary="以营利为目的参与赌博，赌资较大的，依法处罚。",
        facts="李某在出租屋内参与赌博。",
        law_text="依照《中华人民共和国治安管理处罚法》第七十条，对李某处以行政拘留五日。",
    )
    content.guide(
        "G-2026-001",
        title="殴打他人案件办理指引（2026年版）",
        laws=f"{LAW}第五十一条",
        issued="2026-02-01",
        body="殴打他人的，依照《治安管理处罚法》第五十一条处罚。",
    )
    runner = CliRunner()

    def invoke(*args):
        where = ["--content", str(content.root), "--laws", str(laws_dir)]
        return runner.invoke(cli, ["impact", *args, *where], prog_name="python indexer.py")

    return invoke


EXPECTED = """\
治安管理处罚法：2012-10-26 版（2013-01-01 施行） → 2025-06-27 版（2026-01-01 施行）
引用本次修订涉及条文的文档：3 篇（须修改 1 篇，须关注 0 篇，提示 2 篇）
说明：条文变化中 [-…-] 为删去的文字，{+…+} 为新增的文字。

guides/G-2024-101.md　G-2024-101《殴打他人案件办理指引》（指引，现行，2024-03-01 印发）
  [须修改] 第8、16行　治安管理处罚法第四十三条：2012年版第四十三条 → 2025年版第五十一条（内容修改）
      现行指引仍按2012年版引用第四十三条；2025年版已于2026-01-01施行，该条现为第五十一条且内容已修改，请核对新条文后改引
      条文变化（第四十三条 → 第五十一条）：
        殴打他人的，或者故意伤害他人身体的，处五日以上十日以下拘留，并处[-二-]{+五+}百元以上[-五百-]{+一千+}元以下罚款；情节较轻的，处五日以下拘留或者[-五百-]{+一千+}元以下罚款。
        有下列情形之一的，处十日以上十五日以下拘留，并处[-五百-]{+一千+}元以上[-一-]{+二+}千元以下罚款：
        （一）结伙殴打、伤害他人的；
        （二）殴打、伤害残疾人、孕妇、不满十四周岁的人或者[-六-]{+七+}十周岁以上的人的；
        （三）多次殴打、伤害他人或者一次殴打、伤害多人的。
  [须修改] 第16行　第九条：2012年版第九条 → 2025年版第九条（内容修改）
      现行指引仍按2012年版引用第九条；2025年版已于2026-01-01施行，该条仍为第九条，但内容已修改，请核对新条文后修订本文
      条文变化（第九条 → 第九条）：
        对于因民间纠纷引起的打架斗殴或者损毁他人财物等违反治安管理行为，情节较轻的，公安机关可以调解处理。{+
        调解处理治安案件，应当查明事实，并遵循合法、公正、自愿、及时的原则，注重教育和疏导，促进化解矛盾纠纷。
        +}经公安机关调解，当事人达成协议的，不予处罚。经调解未达成协议或者达成协议后不履行的，公安机关应当依照本法的规定对违反治安管理行为[-人给予-]{+作出+}处[-罚-]{+理+}，并告知当事人可以就民事争议依法向人民法院提起民事诉讼。{+
        对属于第一款规定的调解范围的治安案件，公安机关作出处理决定前，当事人自行和解或者经人民调解委员会调解达成协议并履行，书面申请经公安机关认可的，不予处罚。+}
  [须修改] 第18行　《治安管理处罚法》第三十二条：2012年版第三十二条 → 2025年版第三十八条（内容修改）
      现行指引仍按2012年版引用第三十二条；2025年版已于2026-01-01施行，该条现为第三十八条且内容已修改，请核对新条文后改引
      条文变化（第三十二条 → 第三十八条）：
        非法携带枪支、弹药或者弩、匕首等国家规定的管制器具的，处五日以下拘留，可以并处[-五百-]{+一千+}元以下罚款；情节较轻的，处警告或者[-二-]{+五+}百元以下罚款。
        非法携带枪支、弹药或者弩、匕首等国家规定的管制器具进入公共场所或者公共交通工具的，处五日以上十日以下拘留，可以并处[-五百-]{+一千+}元以下罚款。
  [须修改] 第18行　第七十六条：2012年版第七十六条 → 2025年版无对应条文（删除）
      现行指引仍按2012年版引用第七十六条；2025年版已于2026-01-01施行，该条已删除，请删去或改引现行规定

casebook/治安赌博/C-2024-101.md　C-2024-101《李某赌博案》（案例，现行，2024-06-01 印发）
  [提示] 第10、26行　治安管理处罚法第七十条：2012年版第七十条 → 2025年版第八十二条（内容修改）
      适用2012年版第七十条，现行为2025年版第八十二条（内容修改）

guides/G-2026-001.md　G-2026-001《殴打他人案件办理指引（2026年版）》（指引，现行，2026-02-01 印发）
  [提示] 第8、16行　治安管理处罚法第五十一条：2012年版第四十三条 → 2025年版第五十一条（内容修改）
"""


def test_impact_lists_each_document_with_old_and_new_numbers(run):
    result = run(LAW)
    assert result.exit_code == 0, result.output
    assert result.output == EXPECTED


def test_from_and_to_name_the_versions(run):
    result = run(LAW, "--from", "2012-10-26", "--to", "2025")
    assert (result.exit_code, result.output) == (0, EXPECTED)


def test_the_json_shape(run):
    result = run(LAW, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {k: v for k, v in data.items() if k != "documents"} == {
        "law": LAW,
        "old": {"version": "2012-10-26", "effective": "2013-01-01"},
        "new": {"version": "2025-06-27", "effective": "2026-01-01"},
        "counts": {"error": 1, "warning": 0, "info": 2},
    }
    assert [(d["id"], d["severity"], [f["citation"] for f in d["findings"]]) for d in data["documents"]] == [
        ("G-2024-101", "error", [f"{LAW}第四十三条", "第九条", "《治安管理处罚法》第三十二条", "第七十六条"]),
        ("C-2024-101", "info", [f"{LAW}第七十条"]),
        ("G-2026-001", "info", [f"{LAW}第五十一条"]),
    ]
    case = data["documents"][1]
    assert {k: v for k, v in case.items() if k != "findings"} == {
        "id": "C-2024-101",
        "path": "casebook/治安赌博/C-2024-101.md",
        "title": "李某赌博案",
        "type": "case",
        "status": "现行",
        "issued": "2024-06-01",
        "read_on": "2024-06-01",
        "severity": "info",
    }
    [finding] = case["findings"]
    assert {k: v for k, v in finding.items() if k != "diffs"} == {
        "citation": f"{LAW}第七十条",
        "lines": [10, 26],
        "read_in": "2012-10-26",
        "old": [{"id": f"{LAW}@2012-10-26#70", "article": "70", "label": "第七十条", "version": "2012-10-26"}],
        "new": [{"id": f"{LAW}@2025-06-27#82", "article": "82", "label": "第八十二条", "version": "2025-06-27"}],
        "change": "内容修改",
        "severity": "info",
        "reason": "适用2012年版第七十条，现行为2025年版第八十二条（内容修改）",
    }
    [diff] = finding["diffs"]
    assert (diff["old"], diff["new"]) == ("70", "82")
    assert [p for p in diff["pieces"] if p["kind"] != "equal"][:2] == [
        {"kind": "delete", "text": "五百"},
        {"kind": "insert", "text": "一千"},
    ]


def test_diff_shows_the_change_of_information_findings_too(run):
    result = run(LAW, "--diff")
    assert result.exit_code == 0
    assert "      条文变化（第七十条 → 第八十二条）：\n" in result.output
    assert "条文变化（第七十条 → 第八十二条）" not in run(LAW).output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["不存在的法"], "用法错误：法规库中没有“不存在的法”"),
        (["治安管理处罚"], "用法错误：法规库中没有“治安管理处罚”；相近的有：治安管理处罚法、行政处罚法"),
        (
            ["刑事诉讼法"],
            "用法错误：刑事诉讼法在法规库中只有 2018-10-26 一个版本，无从对照；有两个版本的：治安管理处罚法",
        ),
        ([LAW, "--from", "2011"], "用法错误：治安管理处罚法没有 2011 版；可选：2012-10-26、2025-06-27"),
        (
            [LAW, "--from", "2012-13-45"],
            "用法错误：--from 的值“2012-13-45”不是版本日期；请写作 YYYY-MM-DD，如 2012-10-26（也可只写年份 2012）",
        ),
        (
            [LAW, "--to", "去年"],
            "用法错误：--to 的值“去年”不是版本日期；请写作 YYYY-MM-DD，如 2012-10-26（也可只写年份 2012）",
        ),
        ([LAW, "--from", "2025", "--to", "2025-06-27"], "用法错误：新旧版本相同（2025-06-27）；请选两个不同的版本"),
        (
            [LAW, "--from", "2025", "--to", "2012"],
            "用法错误：旧版本应早于新版本：2025-06-27 版晚于 2012-10-26 版；请交换新旧版本",
        ),
    ],
)
def test_bad_arguments_exit_2_naming_the_fix(run, args, message):
    result = run(*args)
    assert result.exit_code == 2
    assert result.output == message + "\n"


def test_without_a_statute_folder_it_says_how_to_name_one(content, monkeypatch):
    monkeypatch.delenv("KB_LAWS", raising=False)
    monkeypatch.chdir(content.root)
    result = CliRunner().invoke(cli, ["impact", LAW, "--content", str(content.root)], prog_name="python indexer.py")
    assert (result.exit_code, result.output) == (
        2,
        "用法错误：未指定法规库目录；请使用 --laws DIR 或设置环境变量 KB_LAWS\n",
    )


def test_the_bundled_content_exits_0_listing_the_documents_citing_the_law(laws_dir):
    from kb.settings import REPO_ROOT

    result = CliRunner().invoke(
        cli,
        ["impact", LAW, "--json", "--content", str(REPO_ROOT), "--laws", str(laws_dir)],
        prog_name="python indexer.py",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    # Read independently of kb: each file whose front matter lists an article of the law, or whose text
    # cites one by name (《治安管理处罚法》第…, 治安管理处罚法（2025年修订）第…).
    cited = re.compile(r"治安管理处罚法》?(?:（[^）]{0,30}）)?第")
    listed = {
        path.stem
        for path in [*REPO_ROOT.glob("guides/*.md"), *REPO_ROOT.glob("casebook/*/*.md")]
        if cited.search(path.read_text(encoding="utf-8"))
    }
    assert len(listed) > 30
    assert {d["id"] for d in data["documents"]} == listed
    # Nothing to correct there (every document in force cites the 2025 text): all information, by path.
    assert {d["severity"] for d in data["documents"]} == {"info"}
    assert [d["path"] for d in data["documents"]] == sorted(d["path"] for d in data["documents"])


def test_the_correction_file_of_the_data_folder_is_applied(run, content):
    (content.root / "data" / "law_concordance.yaml").write_text(
        "治安管理处罚法:\n  2012-10-26 -> 2025-06-27:\n    - 76 -> 96: 测试用的更正\n", encoding="utf-8"
    )
    result = run(LAW, "--json")
    assert result.exit_code == 0, result.output
    [guide] = [d for d in json.loads(result.output)["documents"] if d["id"] == "G-2024-101"]
    [finding] = [f for f in guide["findings"] if f["citation"] == "第七十六条"]
    assert ([a["article"] for a in finding["new"]], finding["change"]) == (["96"], "内容修改")
