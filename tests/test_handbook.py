"""The printed handbook: which documents a selection holds, and the PDF of the bundled 执法宝典 and 工具箱 guides
read back (contents page numbers, footer on every page, Chinese font embedded, a page turned into an image)."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import datetime
from io import BytesIO

import pytest
from conftest import LAWS_DIR

from kb.content.catalog import load_content_taxonomy
from kb.content.learning import LearningPaths, Step
from kb.content.validation import load_content
from kb.rendering import handbook_style
from kb.rendering.handbook import (
    NothingToPrint,
    Selection,
    SelectionError,
    choose_documents,
    footer_text,
    handbook_html,
    plan_handbook,
    print_handbook,
)
from kb.rendering.pdf import html_to_pdf
from kb.settings import REPO_ROOT, load_settings

pypdf = pytest.importorskip("pypdf", reason="需要 python 包 pypdf（pip install -e '.[test]'）")

PRINTED = datetime(2026, 12, 7, 9, 5)
FOOTER = "以系统现行版本为准，打印于 2026-12-07 09:05"
ARTIFACTS = REPO_ROOT / "test-artifacts"


def kind_guide(content, id: str, kind: str, **fields) -> None:
    """A fixture guide of another kind than the factory's 办案指引."""
    path = content.guide(id, **fields)
    path.write_text(path.read_text(encoding="utf-8").replace("kind: 办案指引", f"kind: {kind}"), encoding="utf-8")


@pytest.fixture
def shelf(content, settings):
    """Two 执法宝典, one 工具箱, one superseded 执法宝典, one 办案指引 and a case."""
    kind_guide(content, "G-3", "执法宝典", title="取保候审速查", category="强制措施")
    kind_guide(content, "G-1", "执法宝典", title="盗窃案件速查", category="盗窃")
    kind_guide(content, "G-2", "工具箱", title="办案期限表", category="执法规范")
    kind_guide(content, "G-4", "执法宝典", title="旧版速查", status="不再参照")
    content.guide("G-5", title="接报案指引")
    content.case("C-1")
    taxonomy = load_content_taxonomy(settings)
    return load_content(settings.content_dir, taxonomy).documents, taxonomy


def ids(documents) -> list[str]:
    return [d.id for d in documents]


def test_no_selection_holds_every_baodian_and_toolbox_guide_in_force(shelf):
    documents, taxonomy = shelf
    assert ids(choose_documents(documents, Selection(), taxonomy)) == ["G-1", "G-3", "G-2"]


def test_a_kind_a_category_and_both(shelf):
    documents, taxonomy = shelf
    assert ids(choose_documents(documents, Selection(kind="工具箱"), taxonomy)) == ["G-2"]
    assert ids(choose_documents(documents, Selection(category="盗窃"), taxonomy)) == ["G-1", "C-1"]
    assert ids(choose_documents(documents, Selection(kind="执法宝典", category="盗窃"), taxonomy)) == ["G-1"]


def test_hand_picked_ids_keep_their_order_and_may_be_superseded(shelf):
    documents, taxonomy = shelf
    picked = Selection(ids=("C-1", "G-4", "G-5", "C-1"))
    assert ids(choose_documents(documents, picked, taxonomy)) == ["C-1", "G-4", "G-5"]


def test_a_learning_path_in_its_order(shelf):
    documents, taxonomy = shelf
    paths = LearningPaths({"法制员": (Step("G-5", "先读", 2), Step("C-1", "再读", 4))})
    assert ids(choose_documents(documents, Selection(path="法制员"), taxonomy, paths)) == ["G-5", "C-1"]


@pytest.mark.parametrize(
    ("selection", "message"),
    [
        (Selection(kind="宝典"), "未知种类“宝典”；可选：办案指引、执法宝典、工具箱"),
        (Selection(category="盗抢"), "未知类别“盗抢”；可选：盗窃、"),
        (Selection(path="局长"), "未知学习路径“局长”；可选：法制员"),
        (Selection(ids=("G-9", "C-8")), "找不到编号为“G-9”“C-8”的文档；请检查编号，或先运行 python indexer.py check"),
        (Selection(ids=("G-1",), path="法制员"), "学习路径与文档编号只能指定其一"),
    ],
)
def test_a_selection_naming_what_does_not_exist_is_refused(shelf, selection, message):
    documents, taxonomy = shelf
    paths = LearningPaths({"法制员": (Step("G-5", "先读", 2),)})
    with pytest.raises(SelectionError) as err:
        choose_documents(documents, selection, taxonomy, paths)
    assert str(err.value).startswith(message)


def test_cover_titles_follow_the_selection():
    assert Selection().cover_title() == "执法宝典"
    assert Selection(kind="工具箱", category="盗窃").cover_title() == "工具箱（盗窃）"
    assert Selection(category="盗窃").cover_title() == "盗窃指引与案例"
    assert Selection(path="法制员").cover_title() == "学习路径（法制员）"
    assert Selection(ids=("G-1",)).cover_title() == "文档选编"
    assert Selection(ids=("G-1",), title="受案立案环节指引").cover_title() == "受案立案环节指引"


