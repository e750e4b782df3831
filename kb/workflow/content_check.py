"""The whole content check of `indexer.py check`: every file through the one check, then the data files."""

from __future__ import annotations

import dataclasses

from kb.content.learning import LEARNING_FILE, load_learning_paths
from kb.content.units import UNITS_FILE, load_units
from kb.content.validation import ContentSet
from kb.search.resources import load_resources
from kb.search.thesaurus import check_search_words
from kb.settings import Settings
from kb.statutes.corrections import CORRECTIONS_NAME, check_corrections
from kb.workflow.checks import check_content, statute_library
from kb.workflow.questionbank import check_questions


def check_everything(settings: Settings) -> ContentSet:
    """Check the content folder with the same check as the editor, upload, review and publish, then the data
    files that depend on it: fact-pattern cues, search words, the learning paths, the units, the law concordance
    corrections and the question bank (quizzes/)."""
    resources = load_resources(settings)
    result = check_content(settings)  # each file through check_document; then duplicate ids
    problems = [*result.problems, *resources.cue_problems]
    problems += check_search_words(settings, result.documents, resources.synonyms)
    learning = settings.data_dir / LEARNING_FILE
    if learning.is_file():
        ids = [d.id for d in result.documents]
        problems += load_learning_paths(learning, resources.taxonomy.audiences, ids).problems
    if (settings.data_dir / UNITS_FILE).is_file():  # the units accounts belong to (账号管理)
        problems += load_units(settings.data_dir / UNITS_FILE).problems
    library = statute_library(settings)
    if library is not None:  # the 新旧条文对照 corrections name laws, versions and articles of the library
        problems += check_corrections(library, settings.data_dir / CORRECTIONS_NAME)
    ids = [d.id for d in result.documents]
    problems += check_questions(settings, known_ids=ids, library=library).problems
    return dataclasses.replace(result, problems=tuple(problems))


__all__ = ["check_everything"]
