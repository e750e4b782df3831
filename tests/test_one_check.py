"""One check everywhere: the same file gives the same problems in the editor, the upload, review, publish and
`indexer.py check`; impossible dates, missing articles and template leftovers are problem lines, never a crash."""

from __future__ import annotations

import re
import shutil
from datetime import date

import pytest
from click.testing import CliRunner
from streamlit.testing.v1 import AppTest

from indexer import cli
from kb.errors import ContentError
from kb.settings import load_settings
from kb.workflow import database
from kb.workflow.checks import check_document, load_context
from kb.workflow.drafts import check_text, create_draft, decode_upload, get_draft, import_upload, list_drafts, submit
from kb.workflow.publish import publish, publish_file

try:
    from tests.test_app_publish import PASSWORDS, check, env, go, logged_in, texts
except ImportError:  # tests/ is not a package: pytest put tests/ itself on sys.path
    from test_app_publish import PASSWORDS, check, env, go, logged_in, texts

__all__ = ["env"]  # the app tests' fixture: fresh content, index, database and accounts

YEAR = date.today().year
MISSING_ARTICLE = (
    "引用“刑法第九百九十九条”不存在；刑法共 3 条（第一百三十三条至第二百六十六条），最接近的有：第二百六十六条"
)

# A guide written from the template and left half done: the sample id, both placeholders, two empty
# sections, a day February does not have, and an article the criminal law does not have.
GUIDE = """---
id: G-2025-001
title: （指引标题）
kind: 办案指引
category: 执法规范
stage: [受案立案]
tags: [电动车]
laws: [刑法第九百九十九条]
audience: [办案民警, 法制员]
status: 现行
issued: 2026-02-30
version: 1
summary: （一至三句话的要旨）
---

## 适用范围

## 办理步骤

接报后及时受案。

## 法律依据
"""
GUIDE_PATH = "guides/G-2025-001.md"
GUIDE_PROBLEMS = [
    f"{GUIDE_PATH}:11: issued: 日期“2026-02-30”不存在：2026 年 2 月只有 28 天；请改正，例如 issued: 2026-02-28",
    f"{GUIDE_PATH}:8: laws: {MISSING_ARTICLE}",
    f"{GUIDE_PATH}:2: id: “G-2025-001”是模板中的示例编号，不是本文的编号；"
    f"请改为本文自己的编号，例如 G-{YEAR}-001（今年尚未使用的下一个编号）",
    f"{GUIDE_PATH}:3: title: 仍是模板的占位文字“（指引标题）”；请填写本文的标题",
    f"{GUIDE_PATH}:13: summary: 仍是模板的占位文字“（一至三句话的要旨）”；请填写本文的要旨",
    f"{GUIDE_PATH}:16: 章节“## 适用范围”下没有内容；请填写该章节，或删去这个标题",
    f"{GUIDE_PATH}:22: 章节“## 法律依据”下没有内容；请填写该章节，或删去这个标题",
]

# A case from the template: month 13, the case placeholders, five of its six sections empty.
CASE = """---
id: C-2025-001
title: （案例标题）
category: 盗窃
case_type: 刑事
charges: [盗窃罪]
year: 2026
unit: 某县公安局某派出所
tags: [电动车]
laws: [刑法第九百九十九条]
audience: [办案民警]
status: 现行
issued: 2026-13-45
version: 1
summary: （一至三句话的办案要旨）
---

## 基本案情

张某盗窃电动车一辆。

## 办案过程

## 法律适用

## 处理结果

## 办案要旨

## 指导意义
"""
CASE_PATH = "casebook/盗窃/C-2025-001.md"
CASE_PROBLEMS = [
    f"{CASE_PATH}:13: issued: 日期“2026-13-45”不存在：没有 13 月（月份为 1 至 12）；请改正，例如 issued: 2024-03-01",
    f"{CASE_PATH}:10: laws: {MISSING_ARTICLE}",
    f"{CASE_PATH}:2: id: “C-2025-001”是模板中的示例编号，不是本文的编号；"
    f"请改为本文自己的编号，例如 C-{YEAR}-001（今年尚未使用的下一个编号）",
    f"{CASE_PATH}:3: title: 仍是模板的占位文字“（案例标题）”；请填写本文的标题",
    f"{CASE_PATH}:15: summary: 仍是模板的占位文字“（一至三句话的办案要旨）”；请填写本文的办案要旨",
    *(
        f"{CASE_PATH}:{line}: 章节“## {section}”下没有内容；请填写该章节（案例须包含此章节）"
        for line, section in ((22, "办案过程"), (24, "法律适用"), (26, "处理结果"), (28, "办案要旨"), (30, "指导意义"))
    ),
]