def test_the_html_has_cover_contents_gist_and_footer(shelf, settings):
    book = plan_handbook(settings.with_overrides(bureau="城关县公安局"), Selection(ids=("C-1", "G-1")), PRINTED)
    page = handbook_html(book)
    assert '<div class="cover-bureau">城关县公安局</div>' in page
    assert '<div class="cover-date">2026年12月7日</div>' in page
    assert '<a href="#doc-C-1"><span class="toc-id">C-1</span>张某盗窃电动车电瓶案</a>' in page
    assert '<div class="gist"><strong>办案要旨</strong>二年内盗窃三次以上的，构成多次盗窃。</div>' in page
    assert "<span>编号：C-1</span><span>版本：第 1 版</span><span>印发日期：2023-06-01</span>" in page
    assert '@bottom-left { content: "以系统现行版本为准，打印于 2026-12-07 09:05"' in page
    # Without a statute library the appendix still names each cited article, and the citation points to it.
    assert "<h3>刑法第二百六十四条<small></small></h3><p class=missing>未配置法规库，条文内容未收录。</p>" in page
    assert '<a class="kb-cite" href="#law-1">《中华人民共和国刑法》第二百六十四条</a>' in page
    # Headings of two documents get different ids.
    assert 'id="C-1-基本案情"' in page


def test_the_bureau_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("KB_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.delenv("KB_BUREAU", raising=False)
    assert load_settings().bureau == "某县公安局"
    monkeypatch.setenv("KB_BUREAU", "城关县公安局")
    assert load_settings().bureau == "城关县公安局"


def test_a_selection_holding_nothing_is_not_printed(shelf, settings):
    with pytest.raises(NothingToPrint) as err:
        print_handbook(settings, Selection(kind="工具箱", category="盗窃"))
    assert str(err.value) == "没有符合条件的文档可供打印；请换一个种类、类别或学习路径"


def test_footer_text():
    assert footer_text(PRINTED) == FOOTER


# -- the bundled handbook, printed --------------------------------------------------------------


@pytest.fixture(scope="module")
def bundled():
    """The PDF of every bundled 执法宝典 and 工具箱 guide in force, with the statute library, and its pages' text."""
    if not LAWS_DIR.is_dir():
        pytest.skip(f"法规库目录不存在：{LAWS_DIR}")
    settings = load_settings(content=REPO_ROOT, laws=LAWS_DIR)
    book = plan_handbook(settings, Selection(), PRINTED)
    pdf = print_handbook(settings, Selection(), PRINTED)
    reader = pypdf.PdfReader(BytesIO(pdf.data))
    return book, pdf, reader, [p.extract_text() for p in reader.pages]


def test_the_bundled_handbook_holds_the_four_guides(bundled):
    book, pdf, reader, _texts = bundled
    assert [d.id for d in book.documents] == ["G-2025-017", "G-2025-018", "G-2025-019", "G-2025-020"]
    assert pdf.pages == len(reader.pages) > 20
    assert pdf.refused == ()


def test_the_footer_is_on_every_page(bundled):
    *_, texts = bundled
    assert [n for n, text in enumerate(texts, 1) if FOOTER not in text] == []
    assert [n for n, text in enumerate(texts, 1) if f"第 {n} 页 / 共 {len(texts)} 页" not in text] == []


def test_the_contents_page_numbers_are_where_each_document_starts(bundled):
    book, _pdf, _reader, texts = bundled
    assert texts[0].count("某县公安局") == 1 and "执法宝典" in texts[0] and "2026年12月7日" in texts[0]
    contents = re.sub(r"\s+", " ", texts[1])
    listed = dict(re.findall(r"([GC]-\d{4}-\d{3}) .+? \.{3,} ?(\d+)", contents))
    assert list(listed) == [d.id for d in book.documents]
    for doc in book.documents:
        start = int(listed[doc.id])
        page = re.sub(r"\s+", "", texts[start - 1])
        assert doc.title.replace(" ", "") in page and f"编号：{doc.id}" in page, doc.id
        assert not any(f"编号：{doc.id}" in t for t in texts[: start - 1]), doc.id
    appendix = int(re.search(r"附录 引用法条 \.{3,} ?(\d+)", contents)[1])
    assert texts[appendix - 1].count("附录") >= 1 and "引用本条：" in texts[appendix - 1]
    assert "附录" not in re.sub(r"\s+", "", "".join(texts[2 : appendix - 1]))


def test_the_appendix_holds_the_cited_articles_in_the_edition_cited(bundled):
    book, *_, texts = bundled
    labels = {a.label + a.edition: a for a in book.articles}
    # G-2025-019 cites 治安管理处罚法（2025年修订）第九十七条: the 2025 text, though issued before it took effect.
    quick = labels["治安管理处罚法第九十七条（2025-06-27 版）"]
    assert "G-2025-019" in quick.cited_by and quick.text
    assert all(a.text for a in book.articles)
    assert quick.text.split("\n")[0][:20] in re.sub(r"[ \n]", "", "".join(texts))


def test_the_chinese_font_is_embedded_and_nothing_else(bundled):
    _book, _pdf, reader, _texts = bundled
    fonts = set()
    for page in reader.pages:
        for ref in page["/Resources"]["/Font"].values():
            fonts.add(str(ref.get_object()["/BaseFont"]).split("+", 1)[1])
    assert fonts == {"WenQuanYi-Micro-Hei", "WenQuanYi-Micro-Hei-Bold"}  # bold is WeasyPrint's synthesised weight
    for ref in reader.pages[0]["/Resources"]["/Font"].values():  # embedded, not only named
        assert ref.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"].get("/FontFile2")


@pytest.mark.skipif(
    shutil.which("pdftoppm") is None, reason="需要 poppler-utils 的 pdftoppm（apt-get install poppler-utils）"
)
def test_a_page_as_an_image_shows_text(bundled, tmp_path):
    """The first page of the first guide turned into an image (kept in test-artifacts/) is not blank."""
    _book, pdf, _reader, texts = bundled
    start = int(re.search(r"G-2025-017 .+? \.{3,} ?(\d+)", re.sub(r"\s+", " ", texts[1]))[1])
    (tmp_path / "h.pdf").write_bytes(pdf.data)
    out = tmp_path / "page"
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "110",
            "-gray",
            "-png",
            "-singlefile",
            "-f",
            str(start),
            "-l",
            str(start),
            tmp_path / "h.pdf",
            out,
        ],
        check=True,
    )
    png = out.with_suffix(".png")
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(png, ARTIFACTS / "handbook-page.png")
    ink = _ink(png)
    assert 0.02 < ink < 0.4, ink  # text and tables, not an empty or a black page


