"""Learning paths: tiers, steps in order, unknown ids and tiers reported with their line."""

from __future__ import annotations

from kb.content.learning import load_learning_paths
from kb.settings import REPO_ROOT

TIERS = ("单位负责人", "法制员", "办案民警")


def test_steps_keep_their_order_and_reasons(tmp_path):
    path = tmp_path / "lp.yaml"
    path.write_text("办案民警:\n  - id: G-2\n    reason: 先读\n  - id: G-1\n    reason: 后读\n", encoding="utf-8")
    result = load_learning_paths(path, TIERS, ["G-1", "G-2"])
    assert [(s.id, s.reason) for s in result.paths["办案民警"]] == [("G-2", "先读"), ("G-1", "后读")]
    assert result.problems == ()


def test_unknown_tier_and_id_are_reported_with_lines(tmp_path):
    path = tmp_path / "lp.yaml"
    path.write_text("所长:\n  - id: G-1\n    reason: x\n法制员:\n  - id: G-9\n    reason: y\n", encoding="utf-8")
    result = load_learning_paths(path, TIERS, ["G-1"])
    assert [str(p) for p in result.problems] == [
        "data/learning_paths.yaml:1: 未知层级“所长”；可选：单位负责人、法制员、办案民警",
        "data/learning_paths.yaml:5: id: 找不到 id 为“G-9”的文档；请检查 id 是否写错",
    ]
    assert result.paths == {"法制员": ()}


def test_missing_file_is_a_problem(tmp_path):
    result = load_learning_paths(tmp_path / "none.yaml", TIERS)
    assert [str(p) for p in result.problems] == [
        "data/learning_paths.yaml:1: 找不到学习路径文件；请在 data/ 下创建 learning_paths.yaml"
    ]


def test_the_bundled_paths_name_only_existing_documents():
    from kb.content.validation import load_content
    from kb.search.index import load_resources
    from kb.settings import load_settings

    settings = load_settings(content=REPO_ROOT)
    content = load_content(settings.content_dir, load_resources(settings).taxonomy)
    result = load_learning_paths(settings.data_dir / "learning_paths.yaml", TIERS, [d.id for d in content.documents])
    assert [str(p) for p in result.problems] == []
    assert set(result.paths) == set(TIERS)
    assert all(len(steps) >= 8 for steps in result.paths.values())
