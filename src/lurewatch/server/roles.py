"""Roles, ordered: each role can do everything the roles before it can."""

from __future__ import annotations

ROLES = ("reporter", "analyst", "lead", "admin")
RANK = {r: i for i, r in enumerate(ROLES)}


def at_least(role: str, needed: str) -> bool:
    return RANK.get(role, -1) >= RANK[needed]