@pytest.mark.skipif(
    shutil.which("pdftoppm") is None, reason="需要 poppler-utils 的 pdftoppm（apt-get install poppler-utils）"
)
def test_chinese_characters_are_drawn_as_themselves_not_as_boxes(tmp_path):
    """With the handbook's fonts, two characters come out as two different pictures, neither of them the box
    drawn for a character no font has (a private-use code point)."""
    pictures = {}
    for name, char in (("zhi", "执"), ("fa", "法"), ("box", "\U000f0001"), ("box2", "\U000f0002")):
        page = f'<html><head><style>{handbook_style.stylesheet("")}</style></head><body><p style="font-size: 60pt">{char}</p></body></html>'
        (tmp_path / f"{name}.pdf").write_bytes(html_to_pdf(page).data)
        subprocess.run(
            ["pdftoppm", "-r", "40", "-gray", "-png", "-singlefile", tmp_path / f"{name}.pdf", tmp_path / name],
            check=True,
        )
        pictures[name] = (tmp_path / f"{name}.png").read_bytes()
    assert pictures["box"] == pictures["box2"]  # what a box looks like: the same for every missing character
    assert len({pictures["zhi"], pictures["fa"], pictures["box"]}) == 3


@pytest.mark.skipif(
    shutil.which("pdftoppm") is None, reason="需要 poppler-utils 的 pdftoppm（apt-get install poppler-utils）"
)
def test_a_long_word_wraps_inside_the_page_instead_of_running_off_it(tmp_path):
    """A web address, a case number or a code line with no break in it stays left of the right margin."""
    from PIL import Image

    word = "abcdefghijklmnopqrstuvwxyz0123456789" * 4
    body = (
        f"<p>{word}</p><p><code>{word}</code></p><pre>{word}</pre>"
        f"<table><tr><th>编号</th><th>期限</th></tr><tr><td>{word}</td><td>24h</td></tr></table>"
    )
    page = (
        f"<html><head><style>{handbook_style.stylesheet('')}</style></head>"
        f'<body><div class="doc-body">{body}</div></body></html>'
    )
    (tmp_path / "w.pdf").write_bytes(html_to_pdf(page).data)
    subprocess.run(
        ["pdftoppm", "-r", "50", "-gray", "-png", "-singlefile", tmp_path / "w.pdf", tmp_path / "w"], check=True
    )
    with Image.open(tmp_path / "w.png") as img:
        margin = img.convert("L").crop((img.width - img.width * 12 // 210, 0, img.width, img.height))  # the last 12 mm
        assert min(margin.getdata()) > 128


def _ink(png) -> float:
    """The share of dark pixels in a PNG."""
    from PIL import Image  # Pillow comes with streamlit

    with Image.open(png) as img:
        histogram = img.convert("L").histogram()
    return sum(histogram[:128]) / sum(histogram)
