"""Tests for kb.content.vocabulary: types, statuses and facets declared once, and their formatters."""

import pytest

from kb.content import vocabulary as v


def test_every_type_has_a_label_and_the_content_folders_map_to_types():
    assert v.TYPE_LABELS == {"guide": "指引", "case": "案例", "law": "法条"}
    assert v.FOLDER_TYPES == {"guides": "guide", "casebook": "case"}
    assert v.type_label("case") == "案例"
    assert v.type_label("other") == "other"


def test_authors_may_write_only_the_document_statuses():
    assert v.DOCUMENT_STATUSES == ("现行", "不再参照")
    assert [s.value for s in v.STATUSES if v.TYPE_LAW in s.types] == ["现行", "已失效", "尚未施行"]
    assert [v.status_key(s) for s in ("现行", "不再参照", "已失效", "尚未施行", "其他")] == [
        "current",
        "superseded",
        "expired",
        "pending",
        "其他",
    ]


def test_a_document_without_a_status_is_in_force():
    assert [v.in_force(s) for s in (None, "", "现行", "不再参照", "已失效")] == [True, True, True, False, False]


def test_facets_have_distinct_fields_and_url_parameters():
    assert len({f.field for f in v.FACETS}) == len({f.param for f in v.FACETS}) == len(v.FACETS) == 8
    assert {"stage", "audience"} == v.MULTI_VALUED
    assert [f.field for f in v.FACETS if f.integer] == ["year"]
    assert (v.facet("case_type").param, v.facet("case_type").noun) == ("ctype", "性质")
    with pytest.raises(KeyError):
        v.facet("title")


def test_keyword_fields_split_and_join_back():
    assert v.split_keywords("调查取证,,受案立案") == ("调查取证", "受案立案")
    assert v.split_keywords(None) == v.split_keywords("") == ()
    joined = v.join_keywords(["甲,乙", "丙"])
    assert joined == "甲，乙,丙"  # a comma inside a value cannot split it
    assert v.split_keywords(joined) == ("甲，乙", "丙")


def test_the_search_filters_have_exactly_the_declared_facets():
    from dataclasses import fields

    from kb.search.filters import Filters

    assert sorted(f.name for f in fields(Filters)) == sorted(v.FACET_FIELDS)