BAD = {"guide": (GUIDE, GUIDE_PATH, GUIDE_PROBLEMS), "case": (CASE, CASE_PATH, CASE_PROBLEMS)}

# The guide above finished: passes every check.
FILLED = GUIDE.replace("G-2025-001", "G-2026-301").replace("2026-02-30", "2026-02-28")
FILLED = FILLED.replace("（指引标题）", "接报案工作指引").replace("（一至三句话的要旨）", "规范接报案。")
FILLED = FILLED.replace("刑法第九百九十九条", "刑法第二百六十四条")
FILLED = FILLED.replace("## 适用范围\n", "## 适用范围\n\n本县各派出所。\n").replace(
    "## 法律依据\n", "## 法律依据\n\n刑法。\n"
)


CRIMINAL_LAW = """# 中华人民共和国刑法

2020年12月26日 第十三届全国人民代表大会常务委员会第二十四次会议通过

<!-- INFO END -->

第一百三十三条 违反交通运输管理法规，因而发生重大事故，致人重伤、死亡或者使公私财产遭受重大损失的，处三年以下有期徒刑或者拘役。

第一百三十三条之一 在道路上驾驶机动车，有下列情形之一的，处拘役，并处罚金：醉酒驾驶机动车的。

第二百六十四条 盗窃公私财物，数额较大的，或者多次盗窃、入户盗窃、携带凶器盗窃、扒窃的，处三年以下有期徒刑、拘役或者管制，并处或者单处罚金。

第二百六十六条 诈骗公私财物，数额较大的，处三年以下有期徒刑、拘役或者管制，并处或者单处罚金。
"""


@pytest.fixture
def laws(env, tmp_path, monkeypatch):
    """The app tests' environment with a statute folder holding the articles its documents cite."""
    folder = tmp_path / "laws" / "刑法"
    folder.mkdir(parents=True)
    (folder / "刑法.md").write_text(CRIMINAL_LAW, encoding="utf-8")
    monkeypatch.setenv("KB_LAWS", str(tmp_path / "laws"))
    return load_settings()


def strings(problems) -> list[str]:
    return [str(p) for p in problems]


def shown_errors(at: AppTest) -> list[list[str]]:
    """The problem lines of each box of problems on the page (workflow.show_problems: "- `problem`" lines)."""
    boxes = [re.findall(r"^- `(.*)`$", box, flags=re.M) for box in texts(at.error)]
    return [lines for lines in boxes if lines]


def cli_check(settings, tmp_path, rel: str, text: str) -> tuple[int, list[str]]:
    """`indexer.py check` over a copy of the content folder with the file added: exit code and its lines."""
    copy = tmp_path / "checked"
    shutil.copytree(settings.content_dir, copy)
    (copy / rel).parent.mkdir(parents=True, exist_ok=True)
    (copy / rel).write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", "--content", str(copy), "--laws", str(settings.laws_dir)])
    return result.exit_code, [line for line in result.output.splitlines() if line.startswith(rel + ":")]


# -- the same problems in all five places --------------------------------------------------------


