"""Tests for kb.statutes.lineage: where an article came from and went to, in one sentence."""

import pytest

from kb.statutes.library import StatuteLibrary
from kb.statutes.lineage import article_history

LAW = "治安管理处罚法"
OLD, NEW = "2012-10-26", "2025-06-27"


@pytest.fixture(scope="module")
def real_library() -> StatuteLibrary:
    from conftest import LAWS_DIR

    if not LAWS_DIR.is_dir():
        pytest.skip(f"法规库目录不存在：{LAWS_DIR}")
    return StatuteLibrary.load(LAWS_DIR)


def test_the_history_of_an_article_in_both_directions(real_library):
    def history(version: str, number: str) -> list[str]:
        return [h.text for h in article_history(real_library, real_library.article(LAW, number, version=version))]

    assert history(NEW, "51") == ["本条为2012年版第四十三条修改而来"]
    assert history(OLD, "43") == ["2012年版第四十三条在2025年修订后为第五十一条，内容有修改"]
    assert history(OLD, "70") == ["2012年版第七十条在2025年修订后为第八十二条，内容有修改"]
    assert history(OLD, "49") == ["2012年版第四十九条在2025年修订后分为第五十八条、第五十九条，内容有修改"]
    assert history(NEW, "59") == ["本条为2012年版第四十九条拆分修改而来"]
    assert history(NEW, "90") == ["本条为2012年版第七十七条、第七十八条合并修改而来"]
    assert history(OLD, "61") == ["2012年版第六十一条在2025年修订时删除，2025年版无对应条文"]
    assert history(NEW, "19") == ["本条为2025年修订新增，2012年版无对应条文"]
    assert history(OLD, "2") == ["2012年版第二条在2025年修订后为第三条，仅条号变化，文字未变"]
    assert history(NEW, "3") == ["本条即2012年版第二条，仅条号变化，文字未变"]
    assert history(OLD, "7") == ["2012年版第七条在2025年修订后仍为第七条，文字未变"]
    assert history(NEW, "7") == ["本条与2012年版第七条相同，文字未变"]
    assert history(OLD, "8") == ["2012年版第八条在2025年修订后仍为第八条，内容有修改"]
    assert article_history(real_library, real_library.article("刑法", "264")) == ()
