"""Alembic environment of the catalog (a package so it ships with the wheel)."""
