"""Output: Rich table, JSON / JSON Lines (the contract), and a self-contained HTML report."""
