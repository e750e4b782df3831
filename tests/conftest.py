"""Shared fixtures: a tiny content tree written by a factory, settings pointing at it, the statute folder."""

from __future__ import annotations

import os
import shutil
import textwrap
from pathlib import Path

import pytest
from browser import CHROMIUM, CHROMIUM_ARGS  # tests/ is on sys.path: conftest.py is at its root

from kb.settings import REPO_ROOT, Settings

LAWS_DIR = Path(os.environ.get("KB_TEST_LAWS", REPO_ROOT.parent / "shared" / "data" / "laws"))
LECARD_DIR = Path(os.environ.get("KB_TEST_LECARD", REPO_ROOT.parent / "shared" / "data" / "lecard"))

SYNONYMS = """\
# test synonyms
醉驾 醉酒驾驶 危险驾驶
电诈 电信网络诈骗
刑拘 刑事拘留
"""

GUIDE = """\
---
id: {id}
title: {title}
category: {category}
kind: 办案指引
stage: [{stage}]
tags: [{tags}]
laws: [{laws}]
audience: [办案民警, 法制员]
status: {status}
issued: {issued}
version: 1
summary: {summary}
{extra}---

{body}
"""

CASE = """\
---
id: {id}
title: {title}
category: {category}
case_type: {case_type}
charges: [{charges}]
year: {year}
unit: 某县公安局城关派出所
tags: [{tags}]
laws: [{laws}]
audience: [办案民警]
stage: [调查取证]
status: 现行
issued: {year}-06-01
version: 1
summary: {summary}
{extra}---

## 基本案情
{facts}

## 办案过程
民警接报后依法受案，调取监控，固定证据。

## 法律适用
{law_text}

## 处理结果
依法处理。

## 办案要旨
{summary}

## 指导意义
对同类案件有参考价值。
"""


class ContentTree:
    """Writes fixture documents into a temporary content root."""

    def __init__(self, root: Path):
        self.root = root
        shutil.copytree(REPO_ROOT / "data", root / "data")
        # Tests use their own small synonym table, independent of the bundled one.
        (root / "data" / "synonyms.txt").write_text(SYNONYMS, encoding="utf-8")
        # The bundled learning paths name the bundled documents, which fixtures do not have.
        (root / "data" / "learning_paths.yaml").unlink(missing_ok=True)
        # The bundled thesaurus's legal terms come from the bundled documents and statutes (check
        # would warn about each one here), and search tests must not depend on the bundled word
        # lists: a test that needs a thesaurus or query words writes its own.
        (root / "data" / "colloquial.txt").unlink(missing_ok=True)
        (root / "data" / "query_words.txt").unlink(missing_ok=True)
        (root / "guides").mkdir()
        (root / "casebook").mkdir()

    def write(self, rel: str, text: str | bytes) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    def guide(
        self,
        id: str,
        title: str = "取保候审工作指引",
        body: str = "取保候审期间，被取保候审人应当遵守规定。",
        category: str = "强制措施",
        stage: str = "强制措施",
        tags: str = "取保候审",
        laws: str = "刑事诉讼法第六十七条",
        status: str = "现行",
        issued: str = "2024-03-01",
        summary: str = "规范取保候审的适用。",
        extra: str = "",
    ) -> Path:
        return self.write(
            f"guides/{id}.md",
            GUIDE.format(**{k: v for k, v in locals().items() if k != "self"}),
        )

    def case(
        self,
        id: str,
        title: str = "张某盗窃电动车电瓶案",
        category: str = "盗窃",
        case_type: str = "刑事",
        charges: str = "盗窃罪",
        year: int = 2023,
        tags: str = "多次盗窃",
        laws: str = "刑法第二百六十四条",
        summary: str = "二年内盗窃三次以上的，构成多次盗窃。",
        facts: str = "张某在某小区多次盗窃电动车电瓶。",
        law_text: str = "依照《中华人民共和国刑法》第二百六十四条，张某的行为构成盗窃罪。",
        extra: str = "",
    ) -> Path:
        folder = category
        return self.write(
            f"casebook/{folder}/{id}.md",
            CASE.format(**{k: v for k, v in locals().items() if k not in ("self", "folder")}),
        )


@pytest.fixture
def content(tmp_path: Path) -> ContentTree:
    """An empty content root with the bundled data files."""
    return ContentTree(tmp_path / "content")


def make_settings(content_dir: Path, root: Path, laws_dir: Path | None = None) -> Settings:
    """Settings over a content tree, with the index and database in root and no search log."""
    return Settings(
        content_dir=content_dir,
        index_dir=root / "index",
        laws_dir=laws_dir,
        data_dir=content_dir / "data",
        db_path=root / "casekb.sqlite3",
        search_log=False,
    )


@pytest.fixture
def settings(content: ContentTree, tmp_path: Path) -> Settings:
    """Settings pointing at the fixture content and a fresh index folder."""
    return make_settings(content.root, tmp_path)


@pytest.fixture
def laws_dir() -> Path:
    """The shared statute folder; tests that need it skip when it is absent."""
    if not LAWS_DIR.is_dir():
        pytest.skip(f"法规库目录不存在：{LAWS_DIR}（设置 KB_TEST_LAWS 指向 LawRefBook 格式的法规目录）")
    return LAWS_DIR


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def guide_text(
    id: str, title: str = "电动车盗窃案件侦办指引", body: str = "盗窃电动车案件应当及时调取监控。", **extra
) -> str:
    """A guide about electric-bike theft for the publishing tests; `extra` adds front-matter lines."""
    fields = dict(
        id=id,
        title=title,
        category="盗窃",
        stage="调查取证",
        tags="电动车",
        laws="刑法第二百六十四条",
        status="现行",
        issued="2025-01-10",
        summary="规范电动车盗窃案件的侦办。",
        extra="",
        body=body,
    )
    fields.update(extra)
    return GUIDE.format(**fields)


@pytest.fixture
def kb(content: ContentTree, settings: Settings) -> Settings:
    """For the publishing workflow: fixture content (two guides, one case), a built index, one account per role."""
    from kb.search.index import build_index  # imported here: loading the analyzer is slow and most tests do not need it
    from kb.workflow.accounts import add_user

    content.guide("G-1", title="取保候审工作指引", extra="review_by: 2025-02-01\n")
    content.guide("G-2", title="刑事拘留工作指引", body="刑事拘留后应当在二十四小时内通知家属。")
    content.case("C-1", extra="guides: [G-2]\n")
    build_index(settings)
    for name, role in (("lin", "编辑"), ("wang", "编辑"), ("zhao", "审核"), ("du", "读者"), ("admin", "管理员")):
        add_user(settings, name, role, "password-" + name)
    return settings


@pytest.fixture(scope="module")
def browser():
    """Chromium for one browser-test module (each module starts its own server; see tests/browser.py)."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="需要 python 包 playwright")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


def pytest_terminal_summary(terminalreporter, config) -> None:
    """Name the random order's seed at the end, also under -q (pytest-randomly prints it only in the header)."""
    seed = getattr(config.option, "randomly_seed", None)
    if config.pluginmanager.hasplugin("randomly") and isinstance(seed, int):
        terminalreporter.write_line(f"Using --randomly-seed={seed} (replay this order: add it to the pytest command)")
