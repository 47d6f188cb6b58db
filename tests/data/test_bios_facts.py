"""The synthetic corpus's facts read back from its documents: exact, held-out questions, cloze prefixes."""

from __future__ import annotations

import numpy as np
from ragorft.benchmarks.data.bios_facts import (
    HELD_OUT_QUESTIONS,
    cloze_facts,
    generated_qa,
    parse_facts,
    templates_used,
    unique_facts,
)
from ragorft.benchmarks.data.qa import Document
from ragorft.benchmarks.data.synthetic import ATTRIBUTES, QUESTIONS, BiosParams, _people, generate_bios


def _documents(p: BiosParams) -> list[Document]:
    return [Document(d["id"], d["text"]) for d in generate_bios(p)["documents"]]


def test_every_fact_is_read_back_from_every_rendering() -> None:
    p = BiosParams(entities=30, paraphrases=5)
    facts = parse_facts(_documents(p))
    truth = {(x["name"], a): x[a] for x in _people(p, np.random.default_rng([p.seed, 1])) for a in ATTRIBUTES}
    assert unique_facts(facts) == truth
    assert len(facts) == 30 * 5 * len(ATTRIBUTES)  # one fact per sentence, none missed, none doubled
    docs = {d.id: d.text for d in _documents(p)}
    assert all(docs[f.doc_id][f.start :].startswith(f.value) for f in facts)


def test_generated_questions_never_use_the_corpus_templates() -> None:
    tested = {q.format(name="X") for q in QUESTIONS.values()}
    held_out = {q.format(name="X") for qs in HELD_OUT_QUESTIONS.values() for q in qs}
    assert not tested & held_out and set(HELD_OUT_QUESTIONS) == set(QUESTIONS)
    facts = parse_facts(_documents(BiosParams(entities=10)))
    qa = generated_qa(facts)
    # every person (test people included), every attribute, once per held-out template
    assert len(qa) == 10 * sum(len(qs) for qs in HELD_OUT_QUESTIONS.values())
    corpus_questions = {
        r["question"] for s in ("train", "dev", "test") for r in generate_bios(BiosParams(entities=10))[s]
    }
    assert not {q for q, _ in qa} & corpus_questions
    assert templates_used()["major"] == {"trained": list(HELD_OUT_QUESTIONS["major"]), "tested": QUESTIONS["major"]}


def test_cloze_prefix_names_the_person_and_stops_before_the_value() -> None:
    docs = _documents(BiosParams(entities=10, paraphrases=1))
    texts = {d.id: d.text for d in docs}
    probes = cloze_facts(parse_facts(docs), texts)
    assert 0 < len(probes) <= 10 * len(ATTRIBUTES)
    for fact, prefix in probes:
        assert texts[fact.doc_id].startswith(prefix) and fact.name in prefix[fact.sentence :]
        assert texts[fact.doc_id][len(prefix) :].lstrip().startswith(fact.value)


def test_a_corpus_not_rendered_from_the_templates_has_no_fact() -> None:
    docs = [Document("a-0", "The Normans were a people who gave their name to Normandy. They were born in 911.")]
    assert parse_facts(docs) == [] and generated_qa([]) == []
