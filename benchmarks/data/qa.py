"""Question-answering corpora: documents, questions and their gold answers, read and checked.

A QA corpus (card ``task = "qa"``) is the knowledge-task kind: a set of documents a model has not
seen, and questions about them with a list of gold answers each (SQuAD scores the best match over
several). Two formats:

- ``qa-json``: one JSON object ``{"documents": [{"id", "text", "title"?}], "train": [...],
  "dev": [...], "test": [...]}``, each question ``{"question", "answers": [...], "doc_ids": [...]}``
  and optionally ``"type"`` (the question's template or kind, e.g. "birth_city"): the test order is
  stratified by it and the chance floor guesses per type.
  The project's synthetic corpus is generated in this format; a user's own corpus can be too.
- ``squad-json``: the official SQuAD v1.1 file. Articles are split by a seeded permutation: the
  first ``test_articles`` give the test questions *and* the documents (their paragraphs, the
  knowledge base), the next ``train_articles`` give QA-training pairs about other articles, so no
  test paragraph is ever trained on as a QA pair.

This module returns plain rows; ``cards`` turns them into ``Example`` objects. Every problem is a
``RagorftError`` naming the file and the entry (``test[12]``), never a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from ragorft.benchmarks.core.atomic import parse_json
from ragorft.benchmarks.core.errors import RagorftError


@dataclass(frozen=True)
class Document:
    id: str
    text: str
    title: str = ""


@dataclass(frozen=True)
class QARow:
    question: str
    answers: tuple[str, ...]
    doc_ids: tuple[str, ...]
    where: str
    #: the question's kind (qa-json ``type``), "" when the file names none
    qtype: str = ""
    #: the stratum of the test order: the type, else the article (SQuAD) or first document
    group: str = ""


def _load(path: Path, text: str) -> Any:
    return parse_json(text, path=path)


def _string(value: Any, what: str, path: Path, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise RagorftError(f"{what} must be a non-empty string", path=path, where=where)
    return value.strip()


def read_documents(path: Path, text: str) -> list[Document]:
    """The ``documents`` list of a qa-json file: unique ids, non-empty texts."""
    obj = _load(path, text)
    if not isinstance(obj, dict) or not isinstance(obj.get("documents"), list) or not obj["documents"]:
        raise RagorftError("a qa-json file needs a non-empty 'documents' list", path=path)
    docs, seen = [], set()
    for i, d in enumerate(obj["documents"]):
        where = f"documents[{i}]"
        if not isinstance(d, dict):
            raise RagorftError("document must be an object with 'id' and 'text'", path=path, where=where)
        doc_id = _string(d.get("id"), "'id'", path, where)
        if doc_id in seen:
            raise RagorftError(f"duplicate document id {doc_id!r}", path=path, where=where)
        seen.add(doc_id)
        docs.append(Document(doc_id, _string(d.get("text"), "'text'", path, where), str(d.get("title", ""))))
    return docs


def read_questions(path: Path, text: str, key: str, doc_ids: set[str]) -> list[QARow]:
    """The questions under ``key`` of a qa-json file; each names documents that exist."""
    obj = _load(path, text)
    if not isinstance(obj, dict) or not isinstance(obj.get(key), list):
        raise RagorftError(f"missing question list '{key}'", path=path)
    rows = []
    for i, q in enumerate(obj[key]):
        where = f"{key}[{i}]"
        if not isinstance(q, dict):
            raise RagorftError("question must be an object", path=path, where=where)
        question = _string(q.get("question"), "'question'", path, where)
        answers = q.get("answers")
        if not isinstance(answers, list) or not answers:
            raise RagorftError("'answers' must be a non-empty list of strings", path=path, where=where)
        golds = tuple(_string(a, "every answer", path, where) for a in answers)
        refs = q.get("doc_ids", [])
        if not isinstance(refs, list) or not all(isinstance(r, str) for r in refs):
            raise RagorftError("'doc_ids' must be a list of document ids", path=path, where=where)
        missing = [r for r in refs if r not in doc_ids]
        if missing:
            raise RagorftError(f"unknown document id {missing[0]!r}", path=path, where=where)
        qtype = q.get("type", "")
        if not isinstance(qtype, str):
            raise RagorftError("'type' must be a string", path=path, where=where)
        group = qtype.strip() or (refs[0].split("#")[0] if refs else "")
        rows.append(QARow(question, golds, tuple(refs), where, qtype.strip(), group))
    return rows


@dataclass(frozen=True)
class SquadSplit:
    """How a SQuAD file is cut into knowledge base + test questions and QA-training questions."""

    test_articles: int = 4
    train_articles: int = 8
    seed: int = 0


def _squad_articles(path: Path, text: str) -> list[dict[str, Any]]:
    obj = _load(path, text)
    data = obj.get("data") if isinstance(obj, dict) else None
    if not isinstance(data, list) or not data:
        raise RagorftError("a SQuAD file needs a non-empty 'data' list of articles", path=path)
    for i, art in enumerate(data):
        if not isinstance(art, dict) or not isinstance(art.get("paragraphs"), list):
            raise RagorftError("article needs a 'paragraphs' list", path=path, where=f"data[{i}]")
    return data


def squad_split(path: Path, text: str, split: SquadSplit) -> tuple[list[Document], dict[str, list[QARow]]]:
    """(documents = paragraphs of the test articles, {"train": rows, "test": rows})."""
    data = _squad_articles(path, text)
    if split.test_articles + split.train_articles > len(data) or split.test_articles < 1:
        raise RagorftError(
            f"test_articles + train_articles = {split.test_articles + split.train_articles} "
            f"exceeds the file's {len(data)} articles (or no test article)",
            path=path,
        )
    order = np.random.default_rng(split.seed).permutation(len(data)).tolist()
    groups = {"test": order[: split.test_articles], "train": order[split.test_articles :][: split.train_articles]}
    docs: list[Document] = []
    rows: dict[str, list[QARow]] = {"train": [], "test": []}
    for name, articles in groups.items():
        for a in articles:
            art = data[a]
            for p, para in enumerate(art["paragraphs"]):
                where = f"data[{a}].paragraphs[{p}]"
                context = _string(para.get("context") if isinstance(para, dict) else None, "'context'", path, where)
                doc_id = f"{a}-{p}"
                if name == "test":
                    docs.append(Document(doc_id, context, str(art.get("title", ""))))
                qas = para.get("qas", [])
                if not isinstance(qas, list):
                    raise RagorftError("'qas' must be a list of questions", path=path, where=where)
                for q, qa in enumerate(qas):
                    qwhere = f"{where}.qas[{q}]"
                    answers = qa.get("answers") if isinstance(qa, dict) else None
                    if not isinstance(answers, list) or not answers:
                        raise RagorftError("question needs a non-empty 'answers' list", path=path, where=qwhere)
                    golds = tuple(
                        _string(x.get("text") if isinstance(x, dict) else None, "answer 'text'", path, qwhere)
                        for x in answers
                    )
                    question = _string(qa.get("question"), "'question'", path, qwhere)
                    refs = (doc_id,) if name == "test" else ()
                    rows[name].append(QARow(question, golds, refs, qwhere, group=f"article {a}"))
    return docs, rows


def split_rows(path: Path, text: str, fmt: str, options: dict[str, Any], keys: tuple[str, ...]) -> list[QARow]:
    """The questions of one split (the lists named by ``keys``) of a qa-json or squad-json file."""
    if fmt == "squad-json":
        _, rows = squad_split(path, text, SquadSplit(**options))
        out = [r for k in keys for r in rows.get(k, [])]
    else:
        ids = {d.id for d in read_documents(path, text)}
        out = [r for k in keys for r in read_questions(path, text, k, ids)]
    if not out:
        raise RagorftError(f"split {'+'.join(keys)} has no questions", path=path)
    return out


def documents(path: Path, text: str, fmt: str, options: dict[str, Any]) -> list[Document]:
    if fmt == "squad-json":
        return squad_split(path, text, SquadSplit(**options))[0]
    return read_documents(path, text)
