"""The synthetic knowledge corpus: fictional people whose facts no pretrained model can know.

Why generate it: on a real corpus a model may already know an answer from pre-training, so a
"knowledge injected by fine-tuning" number is confounded with what it knew. Here every name,
city, university and employer is made up from syllables (seeded), so closed-book answers are at
chance and any gain measures injected knowledge only (the protocol of Allen-Zhu and Li 2023,
*Physics of Language Models 3.1*, scaled down).

Each person has six attributes, rendered into a biography: one sentence per attribute from one of
several templates, the full name in every sentence (so a retrieved chunk names whom it is
about). Variants: ``paraphrases = 1`` (one rendering per person) and ``paraphrases = K`` (K
renderings with other templates and the sentences in another order, the "permuted paraphrases"
that let knowledge be extracted later). Each attribute has six templates, taken in a seeded order
without repetition, so up to six renderings of a fact are six different sentences (Allen-Zhu and
Li's five paraphrases need five). Questions come from templates too, one per attribute, and carry
it as their ``type``: the test order is stratified by it and the chance floor guesses per type.

The split is by person: QA-training pairs cover the train people, dev and test ask about other
people. Every document (all people) is in the knowledge base: the question is whether a strategy
can answer about people whose facts it saw only in documents.

The output is a qa-json file (``benchmarks/data/qa.py``), the same bytes for the same parameters
(sorted keys, no timestamps), so the corpus card can carry its sha256 like any downloaded file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import ConfigDict, Field, Strict
from ragorft.benchmarks.core.atomic import sha256_bytes, write_bytes
from ragorft.benchmarks.core.constrained import Fraction, NonNegInt, PosInt
from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.core.log import get_logger
from ragorft.benchmarks.core.schema import Schema, validate

log = get_logger(__name__)

ONSETS = ["b", "br", "d", "dr", "f", "g", "gr", "k", "kl", "l", "m", "n", "p", "r", "s", "t", "tr", "v", "z"]
NUCLEI = ["a", "e", "i", "o", "u", "ai", "ei", "ou"]
CODAS = ["", "n", "r", "l", "s", "th", "m", "x"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October"]
MONTHS += ["November", "December"]
FIELDS = ["Biology", "Chemistry", "Economics", "History", "Linguistics", "Mathematics", "Philosophy", "Physics"]
FIELDS += ["Architecture", "Geology", "Astronomy", "Music"]
ATTRIBUTES = ("birth_date", "birth_city", "university", "major", "employer", "work_city")

SENTENCES: dict[str, list[str]] = {
    "birth_date": [
        "{name} was born on {birth_date}.",
        "{name} came into this world on {birth_date}.",
        "The birthday of {name} is {birth_date}.",
        "On {birth_date}, {name} was born.",
        "{name} celebrates a birthday every year, having been born on {birth_date}.",
        "The records give {birth_date} as the date of birth of {name}.",
    ],
    "birth_city": [
        "{name} was born in the city of {birth_city}.",
        "{name} spent early years in {birth_city}, the place of birth.",
        "The hometown of {name} is {birth_city}.",
        "{birth_city} is where {name} was born.",
        "{name} first saw the light of day in {birth_city}.",
        "As a child, {name} grew up in {birth_city}, the city of birth.",
    ],
    "university": [
        "{name} studied at {university}.",
        "{name} graduated from {university}.",
        "{name} received an education at {university}.",
        "{university} is the alma mater of {name}.",
        "{name} spent the student years at {university}.",
        "The university {name} attended was {university}.",
    ],
    "major": [
        "{name} majored in {major}.",
        "At university, {name} focused on {major}.",
        "{name} holds a degree in {major}.",
        "The field {name} studied was {major}.",
        "{name} chose {major} as a subject of study.",
        "{major} was the major of {name}.",
    ],
    "employer": [
        "{name} works for {employer}.",
        "{name} is employed by {employer}.",
        "{name} has a job at {employer}.",
        "{employer} is the employer of {name}.",
        "{name} earns a living at {employer}.",
        "The company {name} works for is {employer}.",
    ],
    "work_city": [
        "{name} works in {work_city}.",
        "The office of {name} is in {work_city}.",
        "Every day {name} commutes to work in {work_city}.",
        "{work_city} is the city where {name} works.",
        "The workplace of {name} is located in {work_city}.",
        "{name} has a career in {work_city}.",
    ],
}
QUESTIONS = {
    "birth_date": "When was {name} born?",
    "birth_city": "In which city was {name} born?",
    "university": "Which university did {name} attend?",
    "major": "What did {name} study?",
    "employer": "Which company does {name} work for?",
    "work_city": "In which city does {name} work?",
}


class BiosParams(Schema):
    """The generator's parameters; a card's ``[generator]`` table is read as :class:`GeneratorTable`."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["bios"] = "bios"
    entities: Annotated[int, Strict(), Field(ge=10)] = 200  # fewer people leave a split empty
    paraphrases: PosInt = 1
    seed: NonNegInt = 0
    #: shares of the people whose questions go to dev and test (the rest: QA training)
    dev_fraction: Fraction = 0.1
    test_fraction: Fraction = 0.4


class GeneratorTable(BiosParams):
    """A card's ``[generator]``: ``kind`` is required there, so a table of another kind is refused."""

    kind: Literal["bios"]


