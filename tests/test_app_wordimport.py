"""The editor's upload of a Word file through AppTest: it opens as a draft with the proposed front matter and
every problem listed; a file that cannot be read is refused in Chinese and stores nothing."""

from __future__ import annotations

import re
from datetime import date

from test_wordfile import case_file, word

from kb.settings import load_settings
from kb.workflow.drafts import get_draft, list_drafts

try:
    from tests.test_app_publish import check, env, go, logged_in, texts
except ImportError:  # tests/ is not a package: pytest put tests/ itself on sys.path
    from test_app_publish import check, env, go, logged_in, texts

__all__ = ["env"]  # the app tests' fixture: fresh content, index, database and accounts

YEAR = date.today().year
DRAFT = re.compile(r"^---\nid: G-\d{4}-\d{3}\ntitle: 盗窃案件办案指引\nkind: 办案指引\ncategory: 盗窃\n")


def upload(at, name: str, data: bytes, kind: str | None = None):
    """Choose a file in the 上传 tab of a new draft and press 上传并新建草稿."""
    if kind is not None:
        at.radio(key="editor_upload_type").set_value(kind)
    at.file_uploader(key="editor_upload_new").upload(name, data, "application/octet-stream")
    check(at.run())
    at.button(key="editor_upload_go").click()
    return check(at.run())


def problem_lines(at) -> list[list[str]]:
    """The problem lines of each box of problems on the page."""
    boxes = [re.findall(r"^- `(.*)`$", box, flags=re.M) for box in texts(at.error)]
    return [lines for lines in boxes if lines]


def test_a_word_file_opens_as_a_draft_with_every_problem_listed(env):
    data = word(("h", 1, "盗窃案件办案指引"), ("p", "依照《中华人民共和国刑法》第二百六十四条处理。"))
    page = upload(go(logged_in("lin"), "editor"), "盗窃指引.docx", data)
    draft = get_draft(env, "lin", int(page.query_params["draft"]))
    assert DRAFT.match(draft.text), draft.text
    assert "laws: [刑法第二百六十四条]" in draft.text
    assert texts(page.warning)[0] == (
        "已从 Word 文档“盗窃指引.docx”导入：标题、类别、法律依据、印发日期等字段是按正文拟出的，请逐项核对，"
        "改正下列问题后再提交审核"
    )
    upload_box, check_tab = problem_lines(page)
    rel = f"guides/{draft.doc_id}.md"
    assert upload_box == [
        f"{rel}:11: issued: 缺少必填字段；请添加，例如 issued: 2024-03-01",
        f"{rel}:13: summary: 缺少必填字段；请添加，例如 summary: 一至三句话的要旨",
        f"{rel}:6: stage: 缺少必填字段；请添加，例如 stage: [接报案]",
    ]
    assert check_tab == upload_box  # the same problems stay in 校验 while the author fixes them


def test_a_case_file_is_read_as_a_case_when_the_type_is_left_to_the_content(env):
    page = upload(go(logged_in("lin"), "editor"), "案例.docx", case_file())
    draft = get_draft(env, "lin", int(page.query_params["draft"]))
    assert (draft.doc_type, draft.title) == ("case", "张某多次盗窃电动车电瓶案")
    assert problem_lines(page) == []
    assert "上传的文件校验通过" in "".join(texts(page.success))


def test_a_legacy_doc_is_refused_with_how_to_save_it_and_nothing_is_stored(env):
    page = upload(go(logged_in("lin"), "editor"), "旧指引.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1024))
    assert texts(page.error) == [
        "“旧指引.doc”是旧版 Word 文档（.doc），只能导入 .docx 格式的 Word 文档；请在 Word 或 WPS 中打开它，"
        "选择 文件 → 另存为 → Word 文档\\(\\*.docx\\)，再导入另存的 .docx 文件"  # as Markdown-escaped for st.error
    ]
    assert "draft" not in page.query_params
    assert list_drafts(load_settings(), "lin") == []


def test_a_word_file_replaces_the_text_of_an_open_draft(env):
    page = go(logged_in("lin"), "editor")
    page.button(key="editor_new").click()
    check(page.run())
    draft_id = int(page.query_params["draft"])
    before = get_draft(env, "lin", draft_id)
    page.file_uploader(key=f"editor_upload_{draft_id}").upload("新稿.docx", word(("h", 1, "盗窃案件办案指引")), "")
    check(page.run())
    page.button(key=f"editor_replace_{draft_id}").click()
    check(page.run())
    after = get_draft(env, "lin", draft_id)
    assert (after.doc_id, after.title, after.rev) == (before.doc_id, "盗窃案件办案指引", before.rev + 1)
    assert texts(page.warning)[0].startswith("已从 Word 文档“新稿.docx”导入")
