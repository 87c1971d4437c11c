"""A small reader for VTK XML PolyData (``.vtp``), the format of OpenSim's Geometry folders.

trimesh reads no ``.vtp``, and VTK (which does) belongs to the scene layer, not to this pure
model layer that loads packs; so the few parts of the format that bone surfaces use are read
here with the standard library and numpy: points and polygons (fanned into triangles), data
inline as ASCII or base64, or appended raw or base64, optionally zlib-compressed, with 32- or
64-bit headers. Anything else is refused with a ValueError saying what.
"""

from __future__ import annotations

import base64
import zlib
from xml.etree import ElementTree

import numpy as np

_TYPES = {
    "Int8": "i1", "UInt8": "u1", "Int16": "i2", "UInt16": "u2", "Int32": "i4", "UInt32": "u4",
    "Int64": "i8", "UInt64": "u8", "Float32": "f4", "Float64": "f8",
}


def _base64_chars(n_bytes: int) -> int:
    return 4 * -(-n_bytes // 3)


class _Arrays:
    """Decodes the DataArray elements of one file, whatever their format."""

    def __init__(self, root: ElementTree.Element, appended: bytes | None, appended_encoding: str):
        order = "<" if root.get("byte_order", "LittleEndian") == "LittleEndian" else ">"
        self.order = order
        self.header = np.dtype(order + {"UInt32": "u4", "UInt64": "u8"}.get(root.get("header_type", "UInt32"), "u4"))
        compressor = root.get("compressor")
        if compressor not in (None, "", "vtkZLibDataCompressor"):
            raise ValueError(f"VTP compressor {compressor} is not supported (only zlib)")
        self.compressed = bool(compressor)
        self.appended = appended
        self.appended_encoding = appended_encoding

    def read(self, element: ElementTree.Element, components: int) -> np.ndarray:
        kind = element.get("type")
        if kind not in _TYPES:
            raise ValueError(f"VTP data type {kind!r} is not supported")
        dtype = np.dtype(self.order + _TYPES[kind])
        data_format = element.get("format", "ascii")
        if data_format == "ascii":
            values = np.array((element.text or "").split(), dtype=float).astype(dtype)
        elif data_format == "binary":
            values = np.frombuffer(self._payload((element.text or "").strip().encode("ascii"), True), dtype=dtype)
        elif data_format == "appended":
            if self.appended is None:
                raise ValueError("VTP array refers to appended data, but the file has none")
            start = int(element.get("offset", "0"))
            values = np.frombuffer(self._payload(self.appended[start:], self.appended_encoding == "base64"), dtype=dtype)
        else:
            raise ValueError(f"VTP data format {data_format!r} is not supported")
        if components > 1:
            if len(values) % components:
                raise ValueError(f"VTP array {element.get('Name')!r} has {len(values)} values, not a multiple of {components}")
            values = values.reshape(-1, components)
        return values

    def _payload(self, block: bytes, encoded: bool) -> bytes:
        """The bytes of one array: its header says how many (and how they were compressed)."""
        size = self.header.itemsize

        def first(n_bytes: int) -> bytes:
            if not encoded:
                return block[:n_bytes]
            return base64.b64decode(block[:_base64_chars(n_bytes)])[:n_bytes]

        if not self.compressed:
            n_bytes = int(np.frombuffer(first(size), self.header)[0])
            return first(size + n_bytes)[size:]
        n_blocks = int(np.frombuffer(first(size), self.header)[0])
        header_bytes = size * (3 + n_blocks)
        header = np.frombuffer(first(header_bytes), self.header)
        if encoded:  # VTK encodes a compressed array's header and its blocks separately
            body = base64.b64decode(block[_base64_chars(header_bytes):][:_base64_chars(int(header[3:].sum()))])
        else:
            body = block[header_bytes:header_bytes + int(header[3:].sum())]
        out, at = [], 0
        for length in header[3:]:
            out.append(zlib.decompress(body[at:at + int(length)]))
            at += int(length)
        return b"".join(out)


def _split_appended(data: bytes) -> tuple[bytes, bytes | None, str]:
    """The XML without its appended section (raw bytes are not XML), the section, its encoding."""
    start = data.find(b"<AppendedData")
    if start < 0:
        return data, None, ""
    tag_end = data.index(b">", start)
    encoding = "base64" if b'encoding="base64"' in data[start:tag_end] else "raw"
    underscore = data.index(b"_", tag_end) + 1
    end = data.rindex(b"</AppendedData>")
    section = data[underscore:end]
    return data[:tag_end] + b"/>" + data[end + len(b"</AppendedData>"):], section, encoding


def read_vtp(data: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Vertices (n, 3) and triangles (m, 3) of a VTK XML PolyData file's first piece."""
    try:
        xml, appended, encoding = _split_appended(data)
        root = ElementTree.fromstring(xml)
    except (ValueError, ElementTree.ParseError) as exc:
        raise ValueError(f"not a readable VTP file ({exc})") from None
    if root.tag != "VTKFile" or root.get("type") != "PolyData":
        raise ValueError("not a VTK PolyData file (VTKFile type=\"PolyData\")")
    piece = root.find("PolyData/Piece")
    points = piece.find("Points/DataArray") if piece is not None else None
    if points is None:
        raise ValueError("VTP file has no points")
    if int(piece.get("NumberOfStrips", "0")):
        raise ValueError("VTP triangle strips are not supported; save the surface as polygons")
    arrays = _Arrays(root, appended, encoding)
    try:
        vertices = arrays.read(points, 3).astype(np.float64)
        polys = piece.find("Polys")
        if polys is None or int(piece.get("NumberOfPolys", "0")) == 0:
            return vertices, np.zeros((0, 3), dtype=np.int64)
        named = {array.get("Name"): array for array in polys.findall("DataArray")}
        if "connectivity" not in named or "offsets" not in named:
            raise ValueError("VTP polygons lack their connectivity or offsets array")
        connectivity = arrays.read(named["connectivity"], 1).astype(np.int64)
        offsets = arrays.read(named["offsets"], 1).astype(np.int64)
    except (ValueError, TypeError, zlib.error, IndexError) as exc:
        raise ValueError(f"VTP data cannot be read ({exc})") from None
    return vertices, _fan(connectivity, offsets)


def _fan(connectivity: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Triangles of polygons given VTK-style (each polygon ends at its offset), fanned from their first corner."""
    ends = offsets
    starts = np.concatenate([[0], offsets[:-1]])
    if len(offsets) and (offsets[-1] != len(connectivity) or (ends - starts < 3).any()):
        raise ValueError("VTP polygon offsets do not match the connectivity (file truncated?)")
    sizes = ends - starts
    if len(sizes) and (sizes == 3).all():
        return connectivity.reshape(-1, 3)
    triangles = [
        np.stack([np.full(n - 2, connectivity[s]), connectivity[s + 1:e - 1], connectivity[s + 2:e]], axis=1)
        for s, e, n in zip(starts, ends, sizes)
    ]
    return np.concatenate(triangles) if triangles else np.zeros((0, 3), dtype=np.int64)
