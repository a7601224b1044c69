"""A sweep directory's Parquet shards: encoding a chunk's rows (and its per-layer rows), writing a shard
atomically, finding the finished points, and reading rows back.

``DIR/shards/<name>.parquet`` holds a chunk's rows, one per (design point, workload);
``DIR/layers/<name>.parquet`` (specs with ``per_layer``) the same chunk's per-layer rows, under the same
name. A chunk is finished when its summary shard exists."""

from __future__ import annotations

import io
import itertools
import os
from pathlib import Path
from typing import NamedTuple

import pandas as pd


def rows_parquet(rows: list[dict]) -> bytes:
    """Rows (dicts; a key a row lacks is a null) as Parquet bytes, straight through pyarrow: a third of
    what a pandas DataFrame and its ``to_parquet`` cost, and ``pd.read_parquet`` gives the same frame."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    keys = list(dict.fromkeys(itertools.chain.from_iterable(rows)))  # the keys of every row, in order seen
    data = io.BytesIO()
    # dictionary encoding only where values repeat: on the metrics (floats, mostly distinct) it doubled the
    # time of writing a shard and made it larger
    pq.write_table(pa.Table.from_pydict({k: [row.get(k) for row in rows] for k in keys}), data,
                   use_dictionary=["workload", "status"])
    return data.getvalue()


def layer_rows_parquet(parts: list[tuple[dict, object, dict]], names: list[str]) -> bytes:
    """Per-layer rows as Parquet bytes: for each evaluated (point, workload) row, one row per layer of its
    network — point, point_key, workload, layer_index, layer, kind, then the columns ``names`` (null where
    a point's table has no such column). Built column by column, each from one numpy array: a chunk of
    ResNet-50 points is ~74k rows, and an Arrow array per point and column made per-layer detail cost ~60-110
    us a point instead of ~13-35 (docs/sweeps.md)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    counts = np.array([len(net.layers) for _, net, _ in parts], np.int64)
    owner = np.repeat(np.arange(len(parts)), counts)  # each row's part
    starts = np.cumsum(counts) - counts
    nets: dict = {}  # each network's layer names and kinds, once, and where they start in the lists below
    layer_names: list[str] = []
    layer_kinds: list[str] = []
    first = np.empty(len(parts), np.int64)
    for k, (_, net, _) in enumerate(parts):
        if id(net) not in nets:
            nets[id(net)] = len(layer_names)
            layer_names += [x.name for x in net.layers]
            layer_kinds += [x.kind for x in net.layers]
        first[k] = nets[id(net)]
    position = np.arange(len(owner), dtype=np.int64) - starts[owner]  # each row's layer index
    per_part = pa.array(owner)
    per_layer = pa.array(first[owner] + position)

    def text(values: list[str], index: pa.Array) -> pa.Array:
        return pc.take(pa.array(values, pa.string()), index)

    data = {"point": pa.array(np.array([row["point"] for row, _, _ in parts], np.int64)[owner]),
            "point_key": text([row["point_key"] for row, _, _ in parts], per_part),
            "workload": text([row["workload"] for row, _, _ in parts], per_part),
            "layer_index": pa.array(position),
            "layer": text(layer_names, per_layer),
            "kind": text(layer_kinds, per_layer)}
    for c in names:
        pieces = [cols.get(c) for _, _, cols in parts]
        kinds = {p.dtype for p in pieces if p is not None}
        if len(kinds) == 1 and all(p is not None for p in pieces):
            data[c] = pa.array(np.concatenate(pieces))
        else:  # some points lack the column (or have it as another type): null there, piece by piece
            arrays = [None if p is None else pa.array(p) for p in pieces]
            kind = next((a.type for a in arrays if a is not None), pa.null())
            data[c] = pa.chunked_array([pa.nulls(n, kind) if a is None else a for a, n in zip(arrays, counts)], kind)
    out = io.BytesIO()
    pq.write_table(pa.table(data), out, use_dictionary=["point_key", "workload", "layer", "kind"])
    return out.getvalue()


def write_shard(shards: Path, name: str, data: bytes) -> None:
    """One shard per evaluated chunk (not per point: encoding one costs ~1 ms), named by a hash of its
    design points' keys."""
    tmp = shards / f".{name}.{os.getpid()}.tmp"
    tmp.write_bytes(data)
    os.replace(tmp, shards / f"{name}.parquet")  # atomic: a shard is either whole or absent


def drop_unfinished_layers(shards: Path, layers: Path) -> None:
    """Delete the per-layer shards of chunks killed between their two writes (no summary shard): their
    points are evaluated again, maybe in other chunks, whose per-layer shards would repeat these rows."""
    finished = {p.name for p in shards.glob("*.parquet")}
    for path in layers.glob("*.parquet"):
        if path.name not in finished:
            path.unlink()


class Finished(NamedTuple):
    """The design points some shard holds: a bit per index (``bits``, bytes), how many below the sweep's
    ``total``, and the key of each shard's first point (``probes``, index -> key) to check that the
    spec still gives the same point under that index. A resumed sweep skips its finished points by index
    (the directory's spec hash is checked first), not by hashing every point: one bit per point, so
    12.5 MB for 10^8 points, instead of a set of keys."""

    bits: bytes
    count: int
    probes: dict


def finished_points(shards: Path, total: int) -> Finished:
    import numpy as np
    import pyarrow.parquet as pq

    paths = list(shards.glob("*.parquet"))
    if not paths:
        return Finished(b"", 0, {})
    bits = np.zeros((total + 7) // 8, np.uint8)
    probes = {}
    for path in paths:
        table = pq.read_table(path, columns=["point", "point_key"])
        index = table.column("point").to_numpy()
        if len(index):
            probes[int(index[0])] = table.column("point_key")[0].as_py()
        index = index[index < total]
        np.bitwise_or.at(bits, index >> 3, (1 << (index & 7)).astype(np.uint8))
    count = sum(int(np.unpackbits(bits[k:k + 2**20]).sum()) for k in range(0, len(bits), 2**20))  # 8 MB at a time
    return Finished(bits.tobytes(), count, probes)


def sweep_counts(out_dir) -> tuple[int, int, int]:
    """(design points, rows, rows evaluated) of a sweep directory, one shard at a time and only the
    columns needed (a sweep of 10^8 points need not fit in memory as one frame)."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    points = rows = ok = 0
    for path in Path(out_dir, "shards").glob("*.parquet"):
        table = pq.read_table(path, columns=["point", "status"])
        points += len(pc.unique(table.column("point")))
        rows += table.num_rows
        ok += pc.sum(pc.equal(table.column("status"), "ok")).as_py() or 0
    return points, rows, ok


def load_layer_results(out_dir) -> pd.DataFrame:
    """The per-layer rows of a sweep directory whose spec asks for them (``per_layer``), ordered by design
    point, workload and layer; only those of finished chunks."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    finished = {p.name for p in Path(out_dir, "shards").glob("*.parquet")}
    paths = sorted(p for p in Path(out_dir, "layers").glob("*.parquet") if p.name in finished)
    if not paths:
        return pd.DataFrame()
    df = pa.concat_tables([pq.ParquetFile(p).read(use_threads=False) for p in paths], promote_options="default"
                          ).to_pandas()
    return df.sort_values(["point", "workload", "layer_index"]).reset_index(drop=True)


def load_results(out_dir) -> pd.DataFrame:
    """Every row of a sweep directory, in design-point order."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    shards = sorted(Path(out_dir, "shards").glob("*.parquet"))
    if not shards:
        return pd.DataFrame()
    # one shard's parse costs ~0.5 ms through ParquetFile, ~0.9 ms through read_table / read_parquet, and
    # a DataFrame per shard as much again: shards of one schema (nearly always) become one table and one
    # frame; others are read as before, shard by shard, so pandas fills the columns some lack its way
    tables = [pq.ParquetFile(p).read(use_threads=False) for p in shards]
    if all(t.schema.equals(tables[0].schema) for t in tables[1:]):
        df = pa.concat_tables(tables).to_pandas()
    else:
        df = pd.concat([pd.read_parquet(p) for p in shards], ignore_index=True)
    return df.sort_values(["point", "workload"]).reset_index(drop=True)
