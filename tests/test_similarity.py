"""类案检索: charge agreement, key terms, and find_similar on tiny fixture documents."""

from __future__ import annotations

import pytest

from kb.content.taxonomy import load_taxonomy
from kb.content.validation import read_document
from kb.search import similarity
from kb.search.casefacts import key_terms, telling
from kb.search.index import build_index, index_documents
from kb.search.service import SearchService
from kb.search.similarity import SimilarHit

VOCABULARY = ["盗窃罪", "诈骗罪", "合同诈骗罪", "危险驾驶罪", "交通肇事罪", "殴打他人", "容留他人吸毒罪"]
DUI_FACTS = "赵某酒后驾驶小型轿车在城关镇被执勤民警查获，抽血检验血液酒精含量为120毫克/100毫升。"


# -- against an index -----------------------------------------------------------------------


def write_documents(content) -> None:
    """Two textual twins of different charges, a theft, a superseded case and two guides."""
    content.case(
        "C-DUI",
        title="赵某醉驾案",
        category="危险驾驶",
        charges="危险驾驶罪",
        laws="刑法第一百三十三条之一",
        facts="赵某饮酒后驾驶轿车，抽血检验血液酒精含量为156毫克/100毫升。",
        law_text="依照刑法第一百三十三条之一，赵某构成危险驾驶罪。",
        summary="血液酒精含量鉴定意见是认定醉驾的主要依据。",
    )
    content.case(
        "C-CRASH",
        title="赵某醉驾案",
        category="交通肇事",
        charges="交通肇事罪",
        laws="刑法第一百三十三条",
        facts="赵某饮酒后驾驶轿车，抽血检验血液酒精含量为156毫克/100毫升。",
        law_text="依照刑法第一百三十三条之一，赵某构成危险驾驶罪。",
        summary="血液酒精含量鉴定意见是认定醉驾的主要依据。",
    )
    content.case(
        "C-THEFT",
        title="孙某盗窃轿车内财物案",
        facts="孙某在小区撬开轿车车门，盗走车内财物，民警调取监控后将其抓获。",
        summary="撬车盗窃车内财物的认定。",
    )
    content.case(
        "C-OLD",
        title="钱某醉驾案（旧）",
        category="危险驾驶",
        charges="危险驾驶罪",
        facts="钱某酒后驾驶轿车，血液酒精含量为130毫克/100毫升。",
        summary="旧案例。",
        extra="status: 不再参照\nsuperseded_by: C-DUI\n",
    )
    content.guide(
        "G-DUI",
        title="醉酒驾驶案件办理指引",
        category="危险驾驶",
        stage="调查取证",
        tags="危险驾驶",
        laws="刑法第一百三十三条之一",
        body="查获酒后驾驶的，应当及时抽血送检，血液酒精含量以鉴定意见为准。",
        summary="规范醉驾案件抽血送检。",
    )
    content.guide("G-BAIL", title="取保候审工作指引", body="取保候审期间，被取保候审人应当遵守规定。")
    # status: 现行 in the template is replaced for the superseded case
    old = content.root / "casebook" / "危险驾驶" / "C-OLD.md"
    old.write_text(old.read_text(encoding="utf-8").replace("status: 现行\n", "", 1), encoding="utf-8")


@pytest.fixture(scope="module")
def indexed(tmp_path_factory):
    """The documents indexed once for the module: the tests using it only read."""
    root = tmp_path_factory.mktemp("similar")
    content = ContentTree(root / "content")
    write_documents(content)
    settings = make_settings(content.root, root)
    build_index(settings)
    return settings


@pytest.fixture
def service(indexed):
    """A fresh service (its own per-segment caches) over the shared index."""
    svc = SearchService(indexed, charges=VOCABULARY)
    yield svc
    svc.close()


def ids(group):
    return [h.id for h in group]


def test_key_terms_are_known_words_without_numbers_or_single_characters(service):
    with service._searcher() as searcher:
        terms = dict(key_terms(searcher, "赵某酒后驾驶轿车，轿车撞上护栏。血液酒精含量120毫克。"))
    assert terms["轿车"] == pytest.approx(1 + __import__("math").log(2))
    assert terms["驾驶"] == 1.0
    assert "120" not in terms and "撞" not in terms
    assert "护栏" not in terms  # no document has it


