"""kb.rendering.markup: Markdown to sanitised HTML, citations, highlighted search terms."""

from __future__ import annotations

from datetime import date

import pytest
from markdown.inlinepatterns import LinkInlineProcessor

from kb.rendering.limits import MAX_LINK_CHARS
from kb.rendering.markup import ArticleText, cited_articles_html, print_footer_html, render_markdown, sanitize

THEFT = ArticleText(
    "刑法:264", "刑法第二百六十四条", "盗窃公私财物，<b>数额</b>较大的……", "doc?id=LAW-264", "（2020-12-26 版）"
)


def test_tables_and_headings_render_with_unicode_anchors_and_a_toc():
    doc = render_markdown("## 基本案情\n\n| 证据 | 要点 |\n|---|---|\n| 视频 | 及时调取 |\n\n### 小节 一\n")
    assert '<h2 id="基本案情">基本案情</h2>' in doc.html
    assert "<table>" in doc.html and "<td>及时调取</td>" in doc.html
    assert [(h.level, h.anchor, h.title) for h in doc.toc] == [(2, "基本案情", "基本案情"), (3, "小节-一", "小节 一")]


def test_scripts_handlers_styles_frames_and_images_are_removed():
    doc = render_markdown(
        '正文<script>alert(1)</script>\n\n<img src=x onerror="alert(2)">\n\n'
        '<div style="color:red" onmouseover="alert(3)">块</div>\n\n<iframe src="http://203.0.113.9/"></iframe>\n'
        "<style>body{display:none}</style>"
    )
    for banned in (
        "<script",
        "alert(1)",
        "<img",
        "onerror",
        "onmouseover",
        "style=",
        "<iframe",
        "<style",
        "display:none",
    ):
        assert banned not in doc.html
    assert "<div>块</div>" in doc.html


def test_javascript_and_data_links_lose_their_href():
    doc = render_markdown(
        '[a](javascript:alert(1)) <a href="JaVaScRiPt:alert(2)">b</a> [c](data:text/html,x) [d](doc?id=G-1)'
    )
    assert "javascript" not in doc.html.lower() and "data:" not in doc.html
    assert '<a href="doc?id=G-1" rel="noopener noreferrer">d</a>' in doc.html


def test_citations_link_to_a_search_when_the_article_is_unknown():
    doc = render_markdown("依照刑法第二百六十四条处理。")
    assert doc.citations == ("刑法:264",)
    assert (
        '<a class="kb-cite" href="./?q=%E5%88%91%E6%B3%95%E7%AC%AC%E4%BA%8C%E7%99%BE%E5%85%AD%E5%8D%81%E5%9B%9B%E6%9D%A1"'
        ' title="检索刑法第二百六十四条" rel="noopener noreferrer">刑法第二百六十四条</a>'
    ) in doc.html


def test_known_citations_carry_the_escaped_article_text():
    doc = render_markdown("依照《刑法》第264条处理。", articles={"刑法:264": THEFT})
    assert '<span class="kb-cite" tabindex="0" role="button" title="刑法第二百六十四条">《刑法》第264条' in doc.html
    assert "盗窃公私财物，&lt;b&gt;数额&lt;/b&gt;较大的……" in doc.html
    assert '<span class="kb-article-note">（2020-12-26 版）</span>' in doc.html
    assert '<a class="kb-article-link" href="doc?id=LAW-264" rel="noopener noreferrer">查看法条</a>' in doc.html


def test_a_callable_can_supply_the_articles_and_citations_can_be_switched_off():
    asked = []
    render_markdown("刑法第二百六十六条", articles=lambda key: asked.append(key))
    assert asked == ["刑法:266"]
    doc = render_markdown("刑法第二百六十六条", citations=False)
    assert doc.citations == () and "kb-cite" not in doc.html


def test_search_terms_are_marked_outside_links_code_and_headings():
    doc = render_markdown("## 盗窃\n\n多次盗窃。`盗窃` [盗窃](doc?id=1) DUI and dui", highlight=["盗窃", "dui", " "])
    assert doc.html.count('<mark class="kb-term">') == 3
    assert '<h2 id="盗窃">盗窃</h2>' in doc.html
    assert "<code>盗窃</code>" in doc.html
    assert '<mark class="kb-term">DUI</mark> and <mark class="kb-term">dui</mark>' in doc.html
    assert doc.marks == 3


def test_marking_does_not_break_entities():
    doc = render_markdown("a &amp; b < c", highlight=["b"])
    assert doc.html == '<p>a &amp; <mark class="kb-term">b</mark> &lt; c</p>'


def test_sanitize_is_idempotent_on_its_own_output():
    once = sanitize('<p onclick="x()">a<script>b</script><mark class="kb-term">c</mark></p>')
    assert once == '<p>a<mark class="kb-term">c</mark></p>'
    assert sanitize(once) == once


def test_images_become_their_alt_text_with_a_note_and_nothing_is_fetched():
    doc = render_markdown(
        "照片 ![嫌疑人照片](http://203.0.113.9/a.png) 与 ![](//cdn.example/b.png)，"
        "本地 ![现场图](images/c.png)，引用 ![示意][r]\n\n[r]: https://e.example/d.png\n\n"
        "<img src='http://203.0.113.9/e.png' alt='原始 HTML'>"
    )
    assert "<img" not in doc.html and "203.0.113.9" not in doc.html and "example" not in doc.html
    assert doc.html.count('<span class="kb-image-note">') == 4
    assert '<span class="kb-image-note">［外部图片未显示：嫌疑人照片］</span>' in doc.html
    assert '<span class="kb-image-note">［外部图片未显示］</span>' in doc.html
    assert '<span class="kb-image-note">［图片未显示：现场图］</span>' in doc.html
    assert '<span class="kb-image-note">［外部图片未显示：示意］</span>' in doc.html


