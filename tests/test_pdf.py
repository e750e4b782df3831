"""HTML to PDF: nothing is fetched from another machine (or from local files), and no Chinese font is an error."""

from __future__ import annotations

import socket
from datetime import datetime

import pytest
from conftest import LAWS_DIR

from kb.rendering import pdf as pdf_module
from kb.rendering.handbook import Selection, print_handbook
from kb.rendering.pdf import FONT_STACK, MISSING_FONT, PDFError, check_engine, html_to_pdf
from kb.settings import REPO_ROOT, load_settings

pytest.importorskip("weasyprint", reason="需要 python 包 weasyprint（pip install -e .）")

# Every way an HTML page or its CSS names another resource.
OUTSIDE = f"""<html><head>
<link rel="stylesheet" href="https://cdn.example.com/style.css">
<style>
@import url("http://example.com/more.css");
@font-face {{ font-family: Far; src: url("https://fonts.example.com/far.woff2"); }}
body {{ font-family: Far, {FONT_STACK}; background: url("http://example.com/bg.png"); }}
</style></head><body>
<p>取保候审期间，被取保候审人应当遵守规定。</p>
<img src="https://example.com/photo.jpg" alt="照片">
<img src="file:///etc/hostname" alt="本机文件">
<object data="ftp://example.com/x.svg"></object>
</body></html>"""


@pytest.fixture
def no_network(monkeypatch):
    """Any connection attempt is recorded and fails."""
    tried = []

    def refuse(self, address, *args, **kwargs):
        tried.append(address)
        raise OSError("network is off in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: tried.append(a[0]) or refuse(None, a[0]))
    return tried


def test_nothing_is_fetched_and_every_outside_address_is_refused(no_network):
    pdf = html_to_pdf(OUTSIDE)
    assert no_network == []
    assert set(pdf.refused) == {
        "https://cdn.example.com/style.css",
        "http://example.com/more.css",
        "https://fonts.example.com/far.woff2",
        "http://example.com/bg.png",
        "https://example.com/photo.jpg",
        "file:///etc/hostname",
        "ftp://example.com/x.svg",
    }
    assert pdf.data.startswith(b"%PDF-") and pdf.pages == 1


def test_inline_data_is_read():
    pixel = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"
    pdf = html_to_pdf(f'<p style="font-family: {FONT_STACK}">图</p><img src="{pixel}">')
    assert pdf.refused == ()


def test_the_bundled_handbook_fetches_nothing(no_network):
    if not LAWS_DIR.is_dir():
        pytest.skip(f"法规库目录不存在：{LAWS_DIR}")
    settings = load_settings(content=REPO_ROOT, laws=LAWS_DIR)
    pdf = print_handbook(settings, Selection(ids=("G-2025-019",)), datetime(2026, 12, 7, 9, 5))
    assert (no_network, pdf.refused) == ([], ())


def test_a_page_without_a_chinese_font_is_refused():
    with pytest.raises(PDFError) as err:
        html_to_pdf("<p style=\"font-family: 'DejaVu Sans'\">only latin text</p>")
    assert str(err.value) == MISSING_FONT


def test_check_engine_says_when_no_chinese_font_was_found(monkeypatch):
    check_engine()  # here: WeasyPrint, Pango and fonts-wqy-microhei are installed
    monkeypatch.setattr(pdf_module, "CJK_FAMILIES", ("某个未安装的字体",))
    with pytest.raises(PDFError) as err:
        check_engine()
    assert str(err.value) == MISSING_FONT
