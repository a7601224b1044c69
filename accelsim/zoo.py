"""Shipped hardware configs (``hwconfigs/*.yaml``) and workloads (``workloads/*.yaml``).

In a source checkout (editable install) they are read from the repository's
top-level folders; a wheel carries copies under ``accelsim/_shipped/``.
"""

from __future__ import annotations

from pathlib import Path

from accelsim.config.yamlio import path_kind

_PKG = Path(__file__).resolve().parent


def _folder(kind: str) -> Path:
    for candidate in (_PKG / "_shipped" / kind, _PKG.parent / kind):
        if candidate.is_dir():
            return candidate
    return _PKG.parent / kind


def hwconfig_dir() -> Path:
    return _folder("hwconfigs")


def workload_dir() -> Path:
    return _folder("workloads")


def shipped_hardware() -> list[str]:
    """Names of the shipped hardware configs."""
    return sorted(p.stem for p in hwconfig_dir().glob("*.yaml"))


def shipped_workloads() -> list[str]:
    """Names of the shipped workloads."""
    return sorted(p.stem for p in workload_dir().glob("*.yaml"))


def find(name: str, kind: str) -> Path | None:
    """Path of a shipped config or workload called ``name``, or None."""
    folder = hwconfig_dir() if kind == "hardware" else workload_dir()
    path = folder / f"{name}.yaml"
    return path if path_kind(path) == "file" else None  # a name the OS cannot look up is not a shipped one