@pytest.mark.parametrize(
    "word, expected",
    [("电瓶", True), ("撬开", True), ("张某", False), ("李某某", False), ("某", False), ("日晚", False),
     ("时许", False), ("民警", False), ("此前", False), ("案发后", False), ("人民币", False), ("凌晨", True), ("2400", False)],
)  # fmt: skip
def test_only_telling_words_count(word, expected):
    assert telling(word) is expected


def test_key_terms_skip_names_dates_and_narrative_words(service):
    with service._searcher() as searcher:
        terms = dict(key_terms(searcher, "3月5日晚，赵某某此前酒后驾驶轿车，案发后查获。"))
    assert set(terms) <= {"酒后", "驾驶", "轿车", "查获"} and "驾驶" in terms


def test_a_hit_is_explained_by_anything_it_shares():
    bare = SimilarHit(id="C-1", title="某案", type="case", category="盗窃", score=1.0)
    assert not bare.explained
    assert not SimilarHit(
        id="C-1", title="某案", type="case", category="盗窃", score=1.0, shared_terms=("价值",)
    ).explained
    terms = ("电瓶", "撬开")
    assert SimilarHit(id="C-1", title="某案", type="case", category="盗窃", score=1.0, shared_terms=terms).explained
    assert SimilarHit(
        id="C-1", title="某案", type="case", category="盗窃", score=1.0, shared_charges=("盗窃",)
    ).explained
    assert SimilarHit(
        id="C-1", title="某案", type="case", category="盗窃", score=1.0, shared_laws=("刑法第264条",)
    ).explained


def test_a_document_is_never_similar_to_itself(service):
    results = service.similar(doc_id="C-DUI")
    assert "C-DUI" not in ids(results.cases)
    assert "C-DUI" not in ids(results.guides)


def test_pasted_facts_find_the_case_with_the_same_charge_first(service):
    results = service.similar(text=DUI_FACTS)
    assert ids(results.cases)[0] == "C-DUI"
    assert results.cases[0].shared_charges == ("危险驾驶罪",)
    assert results.charges[0] == "危险驾驶罪"


def test_the_case_sharing_the_charge_outranks_its_textual_twin(service):
    # C-CRASH has the very words of C-DUI; only the charge read from the facts separates them.
    results = service.similar(text=DUI_FACTS)
    first, second = results.cases[0], results.cases[1]
    assert (first.id, second.id) == ("C-DUI", "C-CRASH")
    assert first.score > second.score
    assert first.shared_charges == ("危险驾驶罪",)


def test_without_charge_agreement_the_twins_tie(service, monkeypatch):
    monkeypatch.setattr(similarity, "CHARGE_WEIGHT", 0.0)
    first, second = service.similar(text=DUI_FACTS).cases[:2]
    assert {first.id, second.id} == {"C-DUI", "C-CRASH"}
    assert first.score == pytest.approx(second.score)


def test_superseded_cases_are_not_suggested(service):
    assert "C-OLD" not in ids(service.similar(text=DUI_FACTS).cases)


def test_the_guide_naming_the_charge_applies(service):
    assert ids(service.similar(text=DUI_FACTS).guides)[0] == "G-DUI"


def test_an_article_cited_in_the_facts_is_listed_and_shared(service):
    results = service.similar(text=DUI_FACTS + "依照刑法第133条之一处理。")
    assert results.citations == ("刑法:133-1",)
    assert results.laws[0].title.startswith("刑法第一百三十三条之一")
    assert results.cases[0].shared_laws == ("刑法第一百三十三条之一",)


def test_filters_restrict_the_cases(service):
    results = service.similar(text=DUI_FACTS, filters={"category": "盗窃"})
    assert ids(results.cases) == ["C-THEFT"]


