"""Diffs of two versions: fields as a table, the body by Markdown block then sentence, words marked, escaped HTML."""

from __future__ import annotations

from kb.content.diff import (
    Block,
    BlockChange,
    FieldChange,
    Span,
    body_html,
    document_diff,
    document_html,
    fields_html,
    inline_html,
    inline_spans,
    line_diff,
    sentence_diff,
    split_blocks,
    split_sentences,
    to_html,
    unified,
)


def test_sentences_split_after_chinese_end_marks_keeping_them():
    text = "公安机关应当立即受理。对“不归我们管”的说法！应予纠正；否则追责？\n第二行没有句号"
    assert split_sentences(text) == [
        "公安机关应当立即受理。",
        "对“不归我们管”的说法！",
        "应予纠正；",
        "否则追责？",
        "第二行没有句号",
    ]


def test_closing_quotes_stay_with_their_sentence():
    assert split_sentences("他说：“马上立案。”随后离开。") == ["他说：“马上立案。”", "随后离开。"]


def test_blank_lines_and_spaces_make_no_empty_sentences():
    assert split_sentences("  第一句。\n\n\n  第二句。  ") == ["第一句。", "第二句。"]
    assert split_sentences("") == []


def test_sentence_diff_finds_the_changed_sentence_inside_one_long_line():
    old = "一、受案后24小时内立案。二、应当告知报案人。三、录音录像。"
    new = "一、受案后立即立案。二、应当告知报案人。三、录音录像。四、同步止付。"
    diff = sentence_diff(old, new)
    assert [(op.tag, op.old, op.new) for op in diff.ops] == [
        ("replace", ("一、受案后24小时内立案。",), ("一、受案后立即立案。",)),
        ("equal", ("二、应当告知报案人。", "三、录音录像。"), ("二、应当告知报案人。", "三、录音录像。")),
        ("insert", (), ("四、同步止付。",)),
    ]
    assert (diff.added, diff.removed, diff.changed) == (2, 1, True)
    # by line it is one opaque change
    assert [op.tag for op in line_diff(old, new).ops] == ["replace"]


def test_line_diff_counts_lines():
    diff = line_diff("a\nb\nc", "a\nB\nc\nd")
    assert (diff.added, diff.removed) == (2, 1)
    assert not line_diff("same", "same").changed


def test_inline_html_marks_characters_and_escapes():
    assert inline_html("受案后24小时内立案", "受案后立即立案") == "受案后<del>24小时内</del><ins>立即</ins>立案"
    assert inline_html("<b>", "<i>") == "&lt;<del>b</del><ins>i</ins>&gt;"


def test_html_folds_unchanged_runs_and_escapes_script():
    old = "".join(f"第{n}句。" for n in range(10)) + "<script>alert(1)</script>。"
    new = "".join(f"第{n}句。" for n in range(10)) + "新句。"
    out = to_html(sentence_diff(old, new))
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert "未改动 8 句" in out  # the first and last unchanged sentences stay as context
    assert "<del>&lt;script&gt;alert(1)&lt;/script&gt;</del><ins>新句</ins>。" in out
    assert "两个版本内容相同" in to_html(sentence_diff("一。", "一。"))


def test_unified_diff_for_the_terminal():
    text = unified("甲\n乙", "甲\n丙", "第 1 版", "第 2 版")
    assert text.splitlines()[:2] == ["--- 第 1 版", "+++ 第 2 版"]
    assert "-乙" in text and "+丙" in text


# -- documents: front matter as fields, the body by Markdown block then sentence ---------------

FRONT = """---
id: G-2024-001
title: 接报案工作指引
issued: {issued}
version: {version}
---

"""


def doc(body: str = "正文。\n", issued: str = "2024-02-26", version: int = 2) -> str:
    return FRONT.format(issued=issued, version=version) + body


