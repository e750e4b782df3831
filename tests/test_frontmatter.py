"""Front matter in raw draft text: keys set in place, the preview's fields read even from broken YAML."""

from __future__ import annotations

import pytest
from conftest import guide_text

from kb.errors import PublishError
from kb.frontmatter import draft_view, set_front_matter


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
