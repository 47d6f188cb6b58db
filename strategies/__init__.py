"""The strategy registry: a name maps to one class.

Modules in this package register themselves with :func:`register`; every module here is
imported on first lookup, so adding ``strategies/<name>.py`` touches no other file. Third-party
packages add strategies through the entry-point group ``ragorft.strategies``.
"""

from __future__ import annotations

import difflib
import importlib
import pkgutil
from importlib.metadata import entry_points

from ragorft.benchmarks.core.errors import RagorftError
from ragorft.strategies.base import FitContext, Report, Strategy, StrategyOptions, check_metadata

__all__ = ["FitContext", "Report", "Strategy", "StrategyOptions", "get", "names", "register"]

ENTRY_POINT_GROUP = "ragorft.strategies"
_REGISTRY: dict[str, type[Strategy]] = {}
_discovered = False


def register(cls: type[Strategy]) -> type[Strategy]:
    """Class decorator: make ``cls`` available under ``cls.name``; it must say what it is."""
    check_metadata(cls)
    existing = _REGISTRY.get(cls.name)
    if existing is not None and existing is not cls:
        raise RagorftError(f"strategy name '{cls.name}' registered twice ({existing.__module__}, {cls.__module__})")
    _REGISTRY[cls.name] = cls
    return cls


def _discover() -> None:
    global _discovered
    if _discovered:
        return
    _discovered = True
    for mod in pkgutil.iter_modules(__path__):
        if mod.name != "base" and not mod.name.startswith("_"):
            importlib.import_module(f"{__name__}.{mod.name}")
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        cls = ep.load()
        if ep.name not in _REGISTRY:
            check_metadata(cls)
            _REGISTRY[ep.name] = cls


def names() -> list[str]:
    _discover()
    return sorted(_REGISTRY)


def get(name: str) -> type[Strategy]:
    _discover()
    try:
        return _REGISTRY[name]
    except (KeyError, TypeError):
        close = difflib.get_close_matches(str(name), list(_REGISTRY), n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        raise RagorftError(f"unknown strategy '{name}' ({hint}known: {', '.join(sorted(_REGISTRY))})") from None
