"""Taking an Ogg file apart and putting it back, independently of ``bot.audio._ogg``.

The CRC here is the bit-by-bit definition of RFC 3533 section 6 (polynomial 0x04C11DB7,
initial value 0, no reflection, no final XOR): slow, obviously right, and a reference for
the table-free one under test.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, replace

_HEADER = struct.Struct("<4sBBqIIIB")


def reference_crc(data: bytes) -> int:
    """RFC 3533's CRC of ``data``, one bit at a time."""
    register = 0
    for byte in data:
        register ^= byte << 24
        for _ in range(8):
            register = ((register << 1) ^ 0x04C11DB7) if register & 0x80000000 else register << 1
            register &= 0xFFFFFFFF
    return register


@dataclass(frozen=True)
class Page:
    """One Ogg page's fields and body."""

    flags: int
    granule: int
    serial: int
    sequence: int
    crc: int
    lacing: bytes
    body: bytes

    def encode(self, *, fix_crc: bool = True) -> bytes:
        """The page's bytes, with its CRC computed (unless told to keep the stored one)."""
        header = _HEADER.pack(
            b"OggS", 0, self.flags, self.granule, self.serial, self.sequence, 0, len(self.lacing)
        )
        page = header + self.lacing + self.body
        crc = reference_crc(page) if fix_crc else self.crc
        return page[:22] + struct.pack("<I", crc) + page[26:]


def split_pages(data: bytes) -> list[Page]:
    """Every page of a well-formed Ogg file."""
    pages = []
    position = 0
    while position < len(data):
        _, _, flags, granule, serial, sequence, crc, count = _HEADER.unpack_from(data, position)
        lacing = data[position + 27 : position + 27 + count]
        body_start = position + 27 + count
        end = body_start + sum(lacing)
        pages.append(Page(flags, granule, serial, sequence, crc, lacing, data[body_start:end]))
        position = end
    return pages


def join_pages(pages: list[Page]) -> bytes:
    """The pages back to a file, CRCs recomputed."""
    return b"".join(page.encode() for page in pages)


def renumbered(pages: list[Page]) -> list[Page]:
    """``pages`` with consecutive sequence numbers (after one was removed or added)."""
    return [replace(page, sequence=index) for index, page in enumerate(pages)]
