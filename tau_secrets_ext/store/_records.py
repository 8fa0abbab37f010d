"""The records of one store in memory, with their serialised form cached.

A write re-serialises only the records that changed: at 10,000 records,
building every member again would cost more than the write itself.
"""

from __future__ import annotations

from collections.abc import Callable, ItemsView, KeysView

from ._format import Header, Record, dump_document, record_json

__all__ = ["RecordSet"]


class RecordSet:
    """Name -> :class:`Record`, plus each record's JSON member once built."""

    def __init__(self, records: dict[str, Record], *, plain: bool) -> None:
        self._records = records
        # Once complete, _members holds every record's text in the same order
        # as _records (both dicts keep a replaced key in place), so a write
        # is a single join.
        self._members: dict[str, str] = {}
        self._complete = not records
        self._plain = plain

    def __len__(self) -> int:
        return len(self._records)

    def __repr__(self) -> str:
        return f"RecordSet({len(self._records)} records)"

    def copy(self) -> RecordSet:
        """An independent set, sharing the (immutable) records and members."""
        twin = RecordSet(dict(self._records), plain=self._plain)
        twin._members = dict(self._members)
        twin._complete = self._complete
        return twin

    def get(self, name: str) -> Record | None:
        """The record named ``name``, if any."""
        return self._records.get(name)

    def put(self, name: str, record: Record) -> None:
        """Add or replace a record."""
        self._records[name] = record
        if self._complete:
            self._members[name] = record_json(name, record, self._plain)

    def remove(self, name: str) -> None:
        """Remove a record."""
        del self._records[name]
        self._members.pop(name, None)

    def names(self) -> KeysView[str]:
        """The record names, in file order."""
        return self._records.keys()

    def items(self) -> ItemsView[str, Record]:
        """Name, record pairs, in file order."""
        return self._records.items()

    def document(self, header: Header, sign: Callable[[bytes], bytes]) -> bytes:
        """The store file for ``header`` and these records, signed by ``sign``."""
        members = self._members
        for name, record in self._records.items():
            if name not in members:
                members[name] = record_json(name, record, self._plain)
        return dump_document(header, [members[name] for name in self._records], sign)
