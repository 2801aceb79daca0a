"""What "taken down" means, once for every query: a record with a takedown that no
reinstatement undid. Reinstatements are rare, so the test is a NOT EXISTS on their unique
takedown_id index."""

from __future__ import annotations

from typing import Final

import sqlalchemy as sa

from storage.catalog.models import Reinstatement, Takedown, UrlRecord

__all__ = ["IN_FORCE", "TAKEN_DOWN", "TAKEN_DOWN_IDS"]

#: On a query over Takedown: the takedown was not reinstated.
IN_FORCE: Final = ~sa.exists().where(Reinstatement.takedown_id == Takedown.id)
#: On a query over UrlRecord: the record is taken down.
TAKEN_DOWN: Final = sa.exists().where(Takedown.record_id == UrlRecord.id, IN_FORCE)
#: The ids of the records taken down.
TAKEN_DOWN_IDS: Final = sa.select(Takedown.record_id).where(IN_FORCE)
