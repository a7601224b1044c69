"""Loop nests on any storage hierarchy, counted with Timeloop's rules (see docs/nest.md)."""

from accelsim.nest.evaluate import NestResult, evaluate_nest, load_nest
from accelsim.nest.spec import NestArchitecture, NestProblem, NestSpec

__all__ = ["NestArchitecture", "NestProblem", "NestResult", "NestSpec", "evaluate_nest", "load_nest"]
