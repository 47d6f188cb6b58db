"""How numbers are shown everywhere (CLI, Markdown, HTML, README): one set of formatters."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence


def _missing(x: float | None) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def pct(x: float | None, *, sign: bool = False, unit: bool = False) -> str:
    """A fraction as a percentage with one decimal: 0.9153 -> '91.5' ('' when missing)."""
    if _missing(x):
        return ""
    s = f"{100 * x:+.1f}" if sign else f"{100 * x:.1f}"
    return s + ("%" if unit else "")


def ci(pair: Sequence[float] | None) -> str:
    """An interval of fractions as '[lo, hi]' in percent ('' when missing)."""
    if not pair or any(_missing(v) for v in pair):
        return ""
    return f"[{100 * pair[0]:.1f}, {100 * pair[1]:.1f}]"


def pct_ci(x: float, lo: float, hi: float) -> str:
    """'91.5 [90.5, 92.5]'."""
    return f"{pct(x)} {ci((lo, hi))}"


def usd(x: float) -> str:
    """Dollars readable at any scale: $1,234 / $12.34 / $0.004321."""
    if abs(x) >= 100:
        return f"${x:,.0f}"
    if abs(x) >= 1:
        return f"${x:,.2f}"
    return f"${x:.4g}"


def duration(seconds: float) -> str:
    """A wall time for a person: '41 s', '12 min', '2.3 h'."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def machine(spec: dict | str) -> str:
    """A record's machine as words, not a Python dict: '2 CPUs, 23.5 GB, NVIDIA H100 (x86_64)'."""
    if not isinstance(spec, dict):
        return str(spec)
    parts = []
    if spec.get("cpus"):
        parts.append(f"{spec['cpus']} CPUs")
    if spec.get("memory_gb"):
        parts.append(f"{spec['memory_gb']:g} GB RAM")
    if spec.get("gpu"):
        parts.append(str(spec["gpu"]))
    tail = f" ({spec['processor']})" if spec.get("processor") else ""
    return (", ".join(parts) or "unknown machine") + tail


_ABSOLUTE = re.compile(r"(?<![\w.*~-])/(?:[^\s/'\"]+/)*([^\s/'\"]+)")


def command(text: str) -> str:
    """A recorded command fit to publish: absolute paths (the machine that ran it) shortened to '<dir>/name'."""
    return _ABSOLUTE.sub(lambda m: f"<dir>/{m.group(1)}", text)
