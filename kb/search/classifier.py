"""The charge read from a case description: naive Bayes over charge-labelled documents, its confidence, and who agrees."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from kb.search.charges import conduct

# Trained on the index's charge-labelled documents (cases by their front-matter charges, statute
# articles by the charges they define), from its postings at query time: nothing to train or keep
# up to date. Each document weighs the same (its word counts divided by its length), so a charge
# is the average of its documents and one long judgment does not stand for it. Set on the 20
# queries of ../shared/data/lecard and leave-one-out runs over their candidates (RESULTS.md 1.3).
MU = 15.0  # Dirichlet smoothing, in documents: a charge known from few documents stays near the background
SHARPNESS = 20.0  # the mean log-likelihood ratio per word, times this, is the evidence (best-calibrated value)
PRIOR = 1.0  # weight of the prior (the charge's share of the labelled documents)
MIN_MASS = 10.0  # a text of fewer (weighted) known words counts as this many: a few words are weak evidence
MIN_DF = 2  # a word in fewer labelled documents is no evidence: one case is not a pattern (乘客 in one theft case)
MIN_DF_FROM = 20  # … once there are this many labelled documents (in a handful, every word is all there is)
VOTE_WEIGHT = 0.0  # share of the profile given to the closest first-pass cases' charges (tried: no gain)
AGREEMENT_NORM = 0.0  # a case's agreement is divided by (its number of conducts) ** this
SHOW = 0.5  # the conducts read are shown (and pick guides and articles) when the likeliest has this probability:
SHOW_ALSO = 0.2  # … it and any other with at least this one, at most three


@dataclass(frozen=True)
class ChargeCounts:
    """What the classifier knows about a text's words, gathered from the labelled documents.

    counts[i, c]: the summed share (tf / length) of word i in the documents of charge c;
    background[i]: word i's summed share over all `labelled` documents, and spread[i] how many
    of them have it; class_docs[c]: how many documents charge c has.
    """

    classes: tuple[str, ...]
    counts: np.ndarray
    background: np.ndarray
    spread: np.ndarray
    class_docs: np.ndarray
    labelled: int


@dataclass(frozen=True)
class Reading:
    """The charges a description's words point to, a probability each (best first), and the
    words that speak for the likeliest one with their evidence (weight times log-likelihood
    ratio), strongest first."""

    probabilities: tuple[tuple[str, float], ...] = ()
    evidence: tuple[tuple[str, float], ...] = ()

    @property
    def confidence(self) -> float:
        """The probability of the likeliest charge (0 when nothing could be read)."""
        return self.probabilities[0][1] if self.probabilities else 0.0

    def as_dict(self) -> dict[str, float]:
        return dict(self.probabilities)


def read_charges(
    words: Sequence[str], weights: Sequence[float], known: ChargeCounts, bonus: Sequence[float] | None = None
) -> Reading:
    """The posterior over the labelled documents' charges for a text of `words` weighted by
    `weights`. Words no labelled document has carry no evidence; `bonus[c]` is evidence from
    outside the words, in log odds (the text names charge c, or shows its fact pattern)."""
    if not known.classes or known.labelled <= 0:
        return Reading()
    p = np.asarray(known.background, dtype=float) / known.labelled
    seen = (p > 0) & (np.asarray(known.spread) >= (MIN_DF if known.labelled >= MIN_DF_FROM else 1))
    w = np.asarray(weights, dtype=float)[seen]
    p = p[seen]
    kept = [word for word, k in zip(words, seen, strict=True) if k]
    docs = np.asarray(known.class_docs, dtype=float)
    # log P(word | charge) / P(word), the charge's distribution smoothed towards the background
    ratio = np.log((known.counts[seen] + MU * p[:, None]) / (docs[None, :] + MU) / p[:, None])
    score = SHARPNESS * (w @ ratio) / max(float(w.sum()), MIN_MASS) + PRIOR * np.log(docs / docs.sum())
    if bonus is not None:
        score = score + np.asarray(bonus, dtype=float)
    prob = np.exp(score - score.max())
    prob /= prob.sum()
    order = np.argsort(-prob, kind="stable")
    evidence = sorted(
        ((word, float(e)) for word, e in zip(kept, w * ratio[:, order[0]], strict=True) if e > 0), key=lambda x: -x[1]
    )
    return Reading(
        probabilities=tuple((known.classes[i], float(prob[i])) for i in order if prob[i] >= 1e-4),
        evidence=tuple(evidence),
    )


# -- using the reading ------------------------------------------------------------------------


def charge_profile(reading: Reading, votes: Counter) -> dict[str, float]:
    """Probability per conduct (盗窃 and 盗窃罪 together): the classifier's posterior, mixed with the
    closest first-pass cases' votes when VOTE_WEIGHT is set."""
    profile: dict[str, float] = {}
    parts = [(1.0 - VOTE_WEIGHT, reading.as_dict()), (VOTE_WEIGHT, votes)]
    total = 0.0
    for weight, shares in parts:
        mass = sum(shares.values())
        if weight <= 0 or not mass:
            continue
        total += weight
        for charge, value in shares.items():
            key = conduct(charge)
            profile[key] = profile.get(key, 0.0) + weight * value / mass
    return {c: w / total for c, w in profile.items()} if total else {}


def charge_agreement(profile: dict[str, float], doc_charges: Sequence[str]) -> float:
    """The probability that a document shares the description's conduct (0–1): an uncertain
    reading adds little to any document, and the facts decide (divided by its number of
    conducts ** AGREEMENT_NORM, 0: a document listing several charges shares any of them)."""
    if not profile or not doc_charges:
        return 0.0
    conducts = {conduct(c) for c in doc_charges}
    return sum(profile.get(c, 0.0) for c in conducts) / len(conducts) ** AGREEMENT_NORM


def charges_read(profile: dict[str, float], names: dict[str, float]) -> tuple[str, ...]:
    """The charges shown to the officer, which also pick the guides and articles: nothing when the
    likeliest conduct has less than SHOW, else the conducts with at least SHOW_ALSO (at most three),
    each by the name (盗窃罪 or 盗窃) the classifier rates higher."""
    if max(profile.values(), default=0.0) < SHOW:
        return ()
    out = []
    for key in sorted(profile, key=lambda c: -profile[c]):
        if profile[key] >= SHOW_ALSO:
            candidates = [c for c in names if conduct(c) == key] or [key]
            out.append(max(candidates, key=lambda c: names.get(c, 0.0)))
    return tuple(out[:3])
