"""Drafts called directly: saves never lose an author's text, conflicting saves, uploads, checks before submit."""

from __future__ import annotations

import threading

import pytest
from conftest import guide_text

from kb.errors import ContentError, PublishError
from kb.workflow import audit
from kb.workflow.drafts import (
    STATE_DISCARDED,
    STATE_SUBMITTED,
    StaleDraftError,
    check_text,
    create_draft,
    discard_draft,
    get_draft,
    import_upload,
    list_drafts,
    save_draft,
    submit,
)

# -- nothing an author writes is lost ----------------------------------------------------------


def test_the_author_and_a_reviewer_saving_the_same_draft_the_later_save_is_refused(kb):
    draft = create_draft(kb, "lin", guide_text("G-9"))
    lin_text, zhao_text = draft.text + "林的补充。", draft.text + "赵的补充。"
    save_draft(kb, "lin", draft.id, lin_text, draft.rev)
    with pytest.raises(StaleDraftError) as err:
        save_draft(kb, "zhao", draft.id, zhao_text, draft.rev)
    message = str(err.value)
    assert message.startswith(f"保存被拒绝：草稿 #{draft.id} 已被“lin”于 ")
    assert "（当前第 2 稿，你基于第 1 稿）。你的文本没有丢失，仍在编辑框中；" in message
    assert err.value.text == zhao_text  # the refused text travels with the error
    assert err.value.current.text == lin_text
    assert get_draft(kb, "zhao", draft.id).text == lin_text
    refused = audit.read_entries(kb, action="save_refused")[0]
    assert (refused.actor, refused.detail) == ("zhao", "基于第 1 稿，当前第 2 稿")
    # zhao keeps his work as a draft of his own
    copy = create_draft(kb, "zhao", err.value.text)
    assert copy.text == zhao_text


def test_simultaneous_saves_from_threads_let_exactly_one_win(kb):
    draft = create_draft(kb, "lin", guide_text("G-9"))
    outcomes: list[str] = []
    barrier = threading.Barrier(6)

    def save(n: int) -> None:
        barrier.wait()
        try:
            save_draft(kb, "lin" if n % 2 else "zhao", draft.id, draft.text + f"第{n}稿", draft.rev)
            outcomes.append("saved")
        except StaleDraftError:
            outcomes.append("refused")

    threads = [threading.Thread(target=save, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["refused"] * 5 + ["saved"]
    assert get_draft(kb, "lin", draft.id).rev == 2


# -- a draft belongs to its author -------------------------------------------------------------


def test_another_editor_cannot_save_over_discard_or_submit_a_draft(kb):
    draft = create_draft(kb, "lin", guide_text("G-9"))
    refused = f"草稿 #{draft.id} 是“lin”的草稿，只有作者本人或审核人员可以{{}}；如需在此基础上修改，请把内容复制到自己的新草稿"
    with pytest.raises(PublishError) as err:
        save_draft(kb, "wang", draft.id, draft.text + "王的改动。", draft.rev)
    assert str(err.value) == refused.format("修改")
    with pytest.raises(PublishError) as err:
        import_upload(kb, "wang", "wang.md", guide_text("G-8").encode(), draft_id=draft.id, expected_rev=draft.rev)
    assert str(err.value) == refused.format("修改")
    with pytest.raises(PublishError) as err:
        discard_draft(kb, "wang", draft.id)
    assert str(err.value) == refused.format("作废")
    with pytest.raises(PublishError) as err:
        submit(kb, "wang", draft.id)
    assert str(err.value) == refused.format("提交")
    kept = get_draft(kb, "wang", draft.id)  # reading it is fine
    assert (kept.text, kept.rev, kept.state) == (draft.text, 1, "草稿")
    denied = [(e.actor, e.target, e.detail) for e in audit.read_entries(kb, action="denied")]
    assert denied == [
        ("wang", f"草稿#{draft.id}", "试图提交“lin”的草稿"),
        ("wang", f"草稿#{draft.id}", "试图作废“lin”的草稿"),
        ("wang", f"草稿#{draft.id}", "试图修改“lin”的草稿"),
        ("wang", f"草稿#{draft.id}", "试图修改“lin”的草稿"),
    ]


def test_the_author_and_a_reviewer_may_save_submit_and_discard(kb):
    draft = create_draft(kb, "lin", guide_text("G-9"))
    draft = save_draft(kb, "lin", draft.id, draft.text + "林的补充。", draft.rev)
    draft = save_draft(kb, "zhao", draft.id, draft.text + "赵的补充。", draft.rev)
    assert submit(kb, "zhao", draft.id).state == STATE_SUBMITTED
    other = create_draft(kb, "wang", guide_text("G-8"))
    assert discard_draft(kb, "zhao", other.id).state == STATE_DISCARDED
    mine = create_draft(kb, "lin", guide_text("G-7"))
    assert discard_draft(kb, "lin", mine.id).state == STATE_DISCARDED


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            guide_text("G-9").replace("title: 电动车盗窃案件侦办指引", "title: [未闭合").encode(),
            "guides/G-9.md:4: front matter 不是合法的 YAML",
        ),
        (
            guide_text("G-9", body="正文。<script>alert('x')</script>").encode(),
            "guides/G-9.md:16: 含有不允许的 HTML“<script>”；文档中不能嵌入脚本、框架或事件代码，请删除",
        ),
        (
            guide_text("G-9", body='<a href="javascript:alert(1)">点此</a>').encode(),
            "guides/G-9.md:16: 含有不允许的 HTML“javascript:”",
        ),
        (
            guide_text("G-9", body='<img src=x onerror="alert(1)">').encode(),
            "guides/G-9.md:16: 含有不允许的 HTML“<img src=x onerror=”",
        ),
    ],
    ids=["bad-yaml", "script", "javascript-url", "event-handler"],
)
def test_a_malformed_upload_gets_the_validation_message_and_keeps_the_text(kb, data, expected):
    draft, problems, note = import_upload(kb, "lin", "新指引.md", data)
    assert any(str(p).startswith(expected) for p in problems), [str(p) for p in problems]
    assert note == ""
    assert get_draft(kb, "lin", draft.id).text == data.decode("utf-8")
    with pytest.raises(ContentError):
        submit(kb, "lin", draft.id)
    assert get_draft(kb, "lin", draft.id).text == data.decode("utf-8")
    assert audit.read_entries(kb, action="upload")[0].detail.startswith("新指引.md，")


