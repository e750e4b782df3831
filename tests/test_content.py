"""The bundled starter content: counts, categories, case sections, and every citation resolving."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from kb.content.validation import load_content
from kb.search.index import load_resources
from kb.settings import REPO_ROOT, load_settings
from kb.statutes.library import check_citations


@pytest.fixture(scope="module")
def bundled():
    settings = load_settings(content=REPO_ROOT)
    resources = load_resources(settings)
    return settings, resources, load_content(settings.content_dir, resources.taxonomy)


def test_the_bundled_content_validates(bundled):
    _, _, content = bundled
    assert [str(p) for p in content.problems] == []


def test_counts_of_guides_and_cases(bundled):
    _, _, content = bundled
    guides = [d for d in content.documents if d.type == "guide"]
    cases = [d for d in content.documents if d.type == "case"]
    assert len(guides) >= 20
    assert {d.kind for d in guides} == {"办案指引", "执法宝典", "工具箱"}
    assert len(cases) >= 60
    assert {d.case_type for d in cases} == {"刑事", "行政"}
    assert {d.year for d in cases} == {2022, 2023, 2024, 2025}


def test_every_casebook_category_has_at_least_three_cases(bundled):
    _, resources, content = bundled
    counts = Counter(d.category for d in content.documents if d.type == "case")
    assert len(counts) >= 12
    casebook_categories = [*resources.taxonomy.groups["刑事"], *resources.taxonomy.groups["行政"]]
    assert {c: counts[c] for c in casebook_categories if counts[c] < 3} == {}


def test_guides_cover_every_stage(bundled):
    _, resources, content = bundled
    covered = {s for d in content.documents if d.type == "guide" and d.in_force for s in d.stage}
    assert set(resources.taxonomy.stages) <= covered


def test_some_guides_are_superseded_with_a_successor(bundled):
    _, _, content = bundled
    by_id = {d.id: d for d in content.documents}
    old = [d for d in content.documents if d.status == "不再参照"]
    assert len(old) >= 2
    for doc in old:
        assert by_id[doc.superseded_by].in_force
        assert doc.id in by_id[doc.superseded_by].supersedes


def test_case_bodies_are_of_useful_length(bundled):
    _, _, content = bundled
    lengths = {d.id: len(re.findall(r"[\u4e00-\u9fff]", d.body)) for d in content.documents if d.type == "case"}
    assert {k: v for k, v in lengths.items() if not 400 <= v <= 1600} == {}


def test_synonym_table_and_dictionary_are_substantial(bundled):
    settings, resources, _ = bundled
    assert len(resources.synonyms.groups) >= 60
    assert resources.synonyms.expand("醉驾") and "危险驾驶" in resources.synonyms.expand("醉驾")
    entries = [ln for ln in (settings.data_dir / "userdict.txt").read_text(encoding="utf-8").splitlines() if ln.strip()]
    assert len(entries) >= 100


def test_case_charges_are_in_the_charge_vocabulary(bundled):
    _, resources, content = bundled
    known = set(resources.charges)
    missing = {c for d in content.documents if d.type == "case" for c in d.charges if c not in known}
    assert missing == set()


def test_every_citation_resolves_in_the_statute_texts(bundled, laws_dir):
    settings, _, content = bundled
    problems = check_citations(settings.with_overrides(laws_dir=laws_dir), content.documents)
    assert [str(p) for p in problems if p.severity == "error"] == []
    changed = [str(p) for p in problems if "已变动" in p.message or "不存在" in p.message]
    assert changed == []
