"""Benchmark and README-maintenance scripts, run from a checkout: ``python -m tools.NAME``.

Why outside the package: they measure or maintain this repository (its results, its README),
they are not something a user of the installed ``ragorft`` runs, so the wheel does not ship them.
They import ``ragorft`` like any user code.
"""
