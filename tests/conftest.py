"""Test-suite settings: hypothesis profiles (CI gets no deadlines: first calls may JIT-compile)."""
import os
import sys

# Small matmuls on 2 busy cores run 5-50x slower with OpenBLAS's threads fighting each other and the
# other test processes; tests measure correctness, not speed, so use one BLAS thread (set before numpy loads).
if "numpy" not in sys.modules:
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import matplotlib  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

matplotlib.use("Agg")

settings.register_profile("default", max_examples=40, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=300, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
