"""The ``accelsim`` package of a git revision, for the benchmarks that set one against this tree."""

import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def package_at(rev: str, tool: str) -> Path:
    """A temporary directory holding ``rev``'s ``accelsim`` package and shipped files (``hwconfigs``,
    ``workloads``); ``tool`` names the caller in the message when git cannot find ``rev``."""
    out = Path(tempfile.mkdtemp())
    got = subprocess.run(["git", "-C", str(REPO), "archive", rev, "accelsim", "hwconfigs", "workloads"],
                         capture_output=True)
    if got.returncode:
        sys.exit(f"{tool}: git archive {rev}: {got.stderr.decode().strip()}")
    subprocess.run(["tar", "-x", "-C", str(out)], input=got.stdout, check=True)
    return out
