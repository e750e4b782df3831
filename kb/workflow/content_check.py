"""The whole content check of `indexer.py check`: every file through the one check, then the data files."""

from __future__ import annotations

import dataclasses

from kb.content.learning import LEARNING_FILE, load_learning_paths
from kb.content.validation import ContentSet
from kb.search.resources import load_resources
from kb.search.thesaurus import check_search_words
from kb.settings import Settings
from kb.workflow.checks import check_content


def check_everything(settings: Settings) -> ContentSet:
    """Check the content folder with the same check as the editor, upload, review and publish, then the data
    files that depend on it: fact-pattern cues, search words and the learning paths."""
    resources = load_resources(settings)
    result = check_content(settings)  # each file through check_document; then duplicate ids
    problems = [*result.problems, *resources.cue_problems]
    problems += check_search_words(settings, result.documents, resources.synonyms)
    learning = settings.data_dir / LEARNING_FILE
    if learning.is_file():
        ids = [d.id for d in result.documents]
        problems += load_learning_paths(learning, resources.taxonomy.audiences, ids).problems
    return dataclasses.replace(result, problems=tuple(problems))


__all__ = ["check_everything"]
