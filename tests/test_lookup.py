"""Tests for kb.statutes.lookup: one article by law, number and version, with its standing in the version in force."""

from pathlib import Path

import pytest

from kb.errors import StatuteError
from kb.statutes.library import StatuteLibrary
from kb.statutes.lookup import UnknownArticleNumber, look_up_article

LAW = "某某市养犬管理条例"
OLD = f"""\
# {LAW}

<!-- INFO END -->

## 第一章 总则

第一条 为了规范养犬行为，制定本条例。

第二条 本条例适用于本市城区。
"""
NEW = f"""\
# {LAW}

<!-- INFO END -->

## 第一章 总则

第一条 为了规范养犬行为，保障公民健康，制定本条例。

第二条 本条例适用于本市行政区域。

第三条 养犬人应当为犬只办理登记。
"""


@pytest.fixture
def library(tmp_path: Path) -> StatuteLibrary:
    """One local regulation in two versions: 2020 (expired) and 2024 (in force)."""
    folder = tmp_path / "laws" / "地方性法规"
    folder.mkdir(parents=True)
    (folder / f"{LAW}(2020-01-01).md").write_text(OLD, encoding="utf-8")
    (folder / f"{LAW}(2024-01-01).md").write_text(NEW, encoding="utf-8")
    return StatuteLibrary.load(tmp_path / "laws", effective_file=tmp_path / "none.yaml")


def test_the_article_in_force_by_default_with_its_charges(library):
    found = look_up_article(library, LAW, "第三条", charges_for=lambda key: ["无证养犬"] if key == f"{LAW}:3" else [])
    assert (found.article.article, found.version.version, found.status) == ("3", "2024-01-01", "现行")
    assert found.charges == ("无证养犬",)
    assert (found.current, found.match) == (None, None)


def test_an_older_version_names_the_version_in_force_and_its_article(library):
    found = look_up_article(library, LAW, "2", version="2020-01-01", charges_for=lambda key: ["不会问到"])
    assert (found.status, found.charges) == ("已失效", ())  # charges only for an article in force
    assert found.current.version == "2024-01-01"
    assert found.match.label == "第二条"


def test_the_json_object_has_the_cli_shape(library):
    data = look_up_article(library, LAW, "1").to_json()
    assert data == {
        "id": f"{LAW}@2024-01-01#1",
        "law": LAW,
        "title": LAW,
        "article": "1",
        "label": "第一条",
        "chapter": "第一章 总则",
        "version": "2024-01-01",
        "effective": "2024-01-01",
        "status": "现行",
        "charges": [],
        "text": "为了规范养犬行为，保障公民健康，制定本条例。",
        "history": [
            {
                "direction": "from",
                "version": "2020-01-01",
                "articles": ["1"],
                "labels": ["第一条"],
                "change": "内容修改",
                "corrected": False,
                "note": "",
                "text": "本条为2020年版第一条修改而来",
            }
        ],
    }


def test_an_unknown_law_names_the_close_ones(library):
    with pytest.raises(StatuteError) as caught:
        look_up_article(library, "某某市养犬条例", "1")
    assert str(caught.value) == f"法规库中没有“某某市养犬条例”；相近的有：{LAW}"


def test_an_unreadable_article_number_is_its_own_error(library):
    with pytest.raises(UnknownArticleNumber) as caught:
        look_up_article(library, LAW, "第X条")
    assert str(caught.value) == "无法识别的条号“第X条”；例如 264、133-1、第一百三十三条之一"


def test_an_unknown_version_lists_the_versions(library):
    with pytest.raises(StatuteError) as caught:
        look_up_article(library, LAW, "1", version="2022-01-01")
    assert str(caught.value) == f"{LAW}没有 2022-01-01 版；可选：2020-01-01、2024-01-01"


def test_a_missing_article_is_explained_by_the_library(library):
    with pytest.raises(StatuteError) as caught:
        look_up_article(library, LAW, "9")
    assert str(caught.value).startswith(f"引用“{LAW}第九条”不存在；")


def test_an_article_missing_from_the_version_asked_for_is_explained_in_that_version(library):
    with pytest.raises(StatuteError) as caught:
        look_up_article(library, LAW, "3", version="2020")  # the version in force has a 第三条
    assert str(caught.value) == (
        f"引用“{LAW}第三条”不存在；{LAW}（2020-01-01 版）共 2 条（第一条至第二条），最接近的有：第二条；"
        "2024-01-01 版（2024-01-01 施行）中有此条"
    )


def test_an_older_article_says_what_it_became(library):
    found = look_up_article(library, LAW, "2", version="2020-01-01")
    assert [h.text for h in found.history] == ["2020年版第二条在2024年修订后仍为第二条，内容有修改"]
    assert found.match.label == "第二条"


def test_a_new_article_says_it_is_new(library):
    found = look_up_article(library, LAW, "3")
    assert [(h.direction, h.change, h.text) for h in found.history] == [
        ("from", "新增", "本条为2024年修订新增，2020年版无对应条文")
    ]


def test_a_version_may_be_named_by_its_year(library):
    assert look_up_article(library, LAW, "1", version="2020").version.version == "2020-01-01"