def test_a_date_change_is_one_field_row_never_interleaved_characters():
    diff = document_diff(doc(issued="2024-02-26"), doc(issued="2026-12-07"))
    assert diff.fields == (FieldChange("issued", "印发日期", "changed", "2024-02-26", "2026-12-07"),)
    assert diff.body == (BlockChange("equal", Block("paragraph", "正文。"), Block("paragraph", "正文。")),)
    assert diff.summary == "字段改动 1 处；正文新增 0 段，删除 0 段，修改 0 段"
    assert document_html(diff) == (
        '<div class="kb-diff"><table class="kb-diff-fields"><thead><tr><th>字段</th><th>原值</th><th>新值</th></tr>'
        '</thead><tbody><tr class="kb-diff-field-changed"><td>印发日期</td><td><del>2024-02-26</del></td>'
        '<td><ins>2026-12-07</ins></td></tr></tbody></table><div class="kb-diff-caption">正文没有改动。</div></div>'
    )
    # before: "202<del>4</del><ins>6</ins>-<ins>12-0</ins>…"; a date in the body is replaced whole too
    assert inline_html("印发日期2024-02-26。", "印发日期2026-12-07。") == (
        "印发日期<del>2024-02-26</del><ins>2026-12-07</ins>。"
    )
    assert inline_spans("于2024年2月26日印发", "于2026年12月7日印发") == (
        Span("equal", "于"),
        Span("delete", "2024年2月26"),
        Span("insert", "2026年12月7"),
        Span("equal", "日印发"),
    )


def test_a_version_change_shows_both_numbers_whole():
    diff = document_diff(doc(version=2), doc(version=3))
    assert diff.fields == (FieldChange("version", "版本号", "changed", "2", "3"),)
    assert fields_html(diff.fields) == (
        '<table class="kb-diff-fields"><thead><tr><th>字段</th><th>原值</th><th>新值</th></tr></thead><tbody>'
        '<tr class="kb-diff-field-changed"><td>版本号</td><td><del>2</del></td><td><ins>3</ins></td></tr>'
        "</tbody></table>"
    )  # before: "23" with the 2 struck through
    assert inline_html("第12版", "第13版") == "第<del>12</del><ins>13</ins>版"


def test_an_unchanged_bullet_stays_unchanged_when_its_neighbour_changes_or_the_list_is_renumbered():
    old = "## 清单\n\n- 呼气检测。\n- 及时抽取血样。\n- 血样送检。\n\n1. 受案。\n2. 立案。\n"
    new = "## 清单\n\n- 呼气检测。\n- 立即抽取血样。\n- 血样送检。\n\n1. 受案。\n2. 审批。\n3. 立案。\n"
    changes = document_diff(doc(old), doc(new)).body
    assert [(c.tag, (c.new or c.old).text) for c in changes] == [
        ("equal", "清单"),
        ("equal", "呼气检测。"),
        ("modify", "立即抽取血样。"),
        ("equal", "血样送检。"),
        ("equal", "受案。"),
        ("insert", "审批。"),
        ("equal", "立案。"),  # was "2.", now "3.": the same item
    ]
    assert changes[2].spans == (Span("delete", "及时"), Span("insert", "立即"), Span("equal", "抽取血样。"))
    assert body_html(changes, context=5) == (
        '<h2 class="kb-diff-eq">清单</h2>'
        '<div class="kb-diff-li kb-diff-d1 kb-diff-eq"><span class="kb-diff-mark">•</span>呼气检测。</div>'
        '<div class="kb-diff-li kb-diff-d1 kb-diff-mod"><span class="kb-diff-mark">•</span>'
        "<del>及时</del><ins>立即</ins>抽取血样。</div>"
        '<div class="kb-diff-li kb-diff-d1 kb-diff-eq"><span class="kb-diff-mark">•</span>血样送检。</div>'
        '<div class="kb-diff-li kb-diff-d1 kb-diff-eq"><span class="kb-diff-mark">1.</span>受案。</div>'
        '<div class="kb-diff-li kb-diff-d1 kb-diff-ins"><span class="kb-diff-mark">2.</span><ins>审批。</ins></div>'
        '<div class="kb-diff-li kb-diff-d1 kb-diff-eq"><span class="kb-diff-mark">3.</span>立案。</div>'
    )


def test_the_body_splits_into_markdown_blocks():
    body = (
        "## 调查取证\n\n第一句。第二句\n续行。\n\n- 项一\n  - 嵌套项\n1. 编号项\n\n"
        "| 证据 | 要点 |\n|---|---|\n| 视频 | 及时调取 |\n\n> 引用\n\n```\ncode\n```\n\n---\n"
    )
    assert split_blocks(body) == (
        Block("heading", "调查取证", 2),
        Block("paragraph", "第一句。第二句\n续行。"),
        Block("item", "项一", 1),
        Block("item", "嵌套项", 2),
        Block("item", "编号项", 1, "1."),
        Block("row", "证据 │ 要点"),
        Block("row", "视频 │ 及时调取"),
        Block("quote", "引用"),
        Block("code", "code"),
        Block("rule", "——"),
    )


