"""The VTK XML PolyData reader (``viewer.anatomy.vtp``) on small files written by hand: every
encoding it reads, big-endian data, polygons fanned, and every refusal with its reason. Written to
kill the mutants mutmut found surviving; VTK is not needed."""

from __future__ import annotations

import base64
import zlib

import numpy as np
import pytest

from viewer.anatomy.vtp import _base64_chars, _fan, read_vtp

POINTS = np.array([[0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0], [0.5, 0.5, 1]], float)
CONNECTIVITY = np.array([0, 1, 2, 3, 0, 1, 4, 1, 2, 4])  # a quad and two triangles
OFFSETS = np.array([4, 7, 10])


def _file(points_xml, polys_xml, *, polys=3, strips=0, attributes="", appended=b""):
    head = (f'<?xml version="1.0"?>\n<VTKFile type="PolyData" version="1.0" {attributes}>\n<PolyData>\n'
            f'<Piece NumberOfPoints="5" NumberOfPolys="{polys}" NumberOfStrips="{strips}">\n'
            f'<Points>{points_xml}</Points>\n<Polys>{polys_xml}</Polys>\n</Piece>\n</PolyData>\n')
    return head.encode() + appended + b"</VTKFile>\n"


def _ascii(name, kind, values, components=1):
    text = " ".join(str(v) for v in np.ravel(values))
    return f'<DataArray type="{kind}" Name="{name}" NumberOfComponents="{components}" format="ascii">{text}</DataArray>'


def _polys_ascii():
    return _ascii("connectivity", "Int64", CONNECTIVITY) + _ascii("offsets", "Int64", OFFSETS)


FANNED = [[0, 1, 2], [0, 2, 3], [0, 1, 4], [1, 2, 4]]


def test_ascii_polygons_are_fanned_from_their_first_corner():
    vertices, faces = read_vtp(_file(_ascii("Points", "Float32", POINTS, 3), _polys_ascii()))
    np.testing.assert_array_equal(vertices, POINTS)
    assert vertices.dtype == np.float64 and faces.dtype == np.int64
    np.testing.assert_array_equal(faces, FANNED)


def _block(values: np.ndarray, header: str, compressed: bool, order: str = "<") -> tuple[bytes, bytes]:
    """One array's header and body as VTK writes them (uncompressed: a byte count; compressed:
    block count, block size, last block size, then each block's compressed size)."""
    raw = values.tobytes()
    header_type = np.dtype(order + ("u4" if header == "UInt32" else "u8"))
    if not compressed:
        return np.array([len(raw)], header_type).tobytes(), raw
    size = 16  # small blocks, so that an array spans several
    chunks = [raw[k:k + size] for k in range(0, len(raw), size)]
    packed = [zlib.compress(c) for c in chunks]
    head = np.array([len(chunks), size, len(chunks[-1])] + [len(p) for p in packed], header_type).tobytes()
    return head, b"".join(packed)