def test_a_re_indexed_case_is_suggested_once(content, settings):
    write_documents(content)  # an index of its own: this test re-indexes a case
    build_index(settings)
    service = SearchService(settings, charges=VOCABULARY)
    service.similar(text=DUI_FACTS)  # fill the per-segment caches first
    path = content.case(
        "C-DUI",
        title="赵某醉驾案",
        category="危险驾驶",
        charges="危险驾驶罪",
        facts="赵某饮酒后驾驶轿车，血液酒精含量为156毫克/100毫升，另查明其无证驾驶。",
        summary="血液酒精含量鉴定意见是认定醉驾的主要依据。",
    )
    rel = path.relative_to(content.root).as_posix()
    doc, problems = read_document(path, rel, load_taxonomy(settings.data_dir / "taxonomy.yaml"))
    assert doc is not None, problems
    index_documents(settings, [doc])
    assert ids(service.similar(text=DUI_FACTS).cases).count("C-DUI") == 1
    service.close()


def test_empty_text_is_refused_with_a_message(service):
    from kb.errors import QueryError

    with pytest.raises(QueryError) as err:
        service.similar(text="  ")
    assert str(err.value) == "请输入案情描述（或指定文档 id）"


def test_an_offence_and_its_crime_are_read_once_and_shared_by_both_kinds_of_case(content, settings):
    content.case(
        "C-CRIME", title="甲某盗窃电瓶案", charges="盗窃罪", facts="甲某在小区多次盗窃电动车电瓶，价值三千元。"
    )
    content.case(
        "C-FINE",
        title="乙某盗窃电瓶治安案",
        category="治安盗窃",
        case_type="行政",
        charges="盗窃",
        laws="治安管理处罚法第五十八条",
        facts="乙某在小区盗窃电动车电瓶一块，价值二百元。",
    )
    build_index(settings)
    svc = SearchService(settings, charges=["盗窃罪", "盗窃"])
    try:
        results = svc.similar(text="丙某在小区盗窃电动车电瓶两块，被民警查获。")
    finally:
        svc.close()
    assert len(results.charges) == 1 and results.charges[0] in ("盗窃罪", "盗窃")
    shared = {h.id: h.shared_charges for h in results.cases}
    assert shared == {"C-CRIME": ("盗窃罪",), "C-FINE": ("盗窃",)}


def test_a_bad_fact_pattern_line_only_loses_itself(content, settings):
    cues = settings.data_dir / "charge_cues.txt"
    cues.write_text(cues.read_text(encoding="utf-8") + "盗窃罪 窃取(\n", encoding="utf-8")
    line = len(cues.read_text(encoding="utf-8").splitlines())
    content.case("C-DUI", title="赵某醉驾案", category="危险驾驶", charges="危险驾驶罪", facts="赵某酒后驾驶轿车。")
    report = build_index(settings)  # the build does not stop: the line is a warning
    assert [str(p) for p in report.warnings] == [
        f"data/charge_cues.txt:{line}: 事实特征“窃取(”不是有效的正则表达式（第 3 个字符附近有误）；"
        "请检查括号是否成对、“|”两侧是否都有内容"
    ]
    assert [p.severity for p in report.warnings] == ["warning"]
    svc = SearchService(settings)
    try:
        results = svc.similar(text="钱某饮酒后驾驶小型轿车被查获。")
    finally:
        svc.close()
    assert results.charges[0] == "危险驾驶罪"  # the other patterns still work


# -- the bundled casebook: the charge read from facts the officers typed ----------------

try:
    from tests.conftest import LAWS_DIR, ContentTree, make_settings
except ImportError:  # tests/ is not a package: pytest put tests/ itself on sys.path
    from conftest import LAWS_DIR, ContentTree, make_settings

DRINK_DRIVING = (
    "王某酒后驾驶小型轿车回家，在城关镇被执勤民警查获，未发生交通事故。经抽血检验，"
    "血液酒精含量为98mg/100ml。同车还有一名乘客。"
)
CARDS = "将本人名下的两张银行卡出租给他人使用"


def bundled_service(root, laws_dir=None) -> SearchService:
    from kb.settings import REPO_ROOT, Settings

    settings = Settings(
        content_dir=REPO_ROOT,
        index_dir=root / "index",
        laws_dir=laws_dir,
        data_dir=REPO_ROOT / "data",
        db_path=root / "casekb.sqlite3",
        search_log=False,
    )
    build_index(settings, parallel=False)
    return SearchService(settings)


