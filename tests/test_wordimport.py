"""Word files imported as drafts, never published: the proposed front matter with the cited laws, every
problem listed, a folder reported file by file (`indexer.py import`), refusals that name the file and the fix."""

from __future__ import annotations

from datetime import date

import pytest
from click.testing import CliRunner
from conftest import guide_text
from test_wordfile import case_file, word

from indexer import cli
from kb.errors import AuthError, PublishError
from kb.workflow.accounts import add_user
from kb.workflow.drafts import STATE_DRAFT, create_draft, get_draft, list_drafts
from kb.workflow.wordimport import cited_laws, import_file, import_word, proposed_note

YEAR = date.today().year
PASSWORD = "password-lin"
GUIDE = word(
    ("h", 1, "盗窃案件办案指引"),
    ("p", "依照《中华人民共和国刑法》第二百六十四条、刑事诉讼法第八十一条第一款处理。"),
)
LEGACY = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1024)
CASE_TEXT = f"""---
id: C-{YEAR}-001
title: 张某多次盗窃电动车电瓶案
category: 盗窃
case_type: 刑事
charges: [盗窃罪]
year: 2023
unit: 某县公安局城关派出所
tags: []
laws: [刑法第二百六十四条]
audience: [办案民警]
status: 现行
issued: 2023-10-08
version: 1
summary: 二年内盗窃三次以上的，构成多次盗窃。不以数额较大为要件。
---

## 基本案情

2023年5月，张某在某县公安局城关派出所辖区内多次盗窃电动车电瓶。

## 办案过程

民警调取监控，锁定张某。

## 法律适用

张某二年内盗窃三次以上，依照《中华人民共和国刑法》第二百六十四条，构成盗窃罪。

## 处理结果

2023年9月12日，张某被判处有期徒刑六个月。

## 办案要旨

二年内盗窃三次以上的，构成多次盗窃。不以数额较大为要件。

## 指导意义

对同类案件有参考价值。

2023年10月8日
"""


@pytest.fixture
def editors(settings):
    """The fixture content's settings (no documents yet) with an editor, lin, and a reader, du."""
    add_user(settings, "lin", "编辑", PASSWORD)
    add_user(settings, "du", "读者", "password-du1")
    return settings


def test_a_case_becomes_a_draft_with_its_front_matter_and_no_problem(editors):
    draft, problems, note = import_word(editors, "lin", "张某盗窃案.docx", case_file())
    assert (draft.doc_type, draft.state, draft.doc_id, draft.title) == (
        "case",
        STATE_DRAFT,
        f"C-{YEAR}-001",
        "张某多次盗窃电动车电瓶案",
    )
    assert draft.text == CASE_TEXT
    assert (problems, note) == ([], "")
    assert not (editors.content_dir / "casebook" / "盗窃").exists()  # nothing is published


def test_the_citations_in_the_text_become_laws_entries_and_missing_fields_are_problems(editors):
    draft, problems, _ = import_word(editors, "lin", "指引.docx", GUIDE)
    assert draft.text.split("---\n")[1] == (
        f"id: G-{YEAR}-001\ntitle: 盗窃案件办案指引\nkind: 办案指引\ncategory: 盗窃\nstage: []\ntags: []\n"
        "laws: [刑法第二百六十四条, 刑事诉讼法第八十一条第一款]\naudience: [办案民警, 法制员]\nstatus: 现行\n"
        "issued:\nversion: 1\nsummary:\n"
    )
    assert [str(p) for p in problems] == [
        f"guides/G-{YEAR}-001.md:11: issued: 缺少必填字段；请添加，例如 issued: 2024-03-01",
        f"guides/G-{YEAR}-001.md:13: summary: 缺少必填字段；请添加，例如 summary: 一至三句话的要旨",
        f"guides/G-{YEAR}-001.md:6: stage: 缺少必填字段；请添加，例如 stage: [接报案]",
    ]


def test_cited_laws_are_listed_once_in_the_order_first_cited():
    text = "依照刑法第264条。又依照《中华人民共和国刑法》第二百六十四条，以及治安管理处罚法第五十八条。"
    assert cited_laws(text) == ["刑法第二百六十四条", "治安管理处罚法第五十八条"]


def test_a_cited_article_the_statutes_do_not_have_is_a_problem_of_the_draft(editors, laws_dir):
    from dataclasses import replace

    settings = replace(editors, laws_dir=laws_dir)
    data = word(("h", 1, "盗窃指引"), ("p", "依照刑法第九百九十九条处理。本指引于2024年3月5日印发。"))
    draft, problems, _ = import_word(settings, "lin", "指引.docx", data)
    assert "laws: [刑法第九百九十九条]" in draft.text
    assert any(p.field == "laws" and "刑法第九百九十九条" in p.message for p in problems), problems


def test_a_reader_cannot_import(editors):
    with pytest.raises(AuthError):
        import_word(editors, "du", "指引.docx", GUIDE)
    assert list_drafts(editors, "lin") == []


def test_a_legacy_file_is_refused_and_nothing_is_stored(editors):
    with pytest.raises(PublishError) as refused:  # WordFileError is a KBError, told like the other refusals
        import_file(editors, "lin", "扫描件.pdf", b"%PDF-1.7")
    assert str(refused.value) == (
        "只能上传 .md、.markdown、.txt 文件或 Word 文档（.docx）（收到“扫描件.pdf”）；"
        "其他格式请在 Word 或 WPS 中另存为 Word 文档(*.docx)，或把正文复制到编辑框"
    )
    with pytest.raises(Exception, match="“旧指引.doc”是旧版 Word 文档（.doc）"):
        import_file(editors, "lin", "旧指引.doc", LEGACY)
    assert list_drafts(editors, "lin") == []


