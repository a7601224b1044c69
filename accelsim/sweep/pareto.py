"""Pareto fronts (minimisation) over two or three objectives: of a DataFrame, and of a sweep directory
read shard by shard (the front of a union is the front of the union of the parts' fronts, so only the
front so far and one shard are ever in memory)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from accelsim.kernels.pareto import unmatched_3d


def pareto_mask(values: np.ndarray) -> np.ndarray:
    """Boolean mask of the non-dominated rows of ``values`` (n x 2 or n x 3, all minimised); of rows
    that are equal, the first is kept.

    Rows are sorted lexicographically: a row can then be dominated (or equalled) only by one before it.
    2-D: a row is kept when its second objective beats the running minimum of those before it;
    3-D: when no row before it is <= it in the second and third (a Fenwick tree of minima). Both
    O(n log n)."""
    v = np.asarray(values, dtype=float)
    if v.ndim != 2 or v.shape[1] not in (2, 3):
        raise ValueError("Pareto fronts over two or three objectives")
    n, k = v.shape
    order = np.lexsort(tuple(v[:, j] for j in reversed(range(k))))
    keep = np.zeros(n, bool)
    if n == 0:
        return keep
    s = v[order]
    if k == 2:
        before = np.minimum.accumulate(np.concatenate([[np.inf], s[:-1, 1]]))
        keep[order[s[:, 1] < before]] = True
        return keep
    rank = np.searchsorted(np.unique(s[:, 1]), s[:, 1])
    keep[order[unmatched_3d(rank, s[:, 2])]] = True
    return keep


def pareto_front(df: pd.DataFrame, objectives: list[str]) -> pd.DataFrame:
    """The rows of ``df`` on the Pareto front of ``objectives`` (columns, minimised)."""
    missing = [o for o in objectives if o not in df.columns]
    if missing:
        raise KeyError(f"no column(s) {missing}; have {list(df.columns)}")
    ok = df.dropna(subset=objectives)
    return ok[pareto_mask(ok[objectives].to_numpy())].sort_values(objectives).reset_index(drop=True)


_REDUCE_ROWS = 65_536


def sweep_front(out_dir, objectives: list[str], workload: str | None = None) -> pd.DataFrame:
    """The Pareto front of a sweep directory's evaluated rows, per workload (or of one ``workload``):
    the rows ``pareto_front`` gives on ``load_results(out_dir)`` grouped by workload, in that order,
    read one shard at a time (the objective columns first, then the whole rows of the front only),
    so a sweep of 10^8 points needs memory for its fronts and one shard, not for every row."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    shards = sorted(Path(out_dir, "shards").glob("*.parquet"))
    keys = ["point", "workload"]
    front, parts, held = pd.DataFrame(), [], 0  # parts: shards' rows not yet reduced to the front
    for shard, path in enumerate(shards):
        names = pq.read_schema(path).names
        missing = [o for o in objectives if o not in names]
        table = pq.read_table(path, columns=keys + ["status"] + [o for o in objectives if o in names])
        ok = pc.equal(table.column("status"), "ok")
        if workload is not None:
            ok = pc.and_(ok, pc.equal(table.column("workload"), workload))
        if missing:  # a shard of only invalid or excluded points has no metric columns
            if pc.any(ok).as_py():
                raise KeyError(f"no column(s) {missing} in {path}; have {names}")
            continue
        parts.append(table.filter(ok).select(keys + list(objectives)).to_pandas().assign(shard=shard))
        held += len(parts[-1])
        if held >= _REDUCE_ROWS:  # a pandas pass per 64k rows, not per shard
            front, parts, held = _fronts([front, *parts], objectives), [], 0
    front = _fronts([front, *parts], objectives)
    if front.empty:
        return pd.DataFrame()
    wanted = set(zip(front["point"].tolist(), front["workload"].tolist()))
    rows = []
    for shard in sorted(set(front["shard"].tolist())):  # the front's whole rows, from its shards only
        table = pq.read_table(shards[shard])
        at = [k for k, pw in enumerate(zip(table.column("point").to_pylist(), table.column("workload").to_pylist()))
              if pw in wanted]
        if at:
            rows.append(table.take(at).to_pandas())
    full = pd.concat(rows, ignore_index=True).sort_values(keys).reset_index(drop=True)
    return pd.concat([pareto_front(g, objectives) for _, g in full.groupby("workload")], ignore_index=True)


def _fronts(frames: list[pd.DataFrame], objectives: list[str]) -> pd.DataFrame:
    """Per workload, the rows of ``frames`` on its front (ties: the lowest point, as ``pareto_front`` on
    rows in design-point order keeps the first)."""
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame()
    df = pd.concat(frames, ignore_index=True).dropna(subset=objectives).sort_values(["workload", "point"])
    parts = [g[pareto_mask(g[objectives].to_numpy())] for _, g in df.groupby("workload", sort=False)]
    return pd.concat(parts, ignore_index=True) if parts else df
