"""`python indexer.py handbook`: the PDF written, Chinese messages, exit codes 0 / 1 / 2."""

from __future__ import annotations

from io import BytesIO

import pytest
from click.testing import CliRunner

from indexer import cli

pypdf = pytest.importorskip("pypdf", reason="需要 python 包 pypdf（pip install -e '.[test]'）")


@pytest.fixture
def run(content, settings, monkeypatch):
    """The CLI over two 执法宝典 and a 办案指引 of the fixture content, with no statute library."""
    monkeypatch.delenv("KB_LAWS", raising=False)
    for doc_id, title in (("G-1", "盗窃案件速查"), ("G-2", "取保候审速查")):
        path = content.guide(doc_id, title=title)
        path.write_text(path.read_text(encoding="utf-8").replace("kind: 办案指引", "kind: 执法宝典"), encoding="utf-8")
    content.guide("G-3", title="接报案指引")

    def invoke(*args):
        return CliRunner().invoke(
            cli, ["handbook", "--content", str(settings.content_dir), *args], prog_name="python indexer.py"
        )

    return invoke


def test_with_no_selection_every_baodian_is_printed(run, tmp_path):
    out = tmp_path / "执法宝典.pdf"
    result = run("--out", str(out))
    assert result.exit_code == 0, result.output
    reader = pypdf.PdfReader(BytesIO(out.read_bytes()))
    assert result.stdout == f"已生成 {out}：{len(reader.pages)} 页（执法宝典）\n"
    assert (
        result.stderr == "注意：未指定法规库（--laws DIR 或环境变量 KB_LAWS），附录只列出所引条文的名称，不含条文内容\n"
    )
    text = "".join(p.extract_text() for p in reader.pages)
    assert "盗窃案件速查" in text and "取保候审速查" in text and "接报案指引" not in text


def test_hand_picked_ids_with_a_title(run, tmp_path):
    out = tmp_path / "选编.pdf"
    result = run("--id", "G-3", "--id", "G-1", "--title", "新警必读", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert result.stdout.endswith("（新警必读）\n")
    cover = pypdf.PdfReader(BytesIO(out.read_bytes())).pages[0].extract_text()
    assert "新警必读" in cover and "某县公安局" in cover


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--kind", "宝典"), "用法错误：未知种类“宝典”；可选：办案指引、执法宝典、工具箱\n"),
        (("--id", "G-9"), "用法错误：找不到编号为“G-9”的文档；请检查编号，或先运行 python indexer.py check\n"),
        (("--path", "法制员"), "用法错误：未知学习路径“法制员”；data/learning_paths.yaml 中还没有学习路径\n"),
    ],
)
def test_a_selection_of_what_does_not_exist_exits_2(run, tmp_path, args, message):
    result = run(*args, "--out", str(tmp_path / "x.pdf"))
    assert (result.exit_code, result.output) == (2, message)
    assert not (tmp_path / "x.pdf").exists()


def test_an_output_that_is_not_a_pdf_exits_2(run, tmp_path):
    result = run("--out", str(tmp_path / "x.docx"))
    assert (result.exit_code, result.output) == (2, f"用法错误：--out 应为 .pdf 文件，当前为“{tmp_path / 'x.docx'}”\n")
    result = run("--out", str(tmp_path / "no" / "x.pdf"))
    assert (result.exit_code, result.output) == (2, f"用法错误：输出目录不存在：{tmp_path / 'no'}\n")


def test_a_selection_holding_nothing_exits_1(run, tmp_path):
    result = run("--kind", "工具箱", "--out", str(tmp_path / "x.pdf"))
    assert (result.exit_code, result.output) == (1, "错误：没有符合条件的文档可供打印；请换一个种类、类别或学习路径\n")