@pytest.mark.parametrize("kind", ["guide", "case"])
def test_one_bad_file_gives_the_same_problems_in_all_five_places(laws, tmp_path, kind):
    text, rel, expected = BAD[kind]
    found: dict[str, list[str]] = {}

    # 1. the editor's 校验 tab
    draft = create_draft(laws, "lin", text, kind)
    editor = go(logged_in("lin"), "editor", draft=str(draft.id))
    (found["editor"],) = shown_errors(editor)
    assert get_draft(laws, "lin", draft.id).text == text

    # 2. the upload (the library call and the page)
    uploaded, problems, note = import_upload(laws, "lin", "半成品.md", text.encode(), doc_type=kind)
    found["upload"] = strings(problems)
    assert (note, get_draft(laws, "lin", uploaded.id).text) == ("", text)
    page = go(logged_in("lin"), "editor")
    page.radio(key="editor_upload_type").set_value(kind)
    page.file_uploader(key="editor_upload_new").upload("半成品.md", text.encode(), "text/markdown")
    check(page.run())
    page.button(key="editor_upload_go").click()
    check(page.run())
    upload_box, check_tab = shown_errors(page)
    found["upload page"], found["editor after upload"] = upload_box, check_tab
    assert get_draft(laws, "lin", int(page.query_params["draft"])).text == text

    # 3. review: submitting is refused with the problems, and the draft stays as written
    with pytest.raises(ContentError) as refused:
        submit(laws, "lin", draft.id)
    found["submit"] = strings(refused.value.problems)
    assert (get_draft(laws, "lin", draft.id).state, get_draft(laws, "lin", draft.id).text) == ("草稿", text)

    # 4. publish: a draft that reached the queue before these checks, and the command line's one step
    with database.transaction(laws) as con:
        con.execute("UPDATE drafts SET state = '待审核' WHERE id = ?", (draft.id,))
    with pytest.raises(ContentError) as refused:
        publish(laws, "zhao", draft.id)
    found["publish"] = strings(refused.value.problems)
    assert (get_draft(laws, "zhao", draft.id).state, get_draft(laws, "zhao", draft.id).text) == ("待审核", text)
    source = tmp_path / "半成品.md"
    source.write_text(text, encoding="utf-8")
    with pytest.raises(ContentError) as refused:
        publish_file(laws, "zhao", source)
    found["publish_file"] = strings(refused.value.problems)
    result = CliRunner().invoke(
        cli, ["publish", str(source), "--as", "zhao", "--password-stdin"], input=PASSWORDS["zhao"] + "\n"
    )
    assert result.exit_code == 1
    found["indexer.py publish"] = [line for line in result.output.splitlines() if line.startswith(rel + ":")]
    assert not (laws.content_dir / rel).exists()

    # 5. indexer.py check
    code, found["indexer.py check"] = cli_check(laws, tmp_path, rel, text)
    assert code == 1

    assert found == dict.fromkeys(found, expected)


def test_the_check_reads_text_and_writes_no_file(laws, tmp_path, monkeypatch):
    import tempfile

    def no_temporary_files(*args, **kwargs):
        raise AssertionError("the check wrote a temporary file")

    monkeypatch.setattr(tempfile, "TemporaryDirectory", no_temporary_files)
    monkeypatch.setattr(tempfile, "NamedTemporaryFile", no_temporary_files)
    before = sorted(p for p in laws.content_dir.rglob("*") if p.is_file())
    assert strings(check_text(laws, GUIDE)) == GUIDE_PROBLEMS
    assert sorted(p for p in laws.content_dir.rglob("*") if p.is_file()) == before


# -- nothing raises to the page -------------------------------------------------------------------


@pytest.mark.parametrize("issued", ["2026-02-30", "2026-13-45", "2026-00-10", "0000-01-01"])
def test_an_upload_with_an_impossible_date_becomes_a_draft_with_the_problem_line(laws, issued):
    text = GUIDE.replace("2026-02-30", issued).replace("id: G-2025-001", "id: G-2026-301")
    draft, problems, _ = import_upload(laws, "lin", "日期.md", text.encode())
    assert get_draft(laws, "lin", draft.id).text == text
    (line,) = [str(p) for p in problems if p.field == "issued"]
    assert (
        line
        == {
            "2026-02-30": "guides/G-2026-301.md:11: issued: 日期“2026-02-30”不存在：2026 年 2 月只有 28 天；"
            "请改正，例如 issued: 2026-02-28",
            "2026-13-45": "guides/G-2026-301.md:11: issued: 日期“2026-13-45”不存在：没有 13 月（月份为 1 至 12）；"
            "请改正，例如 issued: 2024-03-01",
            "2026-00-10": "guides/G-2026-301.md:11: issued: 日期“2026-00-10”不存在：没有 0 月（月份为 1 至 12）；"
            "请改正，例如 issued: 2024-03-01",
            "0000-01-01": "guides/G-2026-301.md:11: issued: 日期“0000-01-01”不存在：没有公元 0 年；"
            "请改正，例如 issued: 2024-03-01",
        }[issued]
    )


