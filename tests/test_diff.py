"""Diffs of two versions: by line, by Chinese sentence, with character-level marks, escaped HTML."""

from __future__ import annotations

from kb.diff import inline_html, line_diff, sentence_diff, split_sentences, to_html, unified


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
