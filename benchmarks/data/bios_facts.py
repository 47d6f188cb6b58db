"""The facts of a synthetic biography corpus read back from its documents, and QA generated from them.

The documents are rendered from fixed sentence templates (``synthetic.SENTENCES``), so each
sentence can be matched back to its template: the person, the attribute and the value, and where
in the document the value starts. Two uses, both on the documents alone (no question or answer of
any split is read):

- ``generated_qa``: QA pairs about every person in the documents, asked with the held-out question
  templates (``HELD_OUT_QUESTIONS``), never the ones the corpus's questions use: the
  "fine-tune on QA generated from the documents" protocol (Soudani et al. 2024), with a
  deterministic generator in place of an LLM, so what is trained is exactly the documents' facts.
- ``cloze_facts``: for the memorisation probe, each fact's document text up to its value.

A corpus not rendered from these templates (SQuAD) yields no fact.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from ragorft.benchmarks.data.synthetic import QUESTIONS, SENTENCES

#: other wordings of the corpus's questions (``synthetic.QUESTIONS``), never used by its questions
#: (train, dev or test): generated training QA is asked with these, so a model tuned on it is tested
#: on question templates it never saw (Soudani et al. 2024's held-out protocol)
HELD_OUT_QUESTIONS: dict[str, tuple[str, ...]] = {
    "birth_date": ("What is the date of birth of {name}?", "On which day was {name} born?"),
    "birth_city": ("Where was {name} born?", "What is the birthplace of {name}?"),
    "university": ("Where did {name} go to university?", "Which university is the alma mater of {name}?"),
    "major": ("What was the major of {name}?", "In which field does {name} hold a degree?"),
    "employer": ("Who employs {name}?", "For which company does {name} work?"),
    "work_city": ("Where does {name} work?", "In which city is the office of {name}?"),
}
_NAME = r"(?P<name>[A-Z][a-z]+ [A-Z][a-z]+)"
_VALUE = r"(?P<value>[^.]+?)"
_SENTENCE = re.compile(r"[^.]+\.")


@dataclass(frozen=True)
class Fact:
    name: str
    attribute: str
    value: str
    doc_id: str
    #: where the value starts in the document's text, and where its sentence starts
    start: int
    sentence: int


@cache
def _patterns() -> list[tuple[str, re.Pattern[str]]]:
    out = []
    for attribute, templates in SENTENCES.items():
        for template in templates:
            pattern = re.escape(template).replace(r"\{name\}", _NAME).replace(rf"\{{{attribute}\}}", _VALUE)
            out.append((attribute, re.compile(pattern)))
    return out


def parse_facts(documents: Sequence[Any]) -> list[Fact]:
    """Every templated sentence of ``documents`` (objects with ``id`` and ``text``) as a fact, in order."""
    facts = []
    for doc in documents:
        for sentence in _SENTENCE.finditer(doc.text):
            text = sentence.group().lstrip()
            offset = sentence.end() - len(text)
            for attribute, pattern in _patterns():
                m = pattern.fullmatch(text)
                if m:
                    facts.append(Fact(m["name"], attribute, m["value"], doc.id, offset + m.start("value"), offset))
                    break
    return facts


def unique_facts(facts: Sequence[Fact]) -> dict[tuple[str, str], str]:
    """{(person, attribute): value}, first occurrence first."""
    out: dict[tuple[str, str], str] = {}
    for f in facts:
        out.setdefault((f.name, f.attribute), f.value)
    return out


def generated_qa(facts: Sequence[Fact]) -> list[tuple[str, str]]:
    """(question, answer) for every (person, attribute), once per held-out question template."""
    return [
        (template.format(name=name), value)
        for (name, attribute), value in unique_facts(facts).items()
        for template in HELD_OUT_QUESTIONS[attribute]
    ]


def templates_used() -> dict[str, dict[str, Any]]:
    """Which question templates generated training QA and which the corpus's questions use."""
    return {a: {"trained": list(HELD_OUT_QUESTIONS[a]), "tested": QUESTIONS[a]} for a in QUESTIONS}


def cloze_facts(facts: Sequence[Fact], texts: dict[str, str]) -> list[tuple[Fact, str]]:
    """(fact, document text up to its value) for each (person, attribute): the first occurrence
    whose sentence names the person before the value ("{birth_city} is where {name} was born"
    cannot be completed from what precedes it); a fact rendered only so is left out."""
    out: dict[tuple[str, str], tuple[Fact, str]] = {}
    for f in facts:
        text = texts[f.doc_id]
        if (f.name, f.attribute) not in out and f.name in text[f.sentence : f.start]:
            out[(f.name, f.attribute)] = (f, text[: f.start].rstrip())
    return list(out.values())