@pytest.mark.parametrize("order", ["<", ">"])
@pytest.mark.parametrize("header", ["UInt32", "UInt64"])
@pytest.mark.parametrize("compressed", [False, True])
@pytest.mark.parametrize("mode", ["binary", "raw", "base64"])
def test_binary_and_appended_data_of_every_header_and_byte_order(order, header, compressed, mode):
    arrays = [("Points", "Float64", POINTS.astype(order + "f8"), 3), ("connectivity", "Int32", CONNECTIVITY.astype(order + "i4"), 1),
              ("offsets", "UInt16", OFFSETS.astype(order + "u2"), 1)]
    attributes = f'header_type="{header}" byte_order="{"LittleEndian" if order == "<" else "BigEndian"}"'
    if compressed:
        attributes += ' compressor="vtkZLibDataCompressor"'
    xml, appended, at = {}, b"", 0
    for name, kind, values, components in arrays:
        head, body = _block(values, header, compressed, order)
        if mode == "binary":
            text = (base64.b64encode(head) + base64.b64encode(body)) if compressed else base64.b64encode(head + body)
            xml[name] = f'<DataArray type="{kind}" Name="{name}" NumberOfComponents="{components}" format="binary">{text.decode()}</DataArray>'
            continue
        if mode == "raw":
            data = head + body
        else:
            data = (base64.b64encode(head) + base64.b64encode(body)) if compressed else base64.b64encode(head + body)
        xml[name] = f'<DataArray type="{kind}" Name="{name}" NumberOfComponents="{components}" format="appended" offset="{at}"/>'
        appended += data
        at += len(data)
    tail = b""
    if mode != "binary":
        tail = f'<AppendedData encoding="{"raw" if mode == "raw" else "base64"}">\n_'.encode() + appended + b"\n</AppendedData>\n"
    vertices, faces = read_vtp(_file(xml["Points"], xml["connectivity"] + xml["offsets"], attributes=attributes, appended=tail))
    np.testing.assert_array_equal(vertices, POINTS)
    np.testing.assert_array_equal(faces, FANNED)


def test_a_surface_without_polygons_has_no_triangles():
    for polys_xml, count in (("", 0), (_polys_ascii(), 0)):
        vertices, faces = read_vtp(_file(_ascii("Points", "Float32", POINTS, 3), polys_xml, polys=count))
        assert faces.shape == (0, 3) and faces.dtype == np.int64 and len(vertices) == 5
    data = _file(_ascii("Points", "Float32", POINTS, 3), "").replace(b"<Polys></Polys>", b"")
    assert read_vtp(data)[1].shape == (0, 3)


@pytest.mark.parametrize("change, message", [
    (lambda d: d.replace(b"<Points>", b"<Other>").replace(b"</Points>", b"</Other>"), "VTP file has no points"),
    (lambda d: d.replace(b'type="PolyData"', b'type="ImageData"'), 'not a VTK PolyData file (VTKFile type="PolyData")'),
    (lambda d: d.replace(b"<VTKFile", b"<Other").replace(b"</VTKFile>", b"</Other>"), 'not a VTK PolyData file (VTKFile type="PolyData")'),
    (lambda d: d.replace(b'NumberOfStrips="0"', b'NumberOfStrips="2"'), "VTP triangle strips are not supported; save the surface as polygons"),
    (lambda d: d.replace(b"<Piece", b"<Part").replace(b"</Piece>", b"</Part>"), "VTP file has no points"),
    (lambda d: d.replace(b'version="1.0" >', b'version="1.0" compressor="vtkLZ4DataCompressor">'),
     "VTP compressor vtkLZ4DataCompressor is not supported (only zlib)"),
    (lambda d: d.replace(b'type="Float32"', b'type="Float16"'), "VTP data cannot be read (VTP data type 'Float16' is not supported)"),
    (lambda d: d.replace(b'format="ascii">0.0 0.0 0.0', b'format="hex">0.0 0.0 0.0'), "VTP data cannot be read (VTP data format 'hex' is not supported)"),
    (lambda d: d.replace(b'format="ascii">0.0 0.0 0.0', b'format="appended" offset="0">0.0 0.0 0.0'),
     "VTP data cannot be read (VTP array refers to appended data, but the file has none)"),
    (lambda d: d.replace(b"0.5 0.5 1.0", b"0.5 0.5"), "VTP data cannot be read (VTP array 'Points' has 14 values, not a multiple of 3)"),
    (lambda d: d.replace(b'Name="offsets"', b'Name="ends"'), "VTP data cannot be read (VTP polygons lack their connectivity or offsets array)"),
    (lambda d: d.replace(b'Name="connectivity"', b'Name="links"'), "VTP data cannot be read (VTP polygons lack their connectivity or offsets array)"),
    (lambda d: d.replace(b">4 7 10<", b">4 7 11<"), "VTP polygon offsets do not match the connectivity (file truncated?)"),
    (lambda d: d.replace(b">4 7 10<", b">4 6 10<"), "VTP polygon offsets do not match the connectivity (file truncated?)"),
    (lambda d: d.replace(b"</Points>", b""), "not a readable VTP file"),
])
def test_what_the_reader_cannot_read_is_named(change, message):
    data = _file(_ascii("Points", "Float32", POINTS, 3), _polys_ascii())
    damaged = change(data)
    assert damaged != data
    with pytest.raises(ValueError) as caught:
        read_vtp(damaged)
    assert str(caught.value).startswith(message)


