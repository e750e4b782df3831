"""kb.rendering: Markdown to sanitised HTML, citations, highlighted search terms."""

from __future__ import annotations

from kb.rendering import ArticleText, render_markdown, sanitize

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
