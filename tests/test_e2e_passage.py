"""End to end in chromium over the bundled content and statutes: opening a hit lands on the first
matching passage and 上一处 / 下一处 step through the rest; a printed guide carries the cited
articles in full and a footer with its id, version and the day it was printed."""

from __future__ import annotations

import io
import re
from datetime import date
from urllib.parse import quote

import pytest
from conftest import LAWS_DIR

try:
    from tests.browser import (
        E2E,
        REPO,
        TIMEOUT_MS,
        shot,
        streamlit_server,
        wait_app,
    )
except ImportError:  # tests/ is not a package: pytest put tests/ itself on sys.path
    from browser import (
        E2E,
        REPO,
        TIMEOUT_MS,
        shot,
        streamlit_server,
        wait_app,
    )

from kb.search.index import build_index
from kb.settings import load_settings

pytestmark = [
    *E2E,
    pytest.mark.skipif(
        not LAWS_DIR.is_dir(),
        reason=f"法规库目录不存在：{LAWS_DIR}（设置 KB_TEST_LAWS 指向 LawRefBook 格式的法规目录）",
    ),
]

sync_api = pytest.importorskip("playwright.sync_api", reason="需要 python 包 playwright")
pypdf = pytest.importorskip("pypdf", reason="需要 python 包 pypdf（pip install -e '.[test]'）")
sync_api.expect.set_options(timeout=TIMEOUT_MS)

