"""The synonym table: parsing, expansion, and expansions that belong to their own table."""

from __future__ import annotations

import gc

import pytest

from kb.errors import ContentError
from kb.search.synonyms import Synonyms, parse_synonyms


def test_expand_gives_the_other_terms_of_the_group():
    table = parse_synonyms("醉驾 醉酒驾驶 危险驾驶\n殴打他人 打人\n")
    assert table.expand("醉驾") == ("醉酒驾驶", "危险驾驶")
    assert table.expand("打人") == ("殴打他人",)
    assert table.expand("盗窃") == ()


def test_a_group_of_one_term_is_refused_with_its_line():
    with pytest.raises(ContentError) as caught:
        parse_synonyms("醉驾 醉酒驾驶\n盗窃\n")
    assert [str(p) for p in caught.value.problems] == [
        "data/synonyms.txt:2: 同义词组“盗窃”只有一个词；每行至少写两个词，用空格分隔"
    ]


def test_each_table_expands_from_its_own_groups_even_when_tables_come_and_go():
    # A cache keyed by id() hands a new table the expansions of a freed one that had the same id.
    wrong = []
    for i in range(200):
        table = Synonyms(((f"词{i}", f"同{i}"),))
        if table.expand(f"词{i}") != (f"同{i}",):
            wrong.append(i)
        del table
        gc.collect()
    assert wrong == []
