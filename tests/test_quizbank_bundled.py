"""The bundled starter question bank (quizzes/): it passes the checker against the statute folder and covers
every category, every 办案环节 and every tier."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import pytest
from conftest import LAWS_DIR, REPO_ROOT

from kb.content.catalog import load_content_taxonomy
from kb.settings import load_settings
from kb.workflow.questionbank import check_questions, usable_questions


@pytest.fixture(scope="module")
def bundled():
    if not LAWS_DIR.is_dir():
        pytest.skip(f"法规库目录不存在：{LAWS_DIR}")
    settings = replace(load_settings(), content_dir=REPO_ROOT, data_dir=REPO_ROOT / "data", laws_dir=LAWS_DIR)
    return settings, check_questions(settings)


def test_the_starter_bank_passes_the_checker(bundled):
    _, bank = bundled
    assert [str(p) for p in bank.problems] == []
    assert len(usable_questions(bank)) == len(bank.questions) >= 150


def test_every_category_stage_and_tier_is_covered(bundled):
    settings, bank = bundled
    taxonomy = load_content_taxonomy(settings)
    questions = bank.questions
    categories = Counter(q.category for q in questions)
    stages = Counter(s for q in questions for s in q.stages)
    tiers = Counter(t for q in questions for t in q.tiers)
    assert [c for c in taxonomy.categories if categories[c] < 5] == []
    assert [s for s in taxonomy.stages if stages[s] < 5] == []
    assert [t for t in taxonomy.audiences if tiers[t] < 40] == []
    assert {q.type for q in questions} == {"单选", "多选", "判断", "填空"}


def test_every_question_names_a_document_or_an_article(bundled):
    _, bank = bundled
    assert [q.id for q in bank.questions if not q.sources and not q.citations] == []