def test_fan_splits_each_polygon_into_a_fan():
    np.testing.assert_array_equal(_fan(np.arange(5), np.array([5])), [[0, 1, 2], [0, 2, 3], [0, 3, 4]])
    np.testing.assert_array_equal(_fan(np.arange(6), np.array([3, 6])), [[0, 1, 2], [3, 4, 5]])
    empty = _fan(np.zeros(0, int), np.zeros(0, int))
    assert empty.shape == (0, 3) and empty.dtype == np.int64
    with pytest.raises(ValueError, match="offsets do not match"):
        _fan(np.arange(5), np.array([2, 5]))


def test_base64_length_of_a_byte_count():
    assert [_base64_chars(n) for n in (0, 1, 2, 3, 4, 8, 9)] == [0, 4, 4, 4, 8, 12, 12]


def _binary(name, kind, values, components, header="<u4"):
    raw = np.asarray(values).tobytes()
    text = base64.b64encode(np.array([len(raw)], header).tobytes() + raw).decode()
    return f'<DataArray type="{kind}" Name="{name}" NumberOfComponents="{components}" format="binary">{text}</DataArray>'


def test_attributes_left_out_take_vtks_defaults():
    """No byte order (little-endian), no header type (32-bit), no format (ascii), no offset (0),
    an empty compressor (none), no strip or polygon counts (none)."""
    points = _binary("Points", "Float64", POINTS.astype("<f8"), 3)
    polys = _binary("connectivity", "Int64", CONNECTIVITY.astype("<i8"), 1) + _binary("offsets", "Int64", OFFSETS.astype("<i8"), 1)
    for attributes in ("", 'compressor=""', 'header_type="Int16"'):  # an unknown header type reads as 32-bit
        vertices, faces = read_vtp(_file(points, polys, attributes=attributes))
        np.testing.assert_array_equal(vertices, POINTS)
        np.testing.assert_array_equal(faces, FANNED)
    no_format = _ascii("Points", "Float32", POINTS, 3).replace(' format="ascii"', "")
    np.testing.assert_array_equal(read_vtp(_file(no_format, _polys_ascii()))[0], POINTS)
    head, body = _block(POINTS.astype("<f8"), "UInt32", False)
    appended = b'<AppendedData encoding="raw">\n_' + head + body + b"\n</AppendedData>\n"
    no_offset = '<DataArray type="Float64" Name="Points" NumberOfComponents="3" format="appended"/>'
    np.testing.assert_array_equal(read_vtp(_file(no_offset, "", polys=0, appended=appended))[0], POINTS)
    bare = _file(_ascii("Points", "Float32", POINTS, 3), "", polys=0).replace(b' NumberOfPolys="0" NumberOfStrips="0"', b"")
    assert b"NumberOf" in bare and b"NumberOfStrips" not in bare
    vertices, faces = read_vtp(bare)
    assert len(vertices) == 5 and faces.shape == (0, 3)


def test_an_empty_points_array_is_no_points():
    data = _file('<DataArray type="Float32" Name="Points" NumberOfComponents="3" format="ascii"></DataArray>', "", polys=0)
    vertices, faces = read_vtp(data.replace(b'NumberOfPoints="5"', b'NumberOfPoints="0"'))
    assert vertices.shape == (0, 3) and faces.shape == (0, 3)