def test_an_image_note_keeps_the_text_around_it():
    doc = render_markdown("前![a](http://e.example/1.png)中![b](http://e.example/2.png)后")
    assert doc.html == (
        '<p>前<span class="kb-image-note">［外部图片未显示：a］</span>中'
        '<span class="kb-image-note">［外部图片未显示：b］</span>后</p>'
    )


def test_markup_nested_too_deep_is_shown_as_escaped_text_under_a_notice():
    # 3,000 nested "*" raised RecursionError on the document page
    text = "*" * 3000 + "<b>深</b>" + "*" * 3000
    doc = render_markdown(text)
    assert doc.html.startswith(
        '<p class="kb-notice">正文的 Markdown 标记嵌套过深（例如成百上千层的“*”或“&gt;”），无法排版；'
        '以下按原文显示，请修改原文。</p><pre class="kb-plain">***'
    )
    assert "&lt;b&gt;深&lt;/b&gt;" in doc.html and "<b>" not in doc.html


def test_links_still_render_with_parentheses_titles_and_angle_brackets():
    doc = render_markdown('[甲](http://e/(a) "说明") [乙](<u v> "标题") [丙](/d) [[丁]](e) [戊]: 无')
    assert doc.html == (
        '<p><a href="http://e/(a)" title="说明" rel="noopener noreferrer">甲</a> '
        '<a href="u v" title="标题" rel="noopener noreferrer">乙</a> '
        '<a href="/d" rel="noopener noreferrer">丙</a> <a href="e" rel="noopener noreferrer">[丁]</a> [戊]: 无</p>'
    )


@pytest.mark.parametrize(
    "text",
    ["[a](" * 10_000, "![a](" * 8_000, "[" * 150_000, "[a](b)" * 3_000, ("[a](" * 60 + ")") * 200],
    ids=["open links", "open images", "brackets", "many links in a paragraph", "unclosed parentheses"],
)
def test_link_scans_are_bounded(text, monkeypatch):
    # Python-Markdown scanned every unclosed "](" to the end of the paragraph (17 s for the first),
    # and rebuilt its bracket table for every link found (3,000 links: about 60 s). Counted in
    # characters handed to its scanners, not in seconds (a timing fails under load): its getLink
    # sees a bounded window, and its getText (the bracket table) is never called.
    windows = []
    get_link = LinkInlineProcessor.getLink

    def recording_get_link(self, data, index):
        windows.append(len(data) - index)
        return get_link(self, data, index)

    def unbounded_get_text(self, data, index):
        pytest.fail("Python-Markdown's own getText scans to the end of the paragraph")

    monkeypatch.setattr(LinkInlineProcessor, "getLink", recording_get_link)
    monkeypatch.setattr(LinkInlineProcessor, "getText", unbounded_get_text)
    assert render_markdown(text).html.startswith("<p>")
    assert max(windows, default=0) <= MAX_LINK_CHARS + 1


def test_lone_surrogates_render_as_replacement_characters():
    assert render_markdown("甲\ud800乙").html == "<p>甲\ufffd乙</p>"


def test_cited_articles_print_in_full_with_their_version_and_line_breaks():
    fraud = ArticleText("刑法:266", "刑法第二百六十六条", "诈骗公私财物，\n数额较大的……", "", "")
    assert cited_articles_html([("刑法第二百六十四条", THEFT), ("刑法第二百六十六条", fraud)]) == (
        '<div class="kb-print-articles">'
        '<div class="kb-print-article"><strong>刑法第二百六十四条</strong>（2020-12-26 版）'
        "<p>盗窃公私财物，&lt;b&gt;数额&lt;/b&gt;较大的……</p></div>"
        '<div class="kb-print-article"><strong>刑法第二百六十六条</strong><p>诈骗公私财物，<br>数额较大的……</p></div>'
        "</div>"
    )


def test_a_cited_article_the_library_lacks_prints_as_such():
    assert cited_articles_html([("治安管理处罚法第<九十七>条", None)]) == (
        '<div class="kb-print-articles"><div class="kb-print-article"><strong>治安管理处罚法第&lt;九十七&gt;条</strong>'
        '<p class="kb-print-missing">法条库未收录该条文。</p></div></div>'
    )


def test_the_print_footer_names_the_document_its_version_and_the_day():
    assert print_footer_html("G-2025-018", "第 1 版", date(2026, 3, 5)) == (
        '<div class="kb-print-footer">编号：G-2025-018 · 版本：第 1 版 · 打印于 2026-03-05</div>'
    )
    assert print_footer_html("G-<x>", "", date(2026, 3, 5)) == (
        '<div class="kb-print-footer">编号：G-&lt;x&gt; · 打印于 2026-03-05</div>'
    )


def test_every_printed_page_carries_the_footer_line_as_a_css_string():
    from kb.rendering.markup import print_page_css

    assert print_page_css("G-2025-018", "第 1 版", date(2026, 3, 5)) == (
        "@page { margin: 16mm 14mm 18mm 14mm;"
        ' @bottom-center { content: "编号：G-2025-018 · 版本：第 1 版 · 打印于 2026-03-05"; font-size: 8pt; color: #555; }'
        ' @bottom-right { content: counter(page) " / " counter(pages); font-size: 8pt; color: #555; } }'
    )
    # quotes, backslashes and angle brackets cannot end the string or the style element
    assert 'content: "编号：G-\\22 \\5c \\3c /style\\3e  · 打印于' in print_page_css(
        'G-"\\</style>', "", date(2026, 3, 5)
    )
