"""Catalog schema revisions (a package so they ship with the wheel)."""
