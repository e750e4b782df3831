"""The records the index stores: fields of a content document and of a statute article."""

from __future__ import annotations

from kb.content.documents import STATUS_CURRENT, Document, plain_text
from kb.content.taxonomy import Taxonomy
from kb.content.vocabulary import join_keywords
from kb.errors import Problem
from kb.search.charges import load_charges
from kb.settings import Settings
from kb.statutes.citations import citation_context, extract_citations, parse_citation

SCHEMA_VERSION = "6"  # 6: short names (程序规定) in `laws` read with the front matter and case type
LAW_CATEGORY = "法律法规"  # the category facet value of statute articles


def citation_keys(doc: Document) -> list[str]:
    """Normalised article keys (刑法:264) cited in the front matter and the body."""
    keys: dict[str, None] = {}
    for cite in doc.laws:
        parsed = parse_citation(cite)
        if parsed is not None:
            keys[parsed.key] = None
    abbreviations = citation_context(doc.body, laws=doc.laws, case_type=doc.case_type)
    for cite in extract_citations(doc.body, abbreviations=abbreviations):
        keys[cite.key] = None
    return list(keys)


def document_fields(doc: Document, taxonomy: Taxonomy) -> dict:
    """Turn a validated document into the fields Whoosh stores."""
    body = plain_text(doc.body)
    return {
        "id": doc.id,
        "type": doc.type,
        "group": taxonomy.group_of(doc.category) or "",
        "category": doc.category,
        "case_type": doc.case_type or "",
        "kind": doc.kind or "",
        "stage": join_keywords(doc.stage),
        "audience": join_keywords(doc.audience),
        "laws": join_keywords(citation_keys(doc)),
        "tags": join_keywords(doc.tags),
        "charges": join_keywords(doc.charges),
        "guides": join_keywords(doc.guides),
        "supersedes": join_keywords(doc.supersedes),
        "status": doc.status,
        "year": doc.year if doc.year is not None else (doc.issued.year if doc.issued else 0),
        "issued": doc.issued.isoformat() if doc.issued else "",
        "title": doc.title,
        "summary": doc.summary,
        "body": body,
        "bigrams": "\n".join((doc.title, doc.summary, " ".join(doc.tags), body)),
        "path": doc.path,
        "unit": doc.unit or "",
        "version": doc.version,
        "superseded_by": doc.superseded_by or "",
        "review_by": doc.review_by.isoformat() if doc.review_by else "",
    }


def law_records(settings: Settings) -> tuple[list[dict], dict[str, str], list[Problem], list[tuple[str, int]]]:
    """Article records from the statute library, its file hashes, problems and per-law counts."""
    if settings.laws_dir is None:
        return [], {}, [], []
    from kb.statutes.library import load_law_records

    records, hashes, problems, counts = load_law_records(settings.laws_dir)
    table = load_charges(settings.data_dir / "charges.txt")
    for record in records:
        # Every document needs a value in each sortable column: Whoosh misreads a
        # multi-segment numeric column where some documents lack one.
        record.setdefault("year", 0)
        record.setdefault("category", LAW_CATEGORY)
        record.setdefault("group", LAW_CATEGORY)
        # An article that defines a charge carries it: found by 罪名 and titled 【盗窃罪】.
        charges = table.charges_for(record["article_key"]) if record.get("status") == STATUS_CURRENT else ()
        if charges:
            record["charges"] = join_keywords(charges)
            record["title"] += "【" + "、".join(charges) + "】"
        record["bigrams"] = record["title"] + "\n" + record.get("body", "")
    return records, hashes, problems, counts


__all__ = ["LAW_CATEGORY", "SCHEMA_VERSION", "citation_keys", "document_fields", "law_records"]
