"""End to end in chromium over the bundled content and statutes: the 下载 buttons of 办案指引 and 学习路径 give a
PDF of the chosen documents, and the server fetches nothing from another machine while making it."""

from __future__ import annotations

from io import BytesIO
from urllib.parse import quote

import pytest
from conftest import LAWS_DIR

try:
    from tests.browser import E2E, REPO, TIMEOUT_MS, shot, streamlit_server, wait_app
except ImportError:  # tests/ is not a package: pytest put tests/ itself on sys.path
    from browser import E2E, REPO, TIMEOUT_MS, shot, streamlit_server, wait_app

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

FOOTER = "以系统现行版本为准，打印于 "


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The bundled guides and cases with the statute library, indexed and served; yields the URL and the log."""
    root = tmp_path_factory.mktemp("e2e-handbook")
    build_index(load_settings(content=REPO, index=root / "index", laws=LAWS_DIR))
    with streamlit_server(root, REPO, LAWS_DIR, search_log=False) as url:
        yield url, root / "streamlit.log"


@pytest.fixture
def browsing(browser, server):
    """A page that may load only what the local server sends (the PDF is made on the server); `outside`
    collects any other address it asked for."""
    url, _log = server
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN", accept_downloads=True)
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT_MS)
    outside: list[str] = []

    def local_only(route):
        if route.request.url.startswith(url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    pg.route("**/*", local_only)
    yield pg, outside
    context.close()


def download(page, name: str) -> tuple[str, pypdf.PdfReader]:
    """Click the 下载 button named `name`; the file's suggested name and the PDF read back."""
    button = page.get_by_role("button", name=name)
    sync_api.expect(button).to_be_visible()
    with page.expect_download(timeout=120_000) as info:
        button.click()
    got = info.value
    data = open(got.path(), "rb").read()  # noqa: SIM115  (Playwright's temporary file)
    assert data.startswith(b"%PDF-")
    return got.suggested_filename, pypdf.PdfReader(BytesIO(data))


def test_the_guides_page_downloads_the_baodian(server, browsing):
    url, log = server
    page, outside = browsing
    page.goto(f"{url}/guides")
    wait_app(page)
    name, reader = download(page, "下载执法宝典（PDF）")
    shot(page, "60-guides-download", full_page=False)
    assert name == "执法宝典.pdf"
    texts = [p.extract_text() for p in reader.pages]
    assert "某县公安局" in texts[0] and "执法宝典" in texts[0]
    for title in ("治安管理处罚常用条款速查", "立案追诉标准速查", "办案期限一览表", "常用法律文书清单"):
        assert title in texts[1]
    assert all(FOOTER in t for t in texts)
    assert outside == []
    assert "Traceback" not in log.read_text(encoding="utf-8")


def test_a_chosen_kind_and_a_learning_path_download_their_own_pdf(server, browsing):
    url, _log = server
    page, outside = browsing
    page.goto(f"{url}/guides?by=kind&v={quote('工具箱')}")
    wait_app(page)
    name, reader = download(page, "下载工具箱（PDF）")
    contents = reader.pages[1].extract_text()
    assert name == "工具箱.pdf"
    assert "办案期限一览表" in contents and "治安管理处罚常用条款速查" not in contents

    page.goto(f"{url}/guides?v={quote('受案立案')}")  # by 办案环节: the guides listed under it
    wait_app(page)
    name, reader = download(page, "下载本环节指引（PDF）")
    assert name == "受案立案环节指引.pdf"
    assert "受案立案工作指引" in reader.pages[1].extract_text()

    page.goto(f"{url}/learning?tier={quote('法制员')}")
    wait_app(page)
    name, reader = download(page, "下载本层级学习资料（PDF）")
    assert name == "学习路径（法制员）.pdf"
    assert "法制审核要点" in reader.pages[1].extract_text()
    assert outside == []