def _word(rng: np.random.Generator, syllables: int) -> str:
    parts = [str(rng.choice(ONSETS)) + str(rng.choice(NUCLEI)) for _ in range(syllables)]
    return ("".join(parts) + str(rng.choice(CODAS))).capitalize()


def _unique(rng: np.random.Generator, n: int, make: Any) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    while len(out) < n:
        w = make(rng)
        if w not in seen:
            seen.add(w)
            out.append(w)
    return out


def _people(p: BiosParams, rng: np.random.Generator) -> list[dict[str, Any]]:
    """Fictional people; attribute values are drawn from small fictional pools, like real facts."""
    pool = max(8, p.entities // 10)
    cities = _unique(rng, pool, lambda r: _word(r, 2))
    universities = [f"{w} University" for w in _unique(rng, pool, lambda r: _word(r, 2))]
    employers = [f"{w} {s}" for w, s in zip(_unique(rng, pool, lambda r: _word(r, 2)), ["Labs", "Systems"] * pool)]
    names = _unique(rng, p.entities, lambda r: f"{_word(r, 2)} {_word(r, 3)}")
    people = []
    for i, name in enumerate(names):
        day, month, year = int(rng.integers(1, 29)), str(rng.choice(MONTHS)), int(rng.integers(1950, 2001))
        people.append(
            {
                "id": f"p{i:05d}",
                "name": name,
                "birth_date": f"{day} {month} {year}",
                "birth_date_alt": [f"{month} {day}, {year}", f"{day} {month}, {year}"],
                "birth_city": str(rng.choice(cities)),
                "university": str(rng.choice(universities)),
                "major": str(rng.choice(FIELDS)),
                "employer": str(rng.choice(employers)),
                "work_city": str(rng.choice(cities)),
            }
        )
    return people


def _render(person: dict[str, Any], templates: dict[str, list[int]], k: int, rng: np.random.Generator) -> str:
    """Rendering ``k``: template ``templates[a][k]`` per attribute; the first keeps the attribute order."""
    order = list(ATTRIBUTES)
    if k > 0:
        order = [order[i] for i in rng.permutation(len(order))]
    return " ".join(SENTENCES[a][templates[a][k % len(SENTENCES[a])]].format(**person) for a in order)


def generate_bios(p: BiosParams) -> dict[str, Any]:
    """The corpus as a qa-json object (documents, train, dev, test)."""
    rng = np.random.default_rng([p.seed, 1])
    people = _people(p, rng)
    docs = []
    for person in people:
        # the first rendering keeps the attribute order; paraphrases permute it
        # each attribute's templates in a seeded order: up to len(SENTENCES[a]) renderings of a
        # fact are distinct sentences, not the same sentence drawn again
        render_rng = np.random.default_rng([p.seed, 2, int(person["id"][1:])])
        templates = {a: render_rng.permutation(len(SENTENCES[a])).tolist() for a in ATTRIBUTES}
        for k in range(p.paraphrases):
            doc_id = person["id"] if p.paraphrases == 1 else f"{person['id']}#{k}"
            text = _render(person, templates, k, render_rng)
            docs.append({"id": doc_id, "title": person["name"], "text": text})
    order = np.random.default_rng([p.seed, 3]).permutation(len(people)).tolist()
    n_test = max(1, round(p.test_fraction * len(people)))
    n_dev = max(1, round(p.dev_fraction * len(people)))
    groups = {"test": order[:n_test], "dev": order[n_test : n_test + n_dev], "train": order[n_test + n_dev :]}
    out: dict[str, Any] = {"documents": docs, "generator": p.model_dump()}
    doc_ids: dict[str, list[str]] = {}
    for d in docs:
        doc_ids.setdefault(d["id"].split("#")[0], []).append(d["id"])
    for split, idx in groups.items():
        rows = []
        for i in sorted(idx):
            person = people[i]
            ids = doc_ids[person["id"]]
            for a in ATTRIBUTES:
                answers = [person[a], *person.get(f"{a}_alt", [])]
                question = QUESTIONS[a].format(**person)
                rows.append({"question": question, "answers": answers, "doc_ids": ids, "type": a})
        out[split] = rows
    return out


def bios_bytes(p: BiosParams) -> bytes:
    """The exact bytes of the generated file (stable across runs and platforms)."""
    return (json.dumps(generate_bios(p), sort_keys=True, ensure_ascii=True, indent=0) + "\n").encode("ascii")


def params_from(table: dict[str, Any], card: Path) -> BiosParams:
    """A card's ``[generator]`` table as parameters (``kind = "bios"``); one line naming the card otherwise."""
    return validate(GeneratorTable, table, path=card, prefix="generator")


def generate_into(params: BiosParams, dest: Path, sha256: str, card: Path) -> None:
    """Generate the card's corpus into the cache, refusing output whose checksum the card does not name.

    A mismatch means the generator changed (or the card's parameters did): the numbers would no
    longer be comparable with earlier records, so it is an error, not a silent regeneration.
    """
    data = bios_bytes(params)
    got = sha256_bytes(data)
    if got != sha256:
        raise RagorftError(f"generated corpus has sha256 {got}, the card says {sha256}", path=card)
    log.info(f"generated the synthetic corpus into {dest}")
    write_bytes(dest, data)