def test_a_changed_paragraph_is_diffed_by_sentence_and_a_rewritten_one_is_removed_and_added():
    old = "## 范围\n\n受案后立即登记。应当告知报案人。\n\n完全不同的旧段落内容。\n"
    new = "## 范围\n\n受案后立即登记。应当书面告知报案人。\n\n另起炉灶写的新段。\n"
    changes = document_diff(doc(old), doc(new)).body
    assert [c.tag for c in changes] == ["equal", "modify", "delete", "insert"]
    assert changes[1].spans == (
        Span("equal", "受案后立即登记。应当"),
        Span("insert", "书面"),
        Span("equal", "告知报案人。"),
    )
    out = body_html(changes)
    assert '<h2 class="kb-diff-eq">范围</h2>' in out  # a heading stays a heading
    assert '<p class="kb-diff-p kb-diff-del"><del>完全不同的旧段落内容。</del></p>' in out
    assert '<p class="kb-diff-p kb-diff-ins"><ins>另起炉灶写的新段。</ins></p>' in out


def test_added_and_removed_fields_are_marked():
    old = doc().replace("version: 2\n", "version: 2\ntags: [接报案, 受案]\n")
    new = doc().replace("version: 2\n", "version: 2\nreview_by: 2026-12-31\n")
    fields = document_diff(old, new).fields
    assert fields == (
        FieldChange("review_by", "复核日期", "added", "", "2026-12-31"),
        FieldChange("tags", "关键词", "removed", "接报案、受案", ""),
    )
    out = fields_html(fields)
    assert "<td>复核日期（新增）</td><td>—</td><td><ins>2026-12-31</ins></td>" in out
    assert "<td>关键词（删除）</td><td><del>接报案、受案</del></td><td>—</td>" in out


def test_long_unchanged_runs_fold_but_keep_their_headings():
    body = "## 一\n\n" + "".join(f"第{n}段。\n\n" for n in range(6)) + "## 二\n\n末段。\n"
    changes = document_diff(doc(body), doc(body.replace("末段。", "末段已改。"))).body
    assert body_html(changes) == (
        '<h2 class="kb-diff-eq">一</h2><div class="kb-diff-fold">…… 未改动 6 段 ……</div>'
        '<h2 class="kb-diff-eq">二</h2><p class="kb-diff-p kb-diff-mod">末段<ins>已改</ins>。</p>'
    )


def test_document_html_escapes_fields_and_body():
    old = doc("<b>旧</b>段落。\n").replace("title: 接报案工作指引", "title: 指引")
    new = doc("<script>alert(1)</script>段落。\n").replace("title: 接报案工作指引", "title: <img src=x>")
    out = document_html(document_diff(old, new))
    assert "<script" not in out and "<img" not in out and "<b>" not in out
    assert "<td><ins>&lt;img src=x&gt;</ins></td>" in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out


def test_an_unreadable_front_matter_is_compared_by_line():
    broken = doc().replace("version: 2", "version: [2")
    diff = document_diff(doc(), broken)
    assert diff.fields == ()
    assert [(op.tag, op.old, op.new) for op in diff.front_matter if op.tag != "equal"] == [
        ("replace", ("version: 2",), ("version: [2",))
    ]
    out = document_html(diff)
    assert "front matter 无法按字段读取，按行对比：" in out
    assert (
        '<div class="kb-diff-del"><del>version: 2</del></div><div class="kb-diff-ins"><ins>version: [2</ins></div>'
        in out
    )


def test_identical_documents_say_so():
    diff = document_diff(doc(), doc())
    assert not diff.changed and diff.summary == "两个版本内容相同"
    assert document_html(diff) == '<div class="kb-diff"><div class="kb-diff-fold">两个版本内容相同</div></div>'


def test_fields_carry_the_editors_labels_a_cases_summary_is_its_banyao():
    case = "---\nid: C-1\ncase_type: 刑事\nsummary: 旧要旨。\n---\n"
    fields = document_diff(case, case.replace("旧要旨", "新要旨")).fields
    assert fields == (FieldChange("summary", "办案要旨", "changed", "旧要旨。", "新要旨。"),)
