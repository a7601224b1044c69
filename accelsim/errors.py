"""Errors a user can act on.

Every error accelsim raises for bad input is an :class:`AccelsimError` whose
message names the file, the field (a YAML path such as ``buffers[0].size_bytes``,
or ``line L, column C``), the bad value and what is allowed. The CLI prints the
message and exits with status 2; it never shows a traceback for these.
"""

from __future__ import annotations

import os
import sys
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pydantic import ValidationError


class AccelsimError(Exception):
    """Bad input or an impossible request, with a message meant for the user."""


class ConfigError(AccelsimError):
    """A hardware, workload or mapping description is invalid."""


class CapacityError(AccelsimError):
    """A layer's tiles do not fit the buffers of the hardware."""


def _loc_to_path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def format_validation_error(err: ValidationError, source: str, prefix: tuple = ()) -> ConfigError:
    """Turn a pydantic ``ValidationError`` into a :class:`ConfigError`.

    ``source`` names the file (or "<object>" for in-memory data); ``prefix`` is
    prepended to every location (used when a document is nested in another).
    """
    lines = []
    for item in err.errors(include_url=False):
        loc = tuple(prefix) + tuple(item.get("loc", ()))
        # pydantic adds the union/tag branch name to locations; drop function-ish parts
        loc = tuple(p for p in loc if not (isinstance(p, str) and p.startswith("function-")))
        msg = item.get("msg", "invalid")
        kind = item.get("type", "")
        if kind == "extra_forbidden":
            msg = "unknown field (not allowed here; check the spelling)"
        elif kind == "missing":
            msg = "field required but missing"
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, "):]
        value = item.get("input")
        shown = "" if kind == "missing" or isinstance(value, dict) else f" (got {_short(value)})"
        lines.append(f"  {_loc_to_path(loc)}: {msg}{shown}")
    noun = "error" if len(lines) == 1 else "errors"
    return ConfigError(f"{source}: {len(lines)} {noun}:\n" + "\n".join(lines))


def check_output(path) -> None:
    """Fail at once when the file ``path`` cannot be created because its directory does not exist (the
    CLI checks before it simulates, so a typo in ``-o`` does not throw away a finished run)."""
    parent = Path(path).parent
    try:
        exists = parent.is_dir()
    except OSError:  # a name the OS cannot look up (too long)
        exists = False
    if not exists:
        raise AccelsimError(f"{path}: cannot write: directory {parent} does not exist")


@contextmanager
def writing(path):
    """Writing ``path``: an OSError (a missing directory, no permission, a full disk) becomes an
    AccelsimError naming the file."""
    try:
        yield
    except OSError as exc:
        raise AccelsimError(f"{path}: cannot write: {exc.strerror or exc}") from None


class AccelsimWarning(UserWarning):
    """Something a user should know that does not stop the run (a rule that differs from a peer
    tool's, an operation dropped in a conversion)."""


_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep


def warn_caller(message: str) -> None:
    """An :class:`AccelsimWarning` at the line of the first caller outside the accelsim package: a fixed
    ``stacklevel`` points into accelsim as soon as a call path gains or loses a frame."""
    level, frame = 2, sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, AccelsimWarning, stacklevel=level)
