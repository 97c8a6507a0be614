"""Office files as reproducible bytes.

Every .docx/.xlsx is a zip; libraries stamp the current time on its members and in
docProps/core.xml. `normalise_package` rewrites one with fixed timestamps, a fixed member
order and fixed document dates, so the same inputs always give the same bytes. Putting the
bytes in place safely is the storage layer's (qdocgen/storage/atomic.py).
"""

from __future__ import annotations

import io
import os
import re
import struct
import time
import zipfile
import zlib
from dataclasses import dataclass
from datetime import date, datetime, timezone

from qdocgen.errors import UserError

DEFAULT_EPOCH = 946684800  # 2000-01-01T00:00:00Z, when SOURCE_DATE_EPOCH is not set
_FIRST = ("[Content_Types].xml", "_rels/.rels")
_W3CDTF = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")
CORE = "docProps/core.xml"
_DC = "http://purl.org/dc/elements/1.1/"
_CP = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"


def build_epoch() -> int:
    """The time stamped into documents: SOURCE_DATE_EPOCH if set, else a fixed date."""
    raw = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if raw:
        try:
            return max(int(raw), 315532800)  # zip cannot store dates before 1980
        except ValueError:
            raise UserError(f"环境变量 SOURCE_DATE_EPOCH 应为整数秒，实为“{raw}”") from None
    return DEFAULT_EPOCH


def normalise_package(
    data: bytes, epoch: int | None = None, replace: dict[str, bytes] | None = None, core_epoch: int | None = None
) -> bytes:
    """The same Office package with fixed zip dates, member order and core-property dates
    (`core_epoch`, else the zip dates' `epoch`); members named in `replace` take the bytes
    given there (added if new)."""
    replace = replace or {}
    epoch = build_epoch() if epoch is None else epoch
    zip_time = time.gmtime(epoch)[:6]
    src = zipfile.ZipFile(io.BytesIO(data))
    names = src.namelist()
    names += [n for n in replace if n not in names]
    order = [n for n in _FIRST if n in names] + sorted(n for n in names if n not in _FIRST)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in order:
            blob = replace[name] if name in replace else src.read(name)
            if name == "docProps/core.xml":
                blob = stamp_core_dates(blob, epoch if core_epoch is None else core_epoch)
            info = zipfile.ZipInfo(name, date_time=zip_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 0
            dst.writestr(info, blob, compresslevel=6)
    return out.getvalue()


@dataclass(frozen=True)
class Member:
    """One zip member, already compressed as `normalise_package` compresses it."""

    name: str
    crc: int
    size: int
    compressed: bytes

    @classmethod
    def of(cls, name: str, data: bytes) -> Member:
        """`data` deflated at level 6, as zipfile does for normalise_package."""
        packer = zlib.compressobj(6, zlib.DEFLATED, -15)
        return cls(name, zlib.crc32(data), len(data), packer.compress(data) + packer.flush())


def members(package: bytes) -> dict[str, Member]:
    """The members of a zip as stored, compressed bytes untouched (for copying them unchanged)."""
    out = {}
    with zipfile.ZipFile(io.BytesIO(package)) as src:
        for info in src.infolist():
            if info.compress_type != zipfile.ZIP_DEFLATED:
                out[info.filename] = Member.of(info.filename, src.read(info.filename))
                continue
            name_len, extra_len = struct.unpack("<HH", package[info.header_offset + 26 : info.header_offset + 30])
            start = info.header_offset + 30 + name_len + extra_len
            out[info.filename] = Member(
                info.filename, info.CRC, info.file_size, package[start : start + info.compress_size]
            )
    return out


def write_members(parts: dict[str, Member], epoch: int | None = None) -> bytes:
    """A zip of `parts` with exactly the bytes `normalise_package` writes (order, dates, headers),
    copying each member's compressed bytes instead of compressing it again."""
    epoch = build_epoch() if epoch is None else epoch
    y, mo, d, h, mi, s = time.gmtime(epoch)[:6]
    dosdate, dostime = (y - 1980) << 9 | mo << 5 | d, h << 11 | mi << 5 | (s // 2)
    names = [n for n in _FIRST if n in parts] + sorted(n for n in parts if n not in _FIRST)
    out, central = [], []
    offset = 0
    for name in names:
        m = parts[name]
        try:
            raw, flags = name.encode("ascii"), 0
        except UnicodeEncodeError:
            raw, flags = name.encode("utf-8"), 0x800
        fixed = (20, 0, flags, zipfile.ZIP_DEFLATED, dostime, dosdate, m.crc, len(m.compressed), m.size, len(raw))
        out += [struct.pack("<4s2B4HL2L2H", b"PK\x03\x04", *fixed, 0), raw, m.compressed]
        central.append(
            struct.pack("<4s4B4HL2L5H2L", b"PK\x01\x02", 20, 0, *fixed, 0, 0, 0, 0, 0o644 << 16, offset) + raw
        )
        offset += 30 + len(raw) + len(m.compressed)
    directory = b"".join(central)
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(names), len(names), len(directory), offset, 0)
    return b"".join(out) + directory + end


def stamp_core_dates(core_xml: bytes, epoch: int) -> bytes:
    """docProps/core.xml with its created and modified dates set to `epoch`."""
    w3c = datetime.fromtimestamp(epoch, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    return _W3CDTF.sub(lambda m: m.group(1) + w3c + m.group(3), core_xml)


def with_document_properties(data: bytes, *, when: date, author: str) -> bytes:
    """A document's properties as a signed document's: created and modified on `when` (a
    notice's 成文日期; SOURCE_DATE_EPOCH wins when set) and written by `author` (the office)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    if CORE not in src.namelist():
        return data
    from lxml import etree  # here: writing files and a build with nothing to make do without it

    root = etree.fromstring(src.read(CORE))
    for ns, tag in ((_DC, "creator"), (_CP, "lastModifiedBy")):
        el = root.find(f"{{{ns}}}{tag}")
        if el is None:
            el = etree.SubElement(root, f"{{{ns}}}{tag}")
        el.text = author
    core = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    signed = int(datetime(when.year, when.month, when.day, tzinfo=timezone.utc).timestamp())
    core_epoch = build_epoch() if os.environ.get("SOURCE_DATE_EPOCH", "").strip() else max(signed, 315532800)
    return normalise_package(data, replace={CORE: core}, core_epoch=core_epoch)
