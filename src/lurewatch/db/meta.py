"""The one SQLAlchemy MetaData every lurewatch table is declared on (lurewatch.db)."""

from sqlalchemy import MetaData

metadata = MetaData()
