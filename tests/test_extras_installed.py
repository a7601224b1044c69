"""In CI the optional extras the suite exercises must be installed, so their tests run, not skip."""

import importlib
import os

import pytest


@pytest.mark.skipif(os.environ.get("CI") != "true", reason="only CI promises the extras")
@pytest.mark.parametrize("module", ["onnx", "distributed", "nbclient", "ipykernel"])
def test_extra_is_installed_in_ci(module):
    importlib.import_module(module)
