"""The charge vocabulary: names, linked articles, and every link naming an existing article."""

from __future__ import annotations

import pytest

from kb.charges import load_charges, parse_charges
from kb.errors import ContentError
from kb.settings import REPO_ROOT
from kb.statutes import StatuteLibrary


def test_names_and_links():
    table = parse_charges("# c\n盗窃罪 刑法第二百六十四条\n殴打他人 治安管理处罚法第五十一条\n违反枪支管理\n")
    assert table.names() == ("盗窃罪", "殴打他人", "违反枪支管理")
    assert table.articles("盗窃罪") == ("刑法:264",)
    assert table.charges_for("治安管理处罚法:51") == ("殴打他人",)
    assert table.charges_for("刑法:1") == ()


def test_an_unreadable_citation_names_the_line():
    with pytest.raises(ContentError) as err:
        parse_charges("盗窃罪 刑法264条款\n")
    assert [str(p) for p in err.value.problems] == [
        "data/charges.txt:1: 无法识别的法条引用“刑法264条款”；请写成“刑法第二百六十四条”的形式"
    ]


def test_every_bundled_link_names_an_article_in_force(laws_dir):
    library = StatuteLibrary.load(laws_dir)
    table = load_charges(REPO_ROOT / "data" / "charges.txt")
    missing = []
    for charge in table.charges:
        for key in charge.laws:
            law, _, article = key.rpartition(":")
            if library.article(law, article) is None:
                missing.append((charge.name, key))
    assert missing == []
    assert len([c for c in table.charges if c.laws]) >= 100


@pytest.mark.parametrize(
    ("charge", "words"),
    [
        ("盗窃罪", "盗窃公私财物"),
        ("危险驾驶罪", "醉酒驾驶机动车"),
        ("帮助信息网络犯罪活动罪", "提供互联网接入"),
        ("侵犯公民个人信息罪", "公民个人信息"),
        ("开设赌场罪", "开设赌场"),
        ("容留他人吸毒罪", "容留他人吸食"),
        ("殴打他人", "殴打他人"),
        ("参与赌博", "参与赌博"),
        ("谎报警情", "警情"),
    ],
)
def test_linked_articles_say_what_the_charge_is(laws_dir, charge, words):
    library = StatuteLibrary.load(laws_dir)
    table = load_charges(REPO_ROOT / "data" / "charges.txt")
    (key,) = table.articles(charge)
    law, _, article = key.rpartition(":")
    found = library.article(law, article)
    assert found is not None and words in found.text, (charge, key)
