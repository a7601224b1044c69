"""heap.adapt_once: after it, glibc keeps a freed block of arrays in the heap instead of faulting it in again."""

import os
import platform
import subprocess
import sys

import pytest

# In a fresh process: page faults per round of 40 arrays of 256 kiB (10 MiB, touched) allocated and freed,
# before and after adapt_once. 10 MiB is 2,560 pages of 4 kiB.
SCRIPT = """
import resource
import numpy as np
from accelsim.heap import adapt_once

def faults_per_round(k=10):
    f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(k):
        arrays = [np.ones(256 * 1024 // 8) for _ in range(40)]
        del arrays
    return (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0) / k

faults_per_round(1)
before = faults_per_round()
adapt_once()
adapt_once()  # once per process: the second call does nothing
faults_per_round(1)
print(before, faults_per_round())
"""


@pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc"
                    or any(k.startswith("MALLOC_") for k in os.environ),
                    reason="glibc's adaptive thresholds, not set by hand")
def test_a_freed_block_stays_in_the_heap():
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True).stdout
    before, after = map(float, out.split())
    assert before > 2000  # glibc's starting thresholds: the block is handed back and faulted in each round
    assert after < 100
