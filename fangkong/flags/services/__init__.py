"""Writes of the system's flags: the evaluation (raise, update the evidence, clear)."""

from .evaluation import RuleRun, flags_evaluate

__all__ = ["RuleRun", "flags_evaluate"]
