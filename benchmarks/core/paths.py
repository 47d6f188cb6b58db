"""Where ragorft's files live: the package's own data (corpus cards, suites, prices), the user's cards, the cache.

The corpus cards are package data of ``ragorft.corpora``, a sibling of ``ragorft.benchmarks`` both
in a checkout (``corpora/`` beside ``benchmarks/``) and in an installed wheel
(``site-packages/ragorft/corpora``), so one relative path serves both. A wheel's folder is not the
user's to write, so the user's own cards live in user folders (``$RAGORFT_CORPORA``), searched
before the packaged ones.
"""

from __future__ import annotations

import os
from pathlib import Path

from ragorft.benchmarks.core.errors import RagorftError

PACKAGE_ROOT = Path(__file__).resolve().parents[2]  # ragorft/ (a wheel) or the checkout
CORPORA_DIR = PACKAGE_ROOT / "corpora"
SUITES_DIR = Path(__file__).resolve().parents[1] / "suites"
PRICES_FILE = Path(__file__).with_name("prices.toml")


def user_corpora_dirs() -> list[Path]:
    """The user's card folders, searched in order before the packaged cards.

    ``$RAGORFT_CORPORA`` (several folders joined by ``os.pathsep``), else
    ``$XDG_DATA_HOME/ragorft/corpora`` (``~/.local/share/ragorft/corpora``): a default, so that
    ``ragorft corpus init`` and a later ``ragorft bench`` agree without any setting.
    """
    env = os.environ.get("RAGORFT_CORPORA")
    if env:
        return [Path(p).expanduser() for p in env.split(os.pathsep) if p]
    data_home = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return [Path(data_home) / "ragorft" / "corpora"]


def corpora_dirs() -> list[Path]:
    """Every folder of corpus cards, the user's first: a user card shadows a packaged one of its name."""
    return [*user_corpora_dirs(), CORPORA_DIR]


def cache_root() -> Path:
    """$RAGORFT_CACHE, else ~/.cache/ragorft: corpora downloads, embeddings, models, cells.

    An empty or relative ``HOME`` is refused rather than expanded (``HOME=""`` makes ``~`` the root
    folder, and a cache at ``/.cache``).
    """
    if os.environ.get("RAGORFT_CACHE"):
        return Path(os.environ["RAGORFT_CACHE"])
    home = os.environ.get("HOME")
    if home is not None and not Path(home).is_absolute():
        raise RagorftError(f"HOME is {home!r}, not an absolute folder: set HOME or RAGORFT_CACHE")
    return Path.home() / ".cache" / "ragorft"


def inside(root: Path, *parts: str, what: str = "path") -> Path:
    """``root/parts...``, refused when the result would leave ``root`` (an absolute or ``..`` part)."""
    base = Path(root).resolve()
    try:
        target = base.joinpath(*parts).resolve()
    except (ValueError, OSError) as exc:  # a NUL byte, a symlink loop
        raise RagorftError(f"{what} {'/'.join(parts)!r} is not a usable path ({exc})", path=root) from None
    if target != base and base not in target.parents:
        raise RagorftError(f"{what} {'/'.join(parts)!r} leaves {root}", path=root)
    return target


def display_path(path: str | Path) -> str:
    """A path fit to publish: relative to the package root when inside it, else its file name only.

    Reports are committed under results/: the absolute path of the machine that wrote them is noise
    at best and a leak at worst.
    """
    p = Path(path)
    try:
        return p.resolve().relative_to(PACKAGE_ROOT).as_posix()
    except ValueError:
        return p.name
