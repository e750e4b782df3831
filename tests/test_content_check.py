"""Tests for kb.workflow.content_check: the whole check of `indexer.py check`, content then data files."""

from kb.workflow.content_check import check_everything


def test_good_content_has_no_problems_and_counts_documents_by_type(content, settings):
    content.guide("G-1")
    content.case("C-1")
    content.case("C-2")
    result = check_everything(settings)
    assert result.problems == ()
    assert sorted(d.id for d in result.documents) == ["C-1", "C-2", "G-1"]


def test_content_problems_come_first_then_the_learning_paths(content, settings):
    content.guide("G-1")
    content.guide("G-2", category="盗抢")
    content.write(
        "data/learning_paths.yaml", "办案民警:\n  - id: G-1\n    reason: 入门\n  - id: G-404\n    reason: 进阶\n"
    )
    result = check_everything(settings)
    lines = [str(p) for p in result.problems]
    assert lines[0].startswith("guides/G-2.md:4: category: 未知类别“盗抢”")
    assert lines[-1] == "data/learning_paths.yaml:4: id: 找不到 id 为“G-404”的文档；请检查 id 是否写错"
    assert len(result.errors) == len(lines) == 2


def test_a_path_step_without_a_reason_is_only_a_warning(content, settings):
    content.guide("G-1")
    content.write("data/learning_paths.yaml", "办案民警:\n  - id: G-1\n")
    result = check_everything(settings)
    assert [str(p) for p in result.problems] == ["data/learning_paths.yaml:2: reason: “G-1”缺少推荐理由"]
    assert result.errors == []
