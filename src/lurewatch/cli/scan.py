"""`lurewatch scan` and `lurewatch check` (being written)."""
