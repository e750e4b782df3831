"""The data files every analysis depends on (taxonomy, synonyms, charges, word lists), loaded once with jieba."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from kb.content.taxonomy import Taxonomy, load_taxonomy
from kb.errors import Problem
from kb.files import private_dir
from kb.search import analysis
from kb.search.charges import ChargeTable, Cue, load_charges, load_cues
from kb.search.records import SCHEMA_VERSION
from kb.search.synonyms import Synonyms, load_synonyms
from kb.search.thesaurus import QueryWords, Thesaurus, load_query_words, load_thesaurus
from kb.settings import Settings


@dataclass(frozen=True)
class Resources:
    """The data files every analysis depends on, loaded once."""

    taxonomy: Taxonomy
    synonyms: Synonyms
    fingerprint: str
    charges: tuple[str, ...] = ()
    charge_table: ChargeTable = ChargeTable()
    cues: tuple[Cue, ...] = ()
    # Bad lines of data/charge_cues.txt, left out of `cues`: `check` reports them as errors,
    # a build as warnings (a bad fact pattern must not stop search or builds).
    cue_problems: tuple[Problem, ...] = ()
    thesaurus: Thesaurus = Thesaurus(())
    query_words: QueryWords = QueryWords(frozenset(), ())
    # Bad lines of data/colloquial.txt and data/query_words.txt, handled as cue_problems are.
    query_problems: tuple[Problem, ...] = ()

    def in_use(self) -> bool:
        """True while jieba holds this set's dictionary (it is one per process)."""
        return self.fingerprint == _fingerprint(analysis.fingerprint())


def _fingerprint(dictionary: str) -> str:
    """What an index records of its analysis: the dictionary's fingerprint and the schema version."""
    return dictionary + ":" + SCHEMA_VERSION


def load_resources(settings: Settings, charges: Iterable[str] | None = None) -> Resources:
    """Load taxonomy, synonyms and dictionaries, and configure the analyzer with them.

    `charges` replaces the data folder's charges.txt (benchmarks use another vocabulary).
    """
    data = settings.data_dir
    private_dir(settings.index_dir)  # before the dictionary cache is written into it
    taxonomy = load_taxonomy(data / "taxonomy.yaml")
    synonyms = load_synonyms(data / "synonyms.txt")
    table = load_charges(data / "charges.txt")
    cues, bad = load_cues(data / "charge_cues.txt", known=table.names())
    charges = tuple(charges) if charges is not None else table.names()
    thesaurus, thesaurus_problems = load_thesaurus(data / "colloquial.txt")
    query_words, word_problems = load_query_words(data / "query_words.txt")
    # Colloquial and query words join the dictionary so that a query keeps them whole
    # (拘几天 is one intent word, not 拘 / 几天).
    words = [*synonyms.terms(), *charges, *taxonomy.categories, *taxonomy.stages]
    fingerprint = analysis.configure(
        [data / "userdict.txt"],
        words,
        cache_dir=settings.index_dir,
        query_words=[*thesaurus.words(), *query_words.words()],
    )
    return Resources(
        taxonomy,
        synonyms,
        _fingerprint(fingerprint),
        charges,
        table,
        cues,
        tuple(bad),
        thesaurus,
        query_words,
        (*thesaurus_problems, *word_problems),
    )


__all__ = ["Resources", "load_resources"]