def test_the_editor_page_shows_an_impossible_date_typed_in_as_a_problem_line(laws):
    draft = create_draft(laws, "lin", FILLED)
    editor = go(logged_in("lin"), "editor", draft=str(draft.id))
    typed = FILLED.replace("2026-02-28", "2026-13-45")
    editor.radio(key=f"editor_mode_{draft.id}").set_value("源码")  # typed as raw Markdown
    check(editor.run())
    editor.text_area(key=f"editor_text_{draft.id}").input(typed)
    check(editor.run())
    assert shown_errors(editor) == [
        [
            "guides/G-2026-301.md:11: issued: 日期“2026-13-45”不存在：没有 13 月（月份为 1 至 12）；"
            "请改正，例如 issued: 2024-03-01"
        ]
    ]
    assert get_draft(laws, "lin", draft.id).text == typed


JUNK = bytes(range(256)) * 8 + b"\xff\xfe\x00\x00garbage"


def test_binary_junk_uploaded_as_markdown_is_kept_as_far_as_it_decodes_with_the_problems(laws):
    draft, problems, note = import_upload(laws, "lin", "照片.md", JUNK)
    text, expected_note = decode_upload(JUNK)
    assert note == expected_note == "文件编码无法识别，无法识别的字符已替换为“�”，请核对"
    assert get_draft(laws, "lin", draft.id).text == text
    controls = len(re.findall("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", text))
    assert strings(problems) == [
        "guides/草稿.md:1: 缺少 front matter；文件须以“---”行开始，写完 YAML 字段后再以“---”行结束",
        f"guides/草稿.md:1: 含有控制字符 U+0000（共 {controls} 处，第一处在本行）；"
        "这通常来自二进制文件或编码错误，请删除这些字符，或重新上传纯文本文件",
    ]


def test_binary_junk_uploaded_in_the_app_opens_as_a_draft_with_its_problems(laws):
    page = go(logged_in("lin"), "editor")
    page.file_uploader(key="editor_upload_new").upload("照片.md", JUNK, "application/octet-stream")
    check(page.run())
    page.button(key="editor_upload_go").click()
    check(page.run())
    draft_id = int(page.query_params["draft"])
    assert get_draft(laws, "lin", draft_id).text == decode_upload(JUNK)[0]
    assert "文件编码无法识别，无法识别的字符已替换为“�”，请核对" in texts(page.warning)
    upload_box = shown_errors(page)[0]
    assert upload_box[0] == "guides/草稿.md:1: 缺少 front matter；文件须以“---”行开始，写完 YAML 字段后再以“---”行结束"
    assert [d.id for d in list_drafts(laws, "lin")] == [draft_id]


def test_indexer_check_prints_the_impossible_date_line_and_exits_1(laws, tmp_path):
    text = GUIDE.replace("2026-02-30", "2026-13-45")
    code, lines = cli_check(laws, tmp_path, GUIDE_PATH, text)
    assert code == 1
    assert lines[0] == (
        f"{GUIDE_PATH}:11: issued: 日期“2026-13-45”不存在：没有 13 月（月份为 1 至 12）；请改正，例如 issued: 2024-03-01"
    )


# -- the checks one by one --------------------------------------------------------------------------


def test_a_filled_in_template_passes(laws):
    assert check_text(laws, FILLED) == []


def test_a_template_section_with_only_a_sub_heading_and_text_is_not_empty_but_one_in_a_code_block_is(laws):
    text = FILLED.replace("## 法律依据\n\n刑法。\n", "## 法律依据\n\n### 刑法\n\n第二百六十四条。\n")
    assert check_text(laws, text) == []
    fenced = FILLED.replace("本县各派出所。\n", "```\n## 办理步骤\n```\n").replace("接报后及时受案。\n", "")
    assert strings(check_text(laws, fenced)) == [
        "guides/G-2026-301.md:22: 章节“## 办理步骤”下没有内容；请填写该章节，或删去这个标题"
    ]


