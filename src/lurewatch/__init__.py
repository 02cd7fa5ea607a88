"""lurewatch: detect, explain, triage, link and report hostile-state approaches."""

__version__ = "0.1.0"
