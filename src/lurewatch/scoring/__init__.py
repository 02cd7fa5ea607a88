"""Scoring: findings -> score, level and advice (see combine.py for the documented meaning)."""

from lurewatch.scoring.combine import HIGH, LEVEL_MEANING, MEDIUM, apply_score, level_of, score_findings

__all__ = ["HIGH", "LEVEL_MEANING", "MEDIUM", "apply_score", "level_of", "score_findings"]