def test_a_placeholder_left_in_the_body_is_a_problem_line(laws):
    text = FILLED.replace("接报后及时受案。", "接报后及时受案，（指引标题）。")
    assert strings(check_text(laws, text)) == [
        "guides/G-2026-301.md:22: 仍是模板的占位文字“（指引标题）”；请改为实际内容，或删去"
    ]


def test_a_template_id_that_was_published_before_is_an_id_like_any_other(laws):
    text = FILLED.replace("G-2026-301", "G-2025-001")
    assert [p.field for p in check_text(laws, text)] == ["id"]
    with database.transaction(laws) as con:  # published through the app before drafts were numbered
        con.execute(
            "INSERT INTO versions (doc_id, version, path, text, action, at, actor) VALUES (?, 1, ?, ?, 'publish', '', '')",
            ("G-2025-001", GUIDE_PATH, text),
        )
    assert check_text(laws, text) == []


def test_the_suggested_id_is_the_next_free_one_of_the_year(laws):
    (laws.content_dir / "guides" / f"G-{YEAR}-007.md").write_text(
        FILLED.replace("G-2026-301", f"G-{YEAR}-007"), encoding="utf-8"
    )
    (problem,) = check_text(laws, FILLED.replace("G-2026-301", "G-2025-001"))
    assert problem.message.endswith(f"例如 G-{YEAR}-008（今年尚未使用的下一个编号）")


def test_links_are_checked_against_the_content_folder_the_same_in_the_editor_and_the_cli(laws, tmp_path):
    text = FILLED.replace("version: 1\n", "version: 1\nsupersedes: [G-2024-901, G-2099-404]\n")
    expected = ["guides/G-2026-301.md:13: supersedes: 找不到 id 为“G-2099-404”的文档；请检查 id 是否写错"]
    assert strings(check_text(laws, text)) == expected
    assert cli_check(laws, tmp_path, "guides/G-2026-301.md", text) == (1, expected)


def test_scripts_are_refused_by_the_cli_check_as_by_publishing(laws, tmp_path):
    text = FILLED.replace("接报后及时受案。", "接报后及时受案。<script>alert(1)</script>")
    expected = ["guides/G-2026-301.md:22: 含有不允许的 HTML“<script>”；文档中不能嵌入脚本、框架或事件代码，请删除"]
    assert strings(check_text(laws, text)) == expected
    assert cli_check(laws, tmp_path, "guides/G-2026-301.md", text) == (1, expected)


def test_a_body_citation_of_a_missing_article_warns_alike_in_the_editor_and_the_cli(laws, tmp_path):
    text = FILLED.replace("接报后及时受案。", "依照刑法第九百九十九条处理。")
    expected = [f"guides/G-2026-301.md:22: {MISSING_ARTICLE}"]
    assert [(str(p), p.severity) for p in check_text(laws, text)] == [(expected[0], "warning")]
    assert cli_check(laws, tmp_path, "guides/G-2026-301.md", text) == (0, [expected[0] + "（警告）"])


def test_a_lone_surrogate_typed_into_the_body_is_a_problem_line_not_a_crash(laws):
    context = load_context(laws)
    result = check_document(
        FILLED.replace("接报后及时受案。", "接报后\ud800及时受案。"), "guides/G-2026-301.md", context
    )
    assert strings(result.problems) == [
        "guides/G-2026-301.md:22: 含有无法编码的字符（孤立的代理字符）（共 1 处，第一处在本行）；"
        "这通常来自二进制文件或编码错误，请删除这些字符，或重新上传纯文本文件"
    ]


def test_a_broken_taxonomy_is_shown_as_problems_by_the_editors_check(laws):
    (laws.data_dir / "taxonomy.yaml").write_text("categories: [", encoding="utf-8")
    (problem,) = check_text(laws, FILLED)
    assert str(problem).startswith(f"{laws.data_dir / 'taxonomy.yaml'}:1: 无法读取分类体系：")
