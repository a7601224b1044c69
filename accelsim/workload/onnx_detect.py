"""Recognising an ONNX model file without importing onnx."""

from pathlib import Path


# the tags (field number << 3 | wire type) of ModelProto's fields after ir_version (onnx.proto): producer
# name, producer version, domain, model version, doc string, graph, opset imports, metadata, and the first
# byte of training info's and functions' two-byte tags
_NEXT_TAGS = frozenset(b"\x12\x1a\x22\x28\x32\x3a\x42\x72\xa2\xca")


def is_onnx_file(path: Path) -> bool:
    """True for ``*.onnx``, or a binary file that starts like an ONNX ModelProto: field 1 (ir_version, a
    varint) and then the tag of another of its fields."""
    if path.suffix.lower() == ".onnx":
        return True
    try:
        with open(path, "rb") as fh:
            head = fh.read(64)
    except OSError:
        return False
    if head[:1] != b"\x08" or head.isascii():
        return False
    at = 1
    while at < len(head) and at < 11 and head[at] & 0x80:  # the varint's continuation bytes
        at += 1
    return at + 1 < len(head) and head[at] != 0 and head[at + 1] in _NEXT_TAGS