def test_a_markdown_upload_still_goes_through_the_markdown_import(editors):
    draft, problems, note = import_file(editors, "lin", "指引.md", guide_text("G-7").encode())
    assert (draft.text, problems, note) == (guide_text("G-7"), [], "")
    assert proposed_note("指引.md", note) == ""


def test_a_word_file_replacing_a_drafts_text_keeps_the_drafts_id(editors):
    draft = create_draft(editors, "lin", guide_text("G-7"))
    replaced, _, _ = import_file(editors, "lin", "新稿.docx", GUIDE, draft_id=draft.id, expected_rev=draft.rev)
    assert (replaced.id, replaced.doc_id, replaced.rev, replaced.title) == (draft.id, "G-7", 2, "盗窃案件办案指引")
    assert get_draft(editors, "lin", draft.id).text.startswith("---\nid: G-7\ntitle: 盗窃案件办案指引\n")


def test_the_editor_note_says_the_fields_were_proposed():
    assert proposed_note("材料/指引.docx", "原文中的图片未导入，请另行处理") == (
        "已从 Word 文档“指引.docx”导入：标题、类别、法律依据、印发日期等字段是按正文拟出的，请逐项核对，"
        "改正下列问题后再提交审核；原文中的图片未导入，请另行处理"
    )


# -- the command line --------------------------------------------------------------------------


@pytest.fixture
def run(editors, monkeypatch):
    monkeypatch.setenv("KB_CONTENT", str(editors.content_dir))
    monkeypatch.setenv("KB_DB", str(editors.db_path))
    monkeypatch.delenv("KB_LAWS", raising=False)

    def invoke(*args, password=PASSWORD):
        return CliRunner().invoke(cli, list(args), input=f"{password}\n", prog_name="python indexer.py")

    return invoke


def test_a_folder_of_five_with_two_bad_files_imports_three_and_exits_1(run, editors, tmp_path):
    folder = tmp_path / "指引材料"
    (folder / "案例").mkdir(parents=True)
    (folder / "案例" / "张某盗窃案.docx").write_bytes(case_file())
    (folder / "盗窃指引.docx").write_bytes(GUIDE)
    (folder / "宝典.docx").write_bytes(word(("h", 1, "执法宝典"), ("p", "本宝典于2024年3月5日印发。")))
    (folder / "旧指引.doc").write_bytes(LEGACY)
    (folder / "损坏.docx").write_bytes(b"PK\x03\x04 cut off")
    (folder / "~$盗窃指引.docx").write_bytes(b"lock file Word keeps while the file is open")
    result = run("import", str(folder), "--as", "lin", "--password-stdin")
    assert result.exit_code == 1, result.output
    assert result.output.splitlines() == [
        "需修改（草稿编号 1）：宝典.docx",
        f"  guides/G-{YEAR}-001.md:5: category: 缺少必填字段；请添加，例如 category: 盗窃",
        f"  guides/G-{YEAR}-001.md:6: stage: 缺少必填字段；请添加，例如 stage: [接报案]",
        f"  guides/G-{YEAR}-001.md:13: summary: 缺少必填字段；请添加，例如 summary: 一至三句话的要旨",
        "已拒绝：“损坏.docx”已损坏或不是有效的 Word 文档，无法读取；请在 Word 或 WPS 中打开它确认能正常显示，"
        "另存为 Word 文档(*.docx) 后再导入",
        "已拒绝：“旧指引.doc”是旧版 Word 文档（.doc），只能导入 .docx 格式的 Word 文档；请在 Word 或 WPS 中打开它，"
        "选择 文件 → 另存为 → Word 文档(*.docx)，再导入另存的 .docx 文件",
        "已导入（草稿编号 2）：案例/张某盗窃案.docx",
        "需修改（草稿编号 3）：盗窃指引.docx",
        f"  guides/G-{YEAR}-002.md:6: stage: 缺少必填字段；请添加，例如 stage: [接报案]",
        f"  guides/G-{YEAR}-002.md:11: issued: 缺少必填字段；请添加，例如 issued: 2024-03-01",
        f"  guides/G-{YEAR}-002.md:13: summary: 缺少必填字段；请添加，例如 summary: 一至三句话的要旨",
        "共 5 个文件：导入 3 个（其中需修改 2 个），拒绝 2 个；草稿请在网页“编写”页打开，改正问题后提交审核",
    ]
    titles = {d.title: d.state for d in list_drafts(editors, "lin")}
    assert titles == {"执法宝典": "草稿", "张某多次盗窃电动车电瓶案": "草稿", "盗窃案件办案指引": "草稿"}


def test_one_good_file_exits_0(run, editors, tmp_path):
    (tmp_path / "案例.docx").write_bytes(case_file())
    result = run("import", str(tmp_path / "案例.docx"), "--as", "lin", "--password-stdin")
    assert (result.exit_code, result.output) == (
        0,
        "已导入（草稿编号 1）：案例.docx\n共 1 个文件：导入 1 个（其中需修改 0 个），拒绝 0 个；"
        "草稿请在网页“编写”页打开，改正问题后提交审核\n",
    )


def test_a_wrong_password_imports_nothing(run, editors, tmp_path):
    (tmp_path / "案例.docx").write_bytes(case_file())
    result = run("import", str(tmp_path / "案例.docx"), "--as", "lin", "--password-stdin", password="wrong-one-1")
    assert result.exit_code == 1
    assert list_drafts(editors, "lin") == []


@pytest.mark.parametrize("args", [["import"], ["import", "不存在的文件夹", "--as", "lin"], ["import", "."]])
def test_usage_errors_exit_2(run, args):
    assert run(*args).exit_code == 2
