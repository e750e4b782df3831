"""Front matter: the bounded YAML reader; in raw draft text, keys set in place, the preview's fields read even from broken YAML."""

from __future__ import annotations

import tracemalloc
from datetime import date

import pytest
from conftest import guide_text

from kb.content.frontmatter import (
    ALIAS_MESSAGE,
    FrontMatterRefused,
    draft_view,
    load_front_matter,
    read_meta_leniently,
    set_front_matter,
)
from kb.errors import PublishError


def test_set_front_matter_keeps_other_lines_and_replaces_block_values():
    text = "---\nid: G-1\nversion: 3\nsuperseded_by:\n  - G-0\ntitle: 标题 # 注释\n---\n\n正文 version: 9\n"
    out = set_front_matter(text, {"version": 4, "superseded_by": "G-2", "status": "不再参照"})
    assert (
        out
        == "---\nid: G-1\nversion: 4\nsuperseded_by: G-2\ntitle: 标题 # 注释\nstatus: 不再参照\n---\n\n正文 version: 9\n"
    )
    with pytest.raises(PublishError, match="缺少 front matter"):
        set_front_matter("正文", {"version": 1})


def test_draft_view_reads_what_the_preview_shows_even_from_broken_yaml():
    view = draft_view(guide_text("G-9", extra="supersedes: [G-1]\n"))
    assert (view.doc_type, view.id, view.title, view.status, view.supersedes) == (
        "guide",
        "G-9",
        "电动车盗窃案件侦办指引",
        "现行",
        ("G-1",),
    )
    assert view.body.strip() == "盗窃电动车案件应当及时调取监控。"
    broken = draft_view(guide_text("G-9").replace("tags: [电动车]", "tags: [电动车"))
    assert (broken.id, broken.title) == ("G-9", "电动车盗窃案件侦办指引")
    assert broken.body.strip() == "盗窃电动车案件应当及时调取监控。"


def alias_bomb() -> str:
    """A 600-byte draft whose summary is ten levels of nine aliases: 9^10 strings once printed."""
    lines = ['l0: &l0 ["哈哈","哈哈","哈哈","哈哈","哈哈","哈哈","哈哈","哈哈","哈哈"]']
    lines += [f"l{i}: &l{i} [" + ",".join([f"*l{i - 1}"] * 9) + "]" for i in range(1, 10)]
    return (
        "---\nid: G-2025-951\ntitle: 别名炸弹：六百字节的草稿示例1\n"
        + "\n".join(lines)
        + "\nsummary: *l9\n---\n\n正文\n"
    )


def test_anchors_and_aliases_are_refused_with_their_line():
    with pytest.raises(FrontMatterRefused) as err:
        load_front_matter("id: G-1\ntags: &t [a, b]\nlaws: *t")
    assert (err.value.line, str(err.value)) == (1, ALIAS_MESSAGE)
    assert ALIAS_MESSAGE == "front matter 中不能使用 YAML 锚点和别名（& 与 *）；请直接写出取值"


@pytest.mark.parametrize(
    ("source", "line", "message"),
    [
        ("id: G-1\ntitle: !!python/object x", 1, "front matter 中不能使用 YAML 标签（! 与 !!）；请直接写出取值"),
        ("id: G-1\ntags: [[[[[[a]]]]]]", 1, "front matter 嵌套层次过深；字段的值只能是文本、日期、数字或列表"),
        ("id: G-1\n" + "tags: [a]\n" * 2000, 0, "front matter 过长（20008 个字符，上限 10000 个）；front matter 只写字段，正文写在结束的“---”行之后"),
        ("id: G-1\ntitle: 标\ud800题", 1, "front matter 中有无法编码的字符（孤立的代理字符）；请删除后重新输入"),
    ],
)  # fmt: skip
def test_tags_deep_nesting_overlong_and_unencodable_front_matter_are_refused(source, line, message):
    with pytest.raises(FrontMatterRefused) as err:
        load_front_matter(source)
    assert (err.value.line, str(err.value)) == (line, message)


def test_values_that_look_like_dates_or_numbers_but_are_none_stay_text():
    # PyYAML raised ValueError for each of these, out of check and the editor's preview
    meta = load_front_matter("issued: 2024-02-30\nreview_by: 2024-01-01 25:00:00\nversion: 0x_\nyear: " + "9" * 5000)
    assert meta == {"issued": "2024-02-30", "review_by": "2024-01-01 25:00:00", "version": "0x_", "year": "9" * 5000}
    assert load_front_matter("issued: 2024-03-01\nversion: 2") == {"issued": date(2024, 3, 1), "version": 2}


def test_the_preview_of_an_alias_bomb_reads_the_plain_key_lines_at_once():
    view = draft_view(alias_bomb())
    assert (view.id, view.title, view.summary, view.body) == (
        "G-2025-951",
        "别名炸弹：六百字节的草稿示例1",
        "",
        "\n正文\n",
    )


def test_the_editor_answers_a_600_byte_alias_bomb_with_flat_memory(settings):
    from kb.rendering.markup import render_markdown
    from kb.workflow.drafts import check_text

    text = alias_bomb()
    assert len(text.encode()) == 600
    check_text(settings, guide_text("G-1"))  # the taxonomy, loaded once as in the running app
    tracemalloc.start()
    try:
        # every parse the editor page runs on a rerun: autosave's headline, the check, the preview
        read_meta_leniently(text)
        problems = check_text(settings, text)
        view = draft_view(text)
        render_markdown(view.body)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [str(p) for p in problems] == [
        "guides/G-2025-951.md:4: front matter 中不能使用 YAML 锚点和别名（& 与 *）；请直接写出取值"
    ]
    assert peak < 5 * 1024 * 1024  # the expansion would need gigabytes
