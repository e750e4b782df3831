"""Tests for kb.statutes.corrections: the 新旧条文对照 correction file, every mistake reported with its line."""

from pathlib import Path

import pytest

from kb.statutes.corrections import check_corrections, read_corrections
from kb.statutes.library import StatuteLibrary

TOY = "某某市养犬管理条例"
HEAD = f"{TOY}:\n  2020-01-01 -> 2024-01-01:\n"
PURPOSE = "为了规范养犬行为，制定本条例。"
SCOPE = "本条例适用于本市行政区域。"
NOISE = "犬只吠叫影响他人正常生活的，养犬人应当予以制止。"


@pytest.fixture
def toy(tmp_path: Path):
    """Write a two-version toy regulation and load it (no effective-date table)."""

    def make(old: list[str], new: list[str]) -> StatuteLibrary:
        folder = tmp_path / "laws"
        folder.mkdir(exist_ok=True)
        for version, articles in (("2020-01-01", old), ("2024-01-01", new)):
            body = "\n\n".join(f"第{n}条 {text}" for n, text in zip("一二三四五", articles, strict=False))
            (folder / f"{TOY}({version}).md").write_text(f"# {TOY}\n\n<!-- INFO END -->\n\n{body}\n", "utf-8")
        return StatuteLibrary.load(folder, effective_file=tmp_path / "none.yaml")

    return make


def _corrections(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "law_concordance.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_every_mistake_in_the_correction_file_is_reported_with_its_line(toy, tmp_path):
    library = toy([PURPOSE, SCOPE], [PURPOSE, SCOPE, NOISE])
    path = _corrections(
        tmp_path,
        "道路交通安全法:\n"  # 1
        "  2020-01-01 -> 2024-01-01: []\n"  # 2
        f"{TOY}:\n"  # 3
        "  2019-01-01 -> 2024-01-01:\n"  # 4
        "    - 1 -> 1: 说明\n"  # 5
        "  2020-01-01 到 2024-01-01:\n"  # 6
        "    - 1 -> 1: 说明\n"  # 7
        "  2020-01-01 -> 2024-01-01:\n"  # 8
        "    - 1 到 1: 写错了箭头\n"  # 9
        "    - 9 -> 1: 旧版没有第九条\n"  # 10
        "    - 2 -> 第十条: 新版没有第十条\n"  # 11
        "    - 第X条 -> 1: 条号写错\n"  # 12
        "    - 2 -> 3\n"  # 13
        "    - 2 -> 2:\n"  # 14
        "    - 1 -> 1: 第一条未变\n"  # 15
        "    - 1 -> 3: 第一条又列一次\n"  # 16
        "    - 删除 -> 3: 删除写反了\n"  # 17
        "    - 新增 -> 删除: 两边都空\n"  # 18
        "    - {a: 1, b: 2}\n",  # 19
    )
    form = "每项写成“- 旧条号 -> 新条号: 说明”，例如“- 61 -> 删除: 2025 年修订删去此条”；一条分为数条写“49 -> 58、59”"
    assert [str(p) for p in check_corrections(library, path)] == [
        "data/law_concordance.yaml:1: 法规库中没有“道路交通安全法”；请写法规库中的法规简称，如“治安管理处罚法”",
        f"data/law_concordance.yaml:4: {TOY}没有 2019-01-01 版；可选：2020-01-01、2024-01-01",
        "data/law_concordance.yaml:6: 版本应写成“旧版本 -> 新版本”，例如“2020-01-01 -> 2024-01-01”",
        f"data/law_concordance.yaml:9: 无法识别的对照项“1 到 1”；{form}",
        f"data/law_concordance.yaml:10: {TOY} 2020-01-01 版没有第九条；该版共 2 条（第一条至第二条），请核对条号",
        f"data/law_concordance.yaml:11: {TOY} 2024-01-01 版没有第十条；该版共 3 条（第一条至第三条），请核对条号",
        "data/law_concordance.yaml:12: 无法识别的条号“第X条”；条号写成 43、133-1 或 第四十三条",
        "data/law_concordance.yaml:13: “2 -> 3”缺少说明；请在冒号后写明自动对照为什么有误，例如“- 2 -> 3: 2025 年修订将此条拆分”",
        "data/law_concordance.yaml:14: “2 -> 2”缺少说明；请在冒号后写明自动对照为什么有误，例如“- 2 -> 2: 2025 年修订将此条拆分”",
        "data/law_concordance.yaml:16: 2020-01-01 版第一条已在第 15 行列出；每条只能列一次，一条分为数条请写在同一项中，例如“49 -> 58、59”",
        "data/law_concordance.yaml:17: “删除”应写在新条号一侧：旧条号写“新增”表示新版新增，新条号写“删除”表示旧版删去",
        f"data/law_concordance.yaml:18: “新增 -> 删除”两边都没有条号；{form}",
        f"data/law_concordance.yaml:19: 无法识别的对照项；{form}",
    ]
    entries, _ = read_corrections(path, library)
    assert [(e.old, e.new, e.line) for e in entries] == [(("1",), ("1",), 15)]


def test_a_correction_file_that_is_not_yaml_or_not_a_mapping(toy, tmp_path):
    library = toy([PURPOSE], [PURPOSE])
    bad = _corrections(tmp_path, f"{TOY}:\n  - [unclosed\n")
    assert [str(p) for p in check_corrections(library, bad)] == [
        "data/law_concordance.yaml:3: 不是合法的 YAML（expected ',' or ']', but got '<stream end>'）；请对照文件开头的格式说明改正"
    ]
    listed = _corrections(tmp_path, "- 1 -> 1: 说明\n")
    assert [str(p) for p in check_corrections(library, listed)] == [
        "data/law_concordance.yaml:1: 顶层应为“法规名称:”，其下是“旧版本 -> 新版本:”和对照项；请对照文件开头的格式说明改正"
    ]
    flat = _corrections(tmp_path, f"{TOY}: 1 -> 1\n")
    assert [str(p) for p in check_corrections(library, flat)] == [
        f"data/law_concordance.yaml:1: “{TOY}”下应为“旧版本 -> 新版本:”，例如“2020-01-01 -> 2024-01-01:”"
    ]
    assert check_corrections(library, tmp_path / "missing.yaml") == []


def test_the_bundled_correction_file_is_valid(laws_dir):
    assert check_corrections(StatuteLibrary.load(laws_dir)) == []


def test_indexer_check_reports_the_correction_file(content, tmp_path, toy):
    from conftest import make_settings

    from kb.workflow.content_check import check_everything

    library_dir = tmp_path / "laws"
    toy([PURPOSE], [PURPOSE])
    content.guide("G-1")
    content.write("data/law_concordance.yaml", HEAD + "    - 1 -> 1\n")
    settings = make_settings(content.root, tmp_path, laws_dir=library_dir)
    problems = [str(p) for p in check_everything(settings).problems]
    assert (
        "data/law_concordance.yaml:3: “1 -> 1”缺少说明；请在冒号后写明自动对照为什么有误，例如“- 1 -> 1: 2025 年修订将此条拆分”"
        in problems
    )
