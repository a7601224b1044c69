"""Pareto fronts (minimisation) over two or three objectives."""

from __future__ import annotations

import numpy as np
import pandas as pd


def pareto_mask(values: np.ndarray) -> np.ndarray:
    """Boolean mask of the non-dominated rows of ``values`` (n x 2 or n x 3, all minimised).

    2-D: sort by the first objective (ties by the second) and keep each point whose second
    objective beats every point before it — O(n log n). 3-D: sort likewise and test each point
    against the front found so far — O(n x front)."""
    v = np.asarray(values, dtype=float)
    n, k = v.shape
    if k not in (2, 3):
        raise ValueError("Pareto fronts over two or three objectives")
    order = np.lexsort(tuple(v[:, j] for j in reversed(range(k))))
    keep = np.zeros(n, bool)
    if k == 2:
        best = np.inf
        for i in order:
            if v[i, 1] < best:
                keep[i] = True
                best = v[i, 1]
        return keep
    front: list[int] = []
    for i in order:
        p = v[i]
        if any(np.all(v[j] <= p) and np.any(v[j] < p) or np.all(v[j] == p) for j in front):
            continue
        front.append(i)
        keep[i] = True
    return keep


def pareto_front(df: pd.DataFrame, objectives: list[str]) -> pd.DataFrame:
    """The rows of ``df`` on the Pareto front of ``objectives`` (columns, minimised)."""
    missing = [o for o in objectives if o not in df.columns]
    if missing:
        raise KeyError(f"no column(s) {missing}; have {list(df.columns)}")
    ok = df.dropna(subset=objectives)
    return ok[pareto_mask(ok[objectives].to_numpy())].sort_values(objectives).reset_index(drop=True)
