"""The dossier's container: a ZIP written one way only, so that every byte is accounted for.

A dossier's members are stored uncompressed, in the order written, each header written
with the same fixed fields (version 2.0, made on Unix, no flags, no extra field, no
comment, mode 0644, every member dated the moment the dossier was made), the central
directory and its end record right after the last member and nothing after them.
Every byte of the file is then either a member's own bytes (hashed in the manifest,
itself hashed) or a header that ``layout_problems`` rebuilds from those rules and
compares byte for byte. So a dossier with any one byte changed fails its check: in a
member, as a hash that differs; anywhere else, as a header not as a dossier's are.
(Compressed members could hide a change in a deflate stream's unused padding bits, and
a recompression is not the same bytes everywhere: uncompressed, a dossier is the same
file on every machine.)
"""

from __future__ import annotations

import struct
import zipfile
from collections.abc import Sequence
from typing import IO

Moment = tuple[int, int, int, int, int, int]

VERSION = 20
UNIX = 3
MODE = 0o100644 << 16
UTF8_NAMES = 0x800
# The records of PKWARE's APPNOTE.TXT: a local file header (4.3.7), a central directory
# header (4.3.12) and the end of central directory record (4.3.16), little-endian.
_HEADER, LOCAL = struct.Struct("<4s2B4HL2L2H"), b"PK\x03\x04"
_CENTRAL, CENTRAL = struct.Struct("<4s4B4HL2L5H2L"), b"PK\x01\x02"
_END, END = struct.Struct("<4s4H2LH"), b"PK\x05\x06"


def member(path: str, moment: Moment) -> zipfile.ZipInfo:
    """A member of a dossier, as every one is written (pass it to ``ZipFile.open`` or
    ``writestr`` of a ``ZipFile`` over a seekable file)."""
    info = zipfile.ZipInfo(path, moment)
    info.compress_type = zipfile.ZIP_STORED
    info.create_system = UNIX
    info.create_version = info.extract_version = VERSION
    info.external_attr = MODE
    return info


def layout_problems(handle: IO[bytes], infos: Sequence[zipfile.ZipInfo]) -> list[str]:
    """What in the ZIP's own structure (its headers, the bytes between and after the
    members) is not as a dossier is written; empty when every byte is."""
    if not infos:
        return ["the ZIP: it has no members"]
    moment, offset = infos[0].date_time, 0
    for info in infos:
        problem = _local(handle, info, moment, offset)
        if problem:
            return [f"the ZIP: {problem}: not as review-bot writes a dossier (changed)"]
        offset += _HEADER.size + len(_name(info)[0]) + info.file_size
    problem = _central(handle, infos, moment, offset)
    return [f"the ZIP: {problem}: not as review-bot writes a dossier (changed)"] if problem else []


def _local(handle: IO[bytes], info: zipfile.ZipInfo, moment: Moment, offset: int) -> str:
    name = info.filename
    if info.header_offset != offset:
        return f"bytes {offset:,}-{info.header_offset:,}, before the header of {name}"
    if info.compress_size != info.file_size or info.compress_type != zipfile.ZIP_STORED:
        return f"the entry of {name} in the central directory (its size or method)"
    encoded, flags = _name(info)
    dostime, dosdate = _dos(moment)
    expected = _HEADER.pack(LOCAL, VERSION, 0, flags, zipfile.ZIP_STORED,
                            dostime, dosdate, info.CRC, info.file_size, info.file_size,
                            len(encoded), 0) + encoded
    handle.seek(offset)
    if handle.read(len(expected)) != expected:
        return f"the header of {name} (at byte {offset:,})"
    return ""


def _central(handle: IO[bytes], infos: Sequence[zipfile.ZipInfo], moment: Moment,
             start: int) -> str:
    dostime, dosdate = _dos(moment)
    entries = bytearray()
    for info in infos:
        encoded, flags = _name(info)
        entries += _CENTRAL.pack(CENTRAL, VERSION, UNIX, VERSION, 0, flags,
                                 zipfile.ZIP_STORED, dostime, dosdate, info.CRC,
                                 info.file_size, info.file_size, len(encoded), 0, 0, 0, 0,
                                 MODE, info.header_offset) + encoded
    end = _END.pack(END, 0, 0, len(infos), len(infos), len(entries),
                    start, 0)
    handle.seek(start)
    if handle.read(len(entries)) != entries:
        return f"the central directory (from byte {start:,})"
    if handle.read(len(end) + 1) != end:
        return f"the end of the ZIP (from byte {start + len(entries):,}, or bytes after it)"
    return ""


def _name(info: zipfile.ZipInfo) -> tuple[bytes, int]:
    try:
        return info.filename.encode("ascii"), 0
    except UnicodeEncodeError:
        return info.filename.encode("utf-8"), UTF8_NAMES


def _dos(moment: Moment) -> tuple[int, int]:
    year, month, day, hour, minute, second = moment
    return hour << 11 | minute << 5 | second // 2, (year - 1980) << 9 | month << 5 | day