@pytest.fixture(scope="module")
def bundled(tmp_path_factory):
    svc = bundled_service(tmp_path_factory.mktemp("bundled"))
    yield svc
    svc.close()


def test_drink_driving_without_an_accident_reads_as_drink_driving_only(bundled):
    results = bundled.similar(text=DRINK_DRIVING)
    assert results.charges == ("危险驾驶罪",)
    assert results.confidence > 0.9
    assert results.cases[0].shared_charges == ("危险驾驶罪",)
    assert "乘客" not in results.terms


def test_a_passenger_in_the_car_is_no_offence_and_no_key_term(bundled):
    results = bundled.similar(text="同车还有一名乘客")
    assert results.charges == ()
    assert results.confidence < 0.5
    assert results.terms == ()


def test_renting_out_ones_bank_cards_reads_as_the_aiding_offence(bundled):
    results = bundled.similar(text=CARDS)
    assert results.charges == ("帮助信息网络犯罪活动罪",)
    assert {"银行卡", "出租"} <= set(results.terms)
    assert results.cases[0].shared_charges == ("帮助信息网络犯罪活动罪",)
    assert results.guides[0].title.startswith("帮助信息网络犯罪活动案件办理指引")


def test_the_guides_follow_the_reading(bundled):
    # 殴打他人案件办理指引 shares 他人 with the facts, but the facts do not read as 殴打他人.
    titles = [g.title for g in bundled.similar(text=CARDS).guides]
    assert not any("殴打他人" in t for t in titles)
    assert not any("醉驾" in t for t in (g.title for g in bundled.similar(text="同车还有一名乘客").guides))


def test_key_terms_are_legal_facts_not_noise(bundled):
    results = bundled.similar(text="王某在超市偷了两瓶白酒，白色包装，每张小票别问。")
    assert results.charges and results.charges[0] in ("盗窃", "盗窃罪")
    assert not {"两瓶", "白色", "每张", "别问", "包装"} & set(results.terms)
    assert "超市" in results.terms


@pytest.mark.laws
def test_the_articles_follow_the_reading(tmp_path_factory):
    if not LAWS_DIR.is_dir():
        pytest.skip(f"法规库目录不存在：{LAWS_DIR}（设置 KB_TEST_LAWS 指向 LawRefBook 格式的法规目录）")
    svc = bundled_service(tmp_path_factory.mktemp("bundled-laws"), LAWS_DIR)
    try:
        cards = svc.similar(text=CARDS)
        passenger = svc.similar(text="同车还有一名乘客")
    finally:
        svc.close()
    assert cards.laws[0].title.startswith("刑法第二百八十七条之二")
    assert not any("诈骗罪" in h.title for h in cards.laws)
    # the closest case by wording is a theft that shares nothing nameable: none of its articles
    assert passenger.laws == ()


def test_a_shared_charge_scales_the_facts_score_rather_than_adding_to_it(service, monkeypatch):
    # A case sharing the conduct read gets its facts score times 1 + CHARGE_WEIGHT × agreement, so a
    # weak match of the facts is lifted little and never jumps over strong matches by a fixed amount.
    monkeypatch.setattr(similarity, "CITATION_WEIGHT", 0.0)
    monkeypatch.setattr(similarity, "CHARGE_WEIGHT", 0.0)
    facts_only = {h.id: h.score for h in service.similar(text=DUI_FACTS).cases}
    assert 0 < facts_only["C-THEFT"] < 1  # a weak match: the best case scores 1
    monkeypatch.setattr(similarity, "CHARGE_WEIGHT", 1.0)
    monkeypatch.setattr(similarity, "charge_agreement", lambda profile, charges: float("盗窃罪" in charges))
    scaled = {h.id: h.score for h in service.similar(text=DUI_FACTS).cases}
    assert scaled["C-THEFT"] == pytest.approx(2 * facts_only["C-THEFT"])
    assert scaled["C-DUI"] == pytest.approx(facts_only["C-DUI"])
