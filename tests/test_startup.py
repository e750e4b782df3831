"""Server start-up (ui/startup.py): `streamlit run app.py` warms up, or builds, before any page view."""

from __future__ import annotations

import time
import urllib.request
from pathlib import Path

import pytest

from kb.search.index import build_index, current_dir
from kb.settings import load_settings

try:
    from tests.app_fixtures import make_content
    from tests.browser import streamlit_server
except ImportError:  # tests/ is not a package: pytest put tests/ itself on sys.path
    from app_fixtures import make_content
    from browser import streamlit_server

READY = "案例指引库：检索服务已就绪：15 篇文档"


def wait_for_line(log: Path, text: str, timeout: float = 120.0) -> str:
    """The server's output once it contains `text` (fails with the output after `timeout`)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        out = log.read_text(encoding="utf-8", errors="replace")
        if text in out:
            return out
        time.sleep(0.1)  # polling the server's log file
    pytest.fail(f"服务器输出中没有“{text}”：\n{log.read_text(encoding='utf-8', errors='replace')}")


def test_a_fresh_checkout_is_indexed_as_the_server_starts_before_any_page_view(tmp_path):
    content = make_content(tmp_path)
    with streamlit_server(tmp_path, content):
        out = wait_for_line(tmp_path / "streamlit.log", READY)
        assert current_dir(tmp_path / "index") is not None
    assert "案例指引库：尚无索引，正在根据内容建立……" in out
    assert "Traceback" not in out and "missing ScriptRunContext" not in out


def test_with_an_index_the_server_opens_it_and_fills_the_caches_at_start(tmp_path):
    content = make_content(tmp_path)
    build_index(load_settings(content=content, index=tmp_path / "index"))
    generation = current_dir(tmp_path / "index")
    with streamlit_server(tmp_path, content):
        out = wait_for_line(tmp_path / "streamlit.log", READY)
    assert "尚无索引" not in out and "Traceback" not in out and "missing ScriptRunContext" not in out
    assert current_dir(tmp_path / "index") == generation  # opened, not rebuilt


def test_content_errors_at_start_are_reported_and_the_server_keeps_running(tmp_path):
    content = make_content(tmp_path)
    (content / "guides" / "坏文件.md").write_text(
        "---\nid: G-2024-999\ntitle: 缺少类别\n---\n\n正文\n", encoding="utf-8"
    )
    with streamlit_server(tmp_path, content) as url:
        out = wait_for_line(
            tmp_path / "streamlit.log",
            "案例指引库：检索服务未能就绪：共 8 处错误，涉及 1 个文件（详情见网页，或运行 python indexer.py check）",
        )
        with urllib.request.urlopen(url + "/_stcore/health", timeout=5) as resp:
            assert resp.status == 200
    assert current_dir(tmp_path / "index") is None
    assert "Traceback" not in out


def test_a_setting_that_cannot_be_used_is_reported_at_start_without_a_traceback(tmp_path, monkeypatch):
    content = make_content(tmp_path)
    monkeypatch.setenv("KB_LOCKOUT_FAILURES", "0")
    with streamlit_server(tmp_path, content):
        out = wait_for_line(
            tmp_path / "streamlit.log",
            "案例指引库：检索服务未能就绪：设置 lockout_failures（环境变量 KB_LOCKOUT_FAILURES 或 casekb.toml）"
            "须为 1 到 100 之间的整数",
        )
    assert "Traceback" not in out


def test_bad_fact_pattern_lines_are_named_at_start_and_the_server_still_serves(tmp_path):
    content = make_content(tmp_path)
    cues = content / "data" / "charge_cues.txt"
    cues.write_text(cues.read_text(encoding="utf-8") + "盗窃罪 窃取(\n", encoding="utf-8")
    with streamlit_server(tmp_path, content):
        out = wait_for_line(
            tmp_path / "streamlit.log",
            "案例指引库：data/charge_cues.txt 有 1 行写错，类案检索未用这些行；运行 python indexer.py check 查看并改正",
        )
    assert READY in out and "Traceback" not in out
