import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))  # tests/naive.py and helpers

from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile("default", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("slow", deadline=None, max_examples=2000, suppress_health_check=list(HealthCheck))
settings.load_profile("default")