def test_a_gbk_upload_gets_the_encoding_note_and_its_text_is_decoded_into_the_draft(kb):
    data = guide_text("G-9").encode("gb18030")
    draft, problems, note = import_upload(kb, "lin", "gbk.md", data)
    assert problems == []  # the draft is UTF-8 now: nothing left to fix
    assert note == "已按 GBK/GB18030 编码读入草稿，请核对文字；发布时将保存为 UTF-8"
    assert get_draft(kb, "lin", draft.id).text == guide_text("G-9")


def test_a_gbk_upload_under_the_limit_that_grows_past_it_in_utf8_says_so(kb):
    # Chinese takes 2 bytes in GBK and 3 in UTF-8, the encoding the limit applies to.
    text = guide_text("G-9") + "接报案件应当及时受理。" * 40_000
    data = text.encode("gb18030")
    assert len(data) < 1024 * 1024 < len(text.encode("utf-8"))
    draft, problems, _ = import_upload(kb, "lin", "gbk.md", data)
    size = len(text.encode("utf-8")) / 1024
    assert [p.message for p in problems] == [f"文件过大（按 UTF-8 编码 {size:.0f} KB，上限 1024 KB）；请拆分为多篇文档"]
    assert get_draft(kb, "lin", draft.id).text == text  # kept all the same


def test_a_word_document_is_refused_in_chinese_and_nothing_is_stored(kb):
    with pytest.raises(PublishError) as err:
        import_upload(kb, "lin", "接报案指引.docx", b"PK\x03\x04 not text")
    assert str(err.value) == (
        "只能上传 .md、.markdown 或 .txt 文件（收到“接报案指引.docx”）；Word 文档请另存为“纯文本（.txt）”，或把正文复制到编辑框"
    )
    assert list_drafts(kb, "lin") == []


def test_an_upload_with_a_bom_and_crlf_is_normalised_and_checked_as_the_draft(kb):
    data = b"\xef\xbb\xbf" + guide_text("G-9").replace("\n", "\r\n").encode("utf-8")
    draft, problems, note = import_upload(kb, "lin", "bom.md", data)
    assert (problems, note) == ([], "")
    assert get_draft(kb, "lin", draft.id).text == guide_text("G-9")


def test_an_upload_with_errors_lists_the_drafts_problems(kb):
    bad = guide_text("G-9").replace("category: 盗窃", "category: 盗抢").encode("gb18030")
    _, problems, note = import_upload(kb, "lin", "gbk.md", bad)
    assert [str(p).split("；")[0] for p in problems] == ["guides/G-9.md:4: category: 未知类别“盗抢”"]
    assert note.startswith("已按 GBK/GB18030 编码读入草稿")


def test_submit_lists_every_problem_and_keeps_the_text(kb):
    bad = guide_text("G-9").replace("category: 盗窃", "category: 盗抢").replace("status: 现行\n", "")
    draft = create_draft(kb, "lin", bad)
    with pytest.raises(ContentError) as err:
        submit(kb, "lin", draft.id)
    assert [str(p) for p in err.value.problems] == [
        "guides/G-9.md:4: category: 未知类别“盗抢”；可选：" + err.value.problems[0].message.split("可选：")[1],
        "guides/G-9.md:2: status: 缺少必填字段；请添加，例如 status: 现行",
    ]
    assert get_draft(kb, "lin", draft.id).text == bad


# -- checking ----------------------------------------------------------------------------------


def test_check_text_reports_like_the_indexer(kb):
    assert check_text(kb, guide_text("G-9")) == []
    text = guide_text("G-9", extra="superseded_by: G-404\nsupersedes: [G-1]\n").replace("现行", "不再参照")
    # links are checked against the content folder, as `indexer.py check` and publishing check them
    assert [str(p) for p in check_text(kb, text)] == [
        "guides/G-9.md:14: superseded_by: 找不到 id 为“G-404”的文档；请检查 id 是否写错"
    ]
    draft = create_draft(kb, "lin", guide_text("G-9", extra="guides_x: 1\n"))
    with pytest.raises(ContentError, match="共 1 处错误"):
        submit(kb, "lin", draft.id)
