"""The charge read from facts: naive Bayes over labelled documents, its confidence, and agreement."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from kb.search import classifier
from kb.search.classifier import ChargeCounts, Reading, charge_agreement, charge_profile, charges_read, read_charges


def counts(table: dict[str, dict[str, list[float]]], docs: dict[str, int]) -> tuple[list[str], ChargeCounts]:
    """ChargeCounts from {word: {charge: [its share in each document of the charge that has it]}}."""
    words, classes = list(table), tuple(docs)
    shares = np.array([[sum(table[w].get(c, [])) for c in classes] for w in words])
    spread = np.array([sum(len(v) for v in table[w].values()) for w in words], dtype=float)
    class_docs = np.array([docs[c] for c in classes], dtype=float)
    return words, ChargeCounts(classes, shares, shares.sum(axis=1), spread, class_docs, sum(docs.values()))


DOCS = {"危险驾驶罪": 8, "交通肇事罪": 8, "盗窃罪": 8}  # from classifier.MIN_DF_FROM documents on
TABLE = {
    "血液酒精含量": {"危险驾驶罪": [0.02, 0.02, 0.02, 0.02], "交通肇事罪": [0.01]},
    "醉驾": {"危险驾驶罪": [0.01, 0.01, 0.01]},
    "事故责任": {"交通肇事罪": [0.02, 0.02, 0.02], "危险驾驶罪": [0.01]},
    "电瓶": {"盗窃罪": [0.02, 0.02]},
    "乘客": {"盗窃罪": [0.02]},  # one document only
    "驾驶": {"危险驾驶罪": [0.02] * 4, "交通肇事罪": [0.02] * 4},
}


def test_the_words_of_a_charge_read_as_that_charge_with_a_high_probability():
    words, known = counts(TABLE, DOCS)
    weights = [1.0 if w in ("血液酒精含量", "醉驾", "驾驶") else 0.0 for w in words]
    reading = read_charges(words, [w * 5 for w in weights], known)
    assert reading.probabilities[0][0] == "危险驾驶罪" and reading.confidence > 0.9
    assert sum(p for _, p in reading.probabilities) == pytest.approx(1.0, abs=1e-3)


def test_words_shared_by_two_charges_leave_the_reading_uncertain():
    words, known = counts(TABLE, DOCS)
    reading = read_charges(words, [10.0 if w == "驾驶" else 0.0 for w in words], known)
    probs = reading.as_dict()
    assert probs["危险驾驶罪"] == pytest.approx(probs["交通肇事罪"], rel=1e-6)
    assert reading.confidence < 0.5


def test_a_word_in_one_document_only_is_no_evidence():
    words, known = counts(TABLE, DOCS)
    reading = read_charges(words, [1.0 if w == "乘客" else 0.0 for w in words], known)
    assert reading.evidence == ()
    assert reading.confidence == pytest.approx(1 / 3)  # the prior: three charges of eight documents each


def test_a_few_words_are_weaker_evidence_than_many():
    words, known = counts(TABLE, DOCS)
    one = read_charges(words, [1.0 if w == "电瓶" else 0.0 for w in words], known)
    many = read_charges(words, [classifier.MIN_MASS if w == "电瓶" else 0.0 for w in words], known)
    assert one.probabilities[0][0] == many.probabilities[0][0] == "盗窃罪"
    assert one.confidence < many.confidence


def test_the_evidence_lists_the_words_that_speak_for_the_charge_read():
    words, known = counts(TABLE, DOCS)
    reading = read_charges(words, [1.0] * len(words), known)
    assert reading.probabilities[0][0] == "危险驾驶罪"
    assert [w for w, _ in reading.evidence][:2] == ["醉驾", "血液酒精含量"]
    assert "电瓶" not in dict(reading.evidence) and "乘客" not in dict(reading.evidence)


def test_outside_evidence_in_log_odds_can_decide():
    words, known = counts(TABLE, DOCS)
    weights = [1.0 if w == "驾驶" else 0.0 for w in words]
    reading = read_charges(words, weights, known, bonus=[0.0, 3.0, 0.0])
    assert reading.probabilities[0][0] == "交通肇事罪"


def test_in_a_handful_of_documents_one_document_is_evidence():
    words, known = counts({"电瓶": {"盗窃罪": [0.02]}, "殴打": {"殴打他人": [0.02]}}, {"盗窃罪": 1, "殴打他人": 1})
    assert read_charges(words, [10.0, 0.0], known).probabilities[0][0] == "盗窃罪"


def test_nothing_is_read_without_labelled_documents():
    empty = ChargeCounts((), np.zeros((1, 0)), np.zeros(1), np.zeros(1), np.zeros(0), 0)
    assert read_charges(["驾驶"], [1.0], empty) == Reading()
    assert Reading().confidence == 0.0


# -- using the reading --------------------------------------------------------------------------


def test_the_profile_adds_up_a_conducts_names():
    reading = Reading((("盗窃", 0.5), ("盗窃罪", 0.3), ("诈骗罪", 0.2)))
    assert charge_profile(reading, Counter()) == pytest.approx({"盗窃": 0.8, "诈骗": 0.2})


def test_votes_are_mixed_in_only_when_asked(monkeypatch):
    reading = Reading((("危险驾驶罪", 1.0),))
    votes = Counter({"交通肇事罪": 3, "危险驾驶罪": 1})
    assert charge_profile(reading, votes) == {"危险驾驶": 1.0}
    monkeypatch.setattr(classifier, "VOTE_WEIGHT", 0.5)
    assert charge_profile(reading, votes) == pytest.approx({"危险驾驶": 0.625, "交通肇事": 0.375})


def test_agreement_is_the_probability_of_sharing_the_conduct():
    profile = {"危险驾驶": 0.9, "交通肇事": 0.1}
    assert charge_agreement(profile, ("危险驾驶罪",)) == pytest.approx(0.9)
    assert charge_agreement(profile, ("危险驾驶罪", "妨害公务罪")) == pytest.approx(0.9)
    assert charge_agreement(profile, ("盗窃罪",)) == 0.0
    assert charge_agreement({}, ("盗窃罪",)) == 0.0


def test_an_uncertain_reading_adds_little_to_any_case():
    sure, unsure = {"盗窃": 0.95}, {"盗窃": 0.3, "诈骗": 0.3, "抢夺": 0.4}
    assert (
        max(charge_agreement(unsure, (c,)) for c in ("盗窃罪", "诈骗罪", "抢夺罪"))
        < charge_agreement(sure, ("盗窃罪",)) / 2
    )


def test_a_public_order_offence_and_its_crime_are_the_same_conduct():
    profile = charge_profile(Reading((("盗窃", 0.6), ("盗窃罪", 0.4))), Counter())
    assert charge_agreement(profile, ("盗窃罪",)) == pytest.approx(1.0)
    assert charge_agreement(profile, ("盗窃",)) == pytest.approx(1.0)
    assert charge_agreement(profile, ("盗窃", "盗窃罪")) == pytest.approx(1.0)


def test_charges_are_shown_only_when_the_reading_is_sure_enough():
    names = {"盗窃": 0.3, "盗窃罪": 0.4, "诈骗罪": 0.25}
    assert charges_read({"盗窃": 0.7, "诈骗": 0.25, "抢夺": 0.05}, names) == ("盗窃罪", "诈骗罪")
    assert charges_read({"盗窃": 0.45, "诈骗": 0.45}, names) == ()
