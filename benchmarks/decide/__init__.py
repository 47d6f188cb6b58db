"""Layer 8, decide: requirement -> candidates -> tree (with its diagnoses) -> a rendered decision."""

from ragorft.benchmarks.decide.candidates import (
    Candidate,
    cost_per_error_for,
    monthly_queries_for,
    requirement_cost,
)
from ragorft.benchmarks.decide.render import Decision, Step
from ragorft.benchmarks.decide.requirement import Pricing, Requirement
from ragorft.benchmarks.decide.tree import recommend, recommend_all

__all__ = [
    "Candidate",
    "Decision",
    "Pricing",
    "Requirement",
    "Step",
    "cost_per_error_for",
    "monthly_queries_for",
    "recommend",
    "recommend_all",
    "requirement_cost",
]
