"""Declarative base and the naming rules shared by the models and the migrations."""

from __future__ import annotations

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

__all__ = ["NAMING_CONVENTION", "TABLE_PREFIX", "VERSION_TABLE", "Base", "include_name"]

# Deterministic constraint names, so migrations can drop/alter them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# The catalog may share a database with other applications: it owns only these names.
TABLE_PREFIX = "catalog_"
VERSION_TABLE = "catalog_alembic_version"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic filter: compare only the catalog's own tables."""
    if type_ == "table":
        return name is not None and name.startswith(TABLE_PREFIX)
    return True
