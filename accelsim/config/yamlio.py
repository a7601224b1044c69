"""Reading YAML documents safely, with errors that name the file.

Guards: missing files, directories, empty files, binary (non UTF-8) files,
syntax errors (with line and column), non-mapping top levels, and alias bombs
(a document whose aliases expand to more than ``MAX_NODES`` nodes).
"""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import yaml

from accelsim.errors import ConfigError

MAX_NODES = 200_000
MAX_BYTES = 20_000_000
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser when PyYAML has it: ~10x faster


def path_kind(path: Path) -> str | None:
    """"file", "dir", or None when ``path`` is neither or cannot be looked up at all (a name too long for
    the file system makes ``Path.exists`` raise)."""
    try:
        st = path.stat()
    except OSError:
        return None
    return "dir" if stat.S_ISDIR(st.st_mode) else "file"


def read_text(path: Path) -> str:
    """Read a text file, turning every OS or encoding failure into a ConfigError."""
    try:
        st = path.stat()
    except (FileNotFoundError, NotADirectoryError):
        raise ConfigError(f"{path}: file not found") from None
    except OSError as exc:  # a name too long, no permission, a symlink loop
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if stat.S_ISDIR(st.st_mode):
        raise ConfigError(f"{path}: is a directory, expected a file")
    if st.st_size > MAX_BYTES:
        raise ConfigError(f"{path}: file is {st.st_size} bytes, larger than the {MAX_BYTES}-byte limit")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if b"\x00" in raw:
        raise ConfigError(f"{path}: binary file (contains NUL bytes), expected UTF-8 text")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start}): expected a text file") from None
    if not text.strip():
        raise ConfigError(f"{path}: file is empty")
    return text


def _count_nodes(obj: Any, budget: list[int]) -> None:
    # Walks shared sub-objects again on every reference, as a validator would.
    budget[0] -= 1
    if budget[0] < 0:
        return
    if isinstance(obj, dict):
        for k, v in obj.items():
            _count_nodes(k, budget)
            _count_nodes(v, budget)
            if budget[0] < 0:
                return
    elif isinstance(obj, list):
        for v in obj:
            _count_nodes(v, budget)
            if budget[0] < 0:
                return


def parse_yaml(text: str, source: str) -> Any:
    """Parse YAML text; ``source`` names the file in error messages."""
    try:
        data = yaml.load(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown position"
        raise ConfigError(f"{source}: YAML syntax error at {where}: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source}: YAML error: {exc}") from None
    except RecursionError:
        raise ConfigError(f"{source}: YAML nesting too deep") from None
    budget = [MAX_NODES]
    _count_nodes(data, budget)
    if budget[0] < 0:
        raise ConfigError(
            f"{source}: document expands to more than {MAX_NODES} nodes "
            "(an alias bomb, or far larger than any accelsim file); refusing to load it"
        )
    return data


def load_yaml_mapping(path: Path) -> dict:
    """Load a YAML file whose top level must be a mapping."""
    data = parse_yaml(read_text(path), str(path))
    if not isinstance(data, dict):
        kind = type(data).__name__
        raise ConfigError(f"{path}: top level must be a mapping of fields, got {kind}")
    return data
