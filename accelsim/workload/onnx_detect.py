"""Recognising an ONNX model file without importing onnx."""

from pathlib import Path


def is_onnx_file(path: Path) -> bool:
    """True for ``*.onnx``, or a binary file that starts like an ONNX protobuf (field 1, ir_version)."""
    if path.suffix.lower() == ".onnx":
        return True
    try:
        with open(path, "rb") as fh:
            head = fh.read(64)
    except OSError:
        return False
    return head[:1] == b"\x08" and b"\x00" not in head[1:2] and b"\x12" in head[:16] and not head.isascii()
