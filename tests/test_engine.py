"""The Whoosh adapter (kb.search.engine): codec reads against the public API, tables kept off Whoosh's
objects, and a search service that hands out only the project's own dataclasses."""

from __future__ import annotations

import gc

import pytest
from conftest import ContentTree, make_settings

from kb.search import engine
from kb.search.index import build_index, load_resources
from kb.search.results import StoredDocument
from kb.search.service import SearchService


@pytest.fixture
def service(content, settings):
    content.case("C-1", facts="张某在某小区盗窃电动车电瓶。盗窃电瓶后销赃。")
    content.case(
        "C-2",
        title="李某诈骗案",
        category="诈骗",
        charges="诈骗罪",
        tags="诈骗",
        facts="李某在某商场实施诈骗。",
        law_text="李某的行为构成诈骗罪。",
    )
    content.guide("G-1", title="盗窃案件办理指引", body="盗窃电动车电瓶的，应当及时调取监控。")
    build_index(settings)
    svc = SearchService(settings)
    yield svc
    svc.close()


def _postings(leaf, field: str, word: str) -> list[tuple[int, float]]:
    return [(d, w) for ids, weights in engine.blocks(leaf, field, word) for d, w in zip(ids, weights, strict=True)]


def test_the_codec_reads_the_same_postings_as_the_public_matcher_api(service, monkeypatch):
    with service._searcher() as searcher:
        leaf = engine.leaves(searcher)[0][0]
        fast = {word: _postings(leaf, "body", word) for word in ("盗窃", "电瓶", "诈骗")}
        monkeypatch.setattr(engine, "_CODEC_KNOWN", False)  # as on a Whoosh version the adapter does not know
        slow = {word: _postings(leaf, "body", word) for word in fast}
    assert fast == slow
    assert fast["电瓶"] == [(0, 2.0), (2, 1.0)]  # C-1 twice, G-1 once


def test_the_pinned_whoosh_is_a_version_whose_codec_the_adapter_reads():
    # A new Whoosh falls back to the public matcher API (slower): review engine.blocks, then
    # add the version to CODEC_VERSIONS.
    assert engine._CODEC_KNOWN


def test_searches_attach_nothing_to_whoosh_objects_and_their_tables_go_with_them(service):
    service.search("盗窃 电瓶")
    service.search("盗窃", include_superseded=True)
    service.similar(text="张某盗窃电动车电瓶后销赃。")
    with service._searcher() as searcher:
        readers = [searcher.reader(), *(leaf for leaf, _ in engine.leaves(searcher))]
        assert engine.reader_cache(searcher.reader())  # the status column, kept for this reader
        assert [name for r in (searcher, *readers) for name in vars(r) if name.startswith("_casekb")] == []
    before = len(engine._tables)
    service.close()  # the pool closes its searchers; their readers go
    del searcher, readers
    gc.collect()
    assert len(engine._tables) < before


def test_the_service_hands_out_stored_documents_never_whoosh_objects(service):
    everything = service.documents()
    assert [d["id"] for d in everything] == ["C-1", "C-2", "G-1"]
    assert all(type(d) is StoredDocument for d in everything)
    assert [d["id"] for d in service.documents(type="case")] == ["C-1", "C-2"]
    assert [d["id"] for d in service.documents(type="case", category="盗窃")] == ["C-1"]
    assert len(service.documents(limit=1)) == 1


def test_term_counts_give_raw_occurrences_by_document_id(service):
    counts = service.term_counts(("body",))
    assert list(counts) == ["C-1", "C-2", "G-1"]
    assert (counts["C-1"]["电瓶"], counts["C-2"]["电瓶"], counts["G-1"]["电瓶"]) == (2, 0, 1)
    assert counts["C-2"]["诈骗"] >= 1 and "诈骗" not in counts["G-1"]


def test_the_lexicon_of_an_index_in_several_segments_is_summed_per_word(service, content, settings):
    content.case("C-3", title="王某盗窃案", facts="王某盗窃电动车。")  # an update writes a second segment
    build_index(settings)
    with service._searcher() as searcher:
        reader = searcher.reader()
        assert not reader.is_atomic()
        for field in ("title", "body"):
            expected = [(word, info.doc_frequency()) for word, info in reader.iter_field(field)]
            assert list(engine.lexicon_frequencies(reader, field)) == expected
        per_segment = [leaf.doc_frequency("body", "盗窃") for leaf, _ in reader.leaf_readers()]
        assert len([n for n in per_segment if n]) >= 2  # a word in both segments: its counts are summed
        assert dict(engine.lexicon_frequencies(reader, "body"))["盗窃".encode()] == sum(per_segment)


def test_a_service_loads_its_dictionary_again_after_another_data_folder_s_was_loaded(service, tmp_path):
    other = ContentTree(tmp_path / "other")
    with (other.root / "data" / "userdict.txt").open("a", encoding="utf-8") as fh:
        fh.write("\n电瓶销赃 5 n\n")
    load_resources(make_settings(other.root, tmp_path / "other-index"))  # jieba now holds the other dictionary
    assert not service.resources.in_use()
    service.search("盗窃")
    assert service.resources.in_use()
