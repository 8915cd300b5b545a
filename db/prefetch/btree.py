"""A SQLite b-tree's pages, listed from its interior pages alone (the SQLite file format,
https://www.sqlite.org/fileformat2.html#b_tree_pages), so that no leaf is read to find them."""

from __future__ import annotations

import struct

from db.prefetch.pagecache import File

MAX_DEPTH = 12  # b-tree levels; far more than any replica has (a national table has four)


def _children(data: bytes, pgno: int) -> list[int] | None:
    """The child pages of an interior b-tree page, in key order; None for a leaf page."""
    at = 100 if pgno == 1 else 0  # page 1 starts with the file header
    kind = data[at]
    if kind in (10, 13):
        return None
    if kind not in (2, 5):
        raise ValueError(f"page {pgno} is not a b-tree page")
    (cells,) = struct.unpack_from(">H", data, at + 3)
    (right,) = struct.unpack_from(">I", data, at + 8)
    pointers = struct.unpack_from(f">{cells}H", data, at + 12)
    return [struct.unpack_from(">I", data, p)[0] for p in pointers] + [right]


def btree_pages(db: File, root: int) -> tuple[list[int], int]:
    """All pages of the b-tree at `root`, and how many of them are leaves, from its interior
    pages alone: the leaves are not read. Raises ValueError or struct.error on a page that is
    not what a b-tree has there (a file changed under the reader included)."""
    interior: list[int] = []
    level, seen = [root], {root}
    for _ in range(MAX_DEPTH):
        if _children(db.page(level[0]), level[0]) is None:  # a level is all leaves or none
            return interior + level, len(level)
        db.ask(level)
        below: list[int] = []
        for pgno in level:
            kids = _children(db.page(pgno), pgno)
            if kids is None:
                raise ValueError(f"a leaf among interior pages at page {pgno}")
            below += kids
        if any(not 1 < k <= db.pages for k in below) or seen.intersection(below):
            raise ValueError("child page out of place")
        seen.update(below)
        interior += level
        level = below
    raise ValueError("b-tree too deep")
