"""Documents: front matter split from the body, and the body's plain text for snippets."""

from __future__ import annotations

import pytest

from kb.content.documents import plain_text, split_front_matter


def test_front_matter_is_split_from_the_body_with_their_lines():
    source = split_front_matter("---\nid: G-1\ntitle: 标题\n---\n\n正文\n")
    assert (source.front_matter, source.body, source.front_matter_line, source.body_line) == (
        "id: G-1\ntitle: 标题",
        "\n正文\n",
        2,
        5,
    )
    assert split_front_matter("正文").front_matter is None


def test_plain_text_keeps_link_texts_and_drops_the_markup():
    text = "# 标题\n\n**要点**：见[刑法](https://e/刑法_(2020)) 与 ![图](a.png)。\n\n---\n\n| 甲 | 乙 |\n  \n\n  末行  "
    assert plain_text(text) == "标题\n要点：见刑法 与 !图。\n甲  乙\n末行"


@pytest.mark.parametrize(
    ("body", "plain"),
    [
        ("[" * 157_000, "[" * 157_000),
        ("![" * 78_000, "![" * 78_000),
        ("[a](" * 40_000, "[a](" * 40_000),
        ("\n" * 157_000, ""),
        (" " * 157_000 + "x", "x"),
        ("[a](x(" * 26_000, "[a](x(" * 26_000),
    ],
    ids=["brackets", "images", "open links", "blank lines", "spaces", "open parentheses"],
)
def test_plain_text_of_bodies_that_once_took_quadratic_time(body, plain):
    # "\[([^\]]*)\]\([^)]*\)" read on from every "[": a valid 157 KB guide took build --full 114 s
    # (how long it takes now is measured by the benchmarks, not asserted here)
    assert plain_text(body) == plain
