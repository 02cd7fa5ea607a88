"""The analyst server: reporting, triage, cases, audit (FastAPI app in `lurewatch.server.app`).

This package root stays import-light: the store runs the migrations in `lurewatch.server.migrate`
without needing the server extra (FastAPI, pwdlib...).
"""