DEADLINES = "G-2025-019"  # 工具箱：办案期限一览表, the longest bundled guide
STANDARDS = "G-2025-018"  # 执法宝典：常见刑事案件立案追诉标准速查, citing eight articles
# Text found only in the cited articles (not in the guide itself), one each from three of them.
ARTICLE_FRAGMENTS = (
    "在跨地区运行的公共交通工具上盗窃，盗窃地点无法查证的",  # 盗窃解释第一条, third paragraph
    "明知他人利用信息网络实施犯罪，为其犯罪提供帮助，具有下列情形之一的",  # 帮信解释第十二条
    "在道路上驾驶机动车，有下列情形之一的，处拘役，并处罚金",  # 刑法第一百三十三条之一
)
# How far the page has scrolled (Streamlit scrolls inside its own container, not the window).
SCROLLED = "() => Math.max(window.scrollY, ...[...document.querySelectorAll('*')].map(e => e.scrollTop))"
# Where the current highlight is, how far the page has scrolled, and where the controls are.
WHERE = """() => {
  const current = document.querySelector('.kb-doc mark.kb-term-current');
  const marks = [...document.querySelectorAll('.kb-doc mark.kb-term')];
  const scrolled = (SCROLLED)();
  return {index: marks.indexOf(current), total: marks.length, top: current.getBoundingClientRect().top,
          scrolled, nav: document.querySelector('.kb-passages').getBoundingClientRect().top,
          height: window.innerHeight};
}""".replace("SCROLLED", SCROLLED)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The bundled guides and cases with the statute library, indexed and served."""
    root = tmp_path_factory.mktemp("e2e-passage")
    build_index(load_settings(content=REPO, index=root / "index", laws=LAWS_DIR))
    with streamlit_server(root, REPO, LAWS_DIR, search_log=False) as url:
        yield url


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT_MS)
    yield pg
    context.close()


def in_view(where: dict) -> bool:
    return 0 <= where["top"] <= where["height"]


def test_opening_a_hit_lands_on_the_first_passage_and_steps_through_the_rest(server, page):
    page.goto(f"{server}/doc?id={DEADLINES}&q={quote('拘留')}")
    wait_app(page)
    page.wait_for_selector(".kb-doc mark.kb-term-current")  # the page's script has found the passages
    count = page.locator(".kb-passage-count")
    total = page.locator(".kb-doc mark.kb-term").count()
    assert total >= 10
    sync_api.expect(count).to_have_text(f"第 1 / {total} 处")
    first = page.evaluate(WHERE)
    assert first["index"] == 0 and in_view(first)
    assert first["scrolled"] > 0  # the first 拘留 is below the fold: the page was scrolled to it

    page.get_by_role("button", name="下一处").click()
    sync_api.expect(count).to_have_text(f"第 2 / {total} 处")
    second = page.evaluate(WHERE)
    assert second["index"] == 1 and in_view(second)

    page.get_by_role("button", name="上一处").click()
    page.get_by_role("button", name="上一处").click()  # before the first comes the last
    sync_api.expect(count).to_have_text(f"第 {total} / {total} 处")
    last = page.evaluate(WHERE)
    assert last["index"] == total - 1 and in_view(last)
    assert last["scrolled"] > second["scrolled"] + first["height"]
    assert 0 <= last["nav"] < 200  # the controls stay at the top of the window while reading
    shot(page, "50-passage-last", full_page=False)


def test_the_first_passage_stays_in_view_when_the_page_grows_above_it_while_drawing(server, page):
    page.goto(f"{server}/doc?id={DEADLINES}&q={quote('拘留')}")
    wait_app(page)
    page.wait_for_selector(".kb-doc mark.kb-term-current")
    # As an element drawn late above the body would: the page grows by two windows above the passage.
    # The browser's scroll anchoring often hides such a shift, but not always (CI once saw the passage
    # pushed out of view): turned off here, so that only the page's own script can keep it in view.
    page.add_style_tag(content="* { overflow-anchor: none !important; }")
    page.evaluate(
        """() => { const grow = document.createElement('div'); grow.style.height = '1800px';
        const main = document.querySelector('[data-testid="stMainBlockContainer"]');
        main.insertBefore(grow, main.firstChild); }"""
    )
    page.wait_for_function(
        "() => { const r = document.querySelector('.kb-doc mark.kb-term-current').getBoundingClientRect();"
        " return r.top >= 0 && r.bottom <= window.innerHeight; }"
    )
    assert in_view(page.evaluate(WHERE))


def test_without_search_terms_the_page_opens_at_the_top_with_no_controls(server, page):
    page.goto(f"{server}/doc?id={DEADLINES}")
    wait_app(page)
    page.wait_for_selector(".kb-doc")
    assert page.locator(".kb-passages").count() == 0
    assert page.evaluate(SCROLLED) == 0


def printed_pages(page, url: str) -> list[str]:
    """The text of each page of a document printed by chromium (print media, A4)."""
    page.goto(url)
    wait_app(page)
    page.wait_for_selector(".kb-print-footer", state="attached")  # the page's last element has landed
    page.emulate_media(media="print")
    pdf = pypdf.PdfReader(io.BytesIO(page.pdf(format="A4")))
    return [p.extract_text() for p in pdf.pages]


def test_a_printed_guide_has_the_cited_articles_in_full_and_a_footer(server, page):
    pages = printed_pages(page, f"{server}/doc?id={STANDARDS}")
    text = "".join(pages).replace("\n", "")  # lines are wrapped to the page width
    for fragment in ARTICLE_FRAGMENTS:
        assert fragment in text
    today = date.today().isoformat()
    footer = f"编号：{STANDARDS} · 版本：第 1 版 · 打印于 {today}"
    assert len(pages) > 2
    for number, text_of_page in enumerate(pages, 1):  # at the foot of every page, with its number
        squeezed = re.sub(r"\s+", "", text_of_page)  # pypdf spaces out the margin boxes' text
        assert footer.replace(" ", "") in squeezed, f"page {number}"
        assert f"{number}/{len(pages)}" in squeezed, f"page {number}"
    # What only makes sense on screen is not printed.
    for screen_only in ("打开法条页", "上一处", "打印：使用浏览器的打印功能", "检索引用"):
        assert screen_only not in text
    # The 引用法条 heading comes before the articles it heads.
    assert text.index("引用法条") < text.index(ARTICLE_FRAGMENTS[0])


def test_printed_headings_keep_with_the_text_below_them(server, page):
    pages = printed_pages(page, f"{server}/doc?id={STANDARDS}")
    # Streamlit's own headings (引用法条, 文档信息) are kept with the element after theirs.
    breaks = page.evaluate(
        """() => [...document.querySelectorAll('.kb-doc h2, .kb-doc h3, [data-testid="stHeading"]')].map(h => {
          const box = h.matches('[data-testid="stHeading"]') ? h.closest('[data-testid="stElementContainer"]') : h;
          return [h.textContent.trim(), getComputedStyle(box).breakAfter];
        })"""
    )
    assert len(breaks) > 5
    assert [title for title, after in breaks if after != "avoid"] == []
    headings = {title for title, _ in breaks}
    assert {"引用法条", "一、侵犯财产类"} <= headings
    body_lines = [
        [line.strip() for line in p.strip().splitlines() if "打印于" not in line and " / " not in line] for p in pages
    ]
    endings = [(lines or [""])[-1] for lines in body_lines[:-1]]
    assert [e for e in endings if e in headings] == []


def test_on_screen_the_articles_stay_collapsed_and_the_footer_hidden(server, page):
    page.goto(f"{server}/doc?id={STANDARDS}")
    wait_app(page)
    page.wait_for_selector(".kb-print-footer", state="attached")
    sync_api.expect(page.locator(".kb-print-footer")).to_be_hidden()
    sync_api.expect(page.locator(".kb-print-articles")).to_be_hidden()
    sync_api.expect(page.locator('[data-testid="stExpander"]').first).to_be_visible()
    sync_api.expect(page.get_by_text(ARTICLE_FRAGMENTS[0]).filter(visible=True)).to_have_count(0)
