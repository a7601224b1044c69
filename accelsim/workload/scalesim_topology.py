"""SCALE-Sim topology CSVs (scalesim 3.0.0), read and write.

Two forms (../shared/reference/scalesim/NOTES.md):

* conv: ``Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels,
  Num Filter, Strides,`` (every row ends with a comma; an optional ninth field is N:M sparsity).
  The IFMAP sizes already include padding: layers load with ``padding_applied``. A layer whose
  name contains ``DP`` is SCALE-Sim's depthwise convention — ``Channels`` one-channel layers that
  each keep all ``Num Filter`` filters — and loads as a grouped conv with G = Channels, one input
  channel and ``Num Filter`` output channels per group, so MACs equal SCALE-Sim's.
* GEMM: ``Layer, M, N, K,`` with ``O[M x N] = A[M x K] . W[K x N]`` (DESIGN.md's convention).

Output sizes: accelsim uses PyTorch's floor rule; SCALE-Sim computes ``ceil((H - R) / s) + 1``,
one larger when ``H - R`` is not a multiple of the stride. The reader warns when they differ.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from pydantic import ValidationError

from accelsim.errors import ConfigError, format_validation_error, warn_caller
from accelsim.workload.layers import ConvLayer, FCLayer, GemmLayer, Network


def looks_like_topology(text: str) -> bool:
    """True when ``text`` is a CSV topology (first content line is comma-separated, not YAML)."""
    for line in text.splitlines():
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        return s.count(",") >= 3 and ":" not in s.split(",")[0]
    return False


def _rows(text: str) -> list[tuple[int, list[str]]]:
    out = []
    for lineno, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        cells = [c.strip() for c in row]
        while cells and cells[-1] == "":
            cells.pop()  # the trailing comma SCALE-Sim requires
        if cells and not cells[0].startswith("#"):
            out.append((lineno, cells))
    return out


def _int(cell: str, source: str, lineno: int, col: int, what: str) -> int:
    try:
        value = int(float(cell))
        if value != float(cell):
            raise ValueError
    except (ValueError, OverflowError):  # OverflowError: 'inf', '1e400'
        raise ConfigError(f"{source}: line {lineno}, column {col} ({what}): {cell!r} is not a whole number") from None
    if not 1 <= value <= 1 << 20:
        raise ConfigError(f"{source}: line {lineno}, column {col} ({what}): {value} outside 1..{1 << 20}")
    return value


def _ceil_out(size: int, k: int, stride: int) -> int:
    return -(-(size - k) // stride) + 1


def parse_topology(text: str, source: str = "<topology>", name: str = "topology") -> Network:
    """A Network from the text of a SCALE-Sim topology CSV (conv or GEMM form, told by the header)."""
    rows = _rows(text)
    if not rows:
        raise ConfigError(f"{source}: no layers")
    header_line, header = rows[0]
    has_header = not header[1].replace(".", "", 1).isdigit() if len(header) > 1 else True
    body = rows[1:] if has_header else rows
    ncols = len(header)
    gemm = (has_header and [h.lower() for h in header[1:4]] == ["m", "n", "k"]) or (not has_header and ncols == 4)
    layers = []
    for lineno, cells in body:
        lname = cells[0]
        if gemm:
            if len(cells) < 4:
                raise ConfigError(f"{source}: line {lineno}: expected 'Layer, M, N, K,', got {len(cells)} fields")
            m, n, k = (_int(cells[i], source, lineno, i + 1, w) for i, w in ((1, "M"), (2, "N"), (3, "K")))
            layers.append({"name": lname, "kind": "gemm", "m": m, "k": k, "n": n})
            continue
        if len(cells) < 8:
            raise ConfigError(f"{source}: line {lineno}: expected 8 fields (Layer name, IFMAP Height, IFMAP Width, "
                              f"Filter Height, Filter Width, Channels, Num Filter, Strides), got {len(cells)}")
        what = ("IFMAP Height", "IFMAP Width", "Filter Height", "Filter Width", "Channels", "Num Filter", "Strides")
        h, w, r, s, c, m, st = (_int(cells[i + 1], source, lineno, i + 2, what[i]) for i in range(7))
        layer = {"name": lname, "kind": "conv", "in_h": h, "in_w": w, "kernel": (r, s), "stride": (st, st),
                 "padding_applied": True}
        if "DP" in lname:  # SCALE-Sim's depthwise: Channels one-channel layers, each with all filters
            layer.update(in_channels=c, out_channels=c * m, groups=c)
        else:
            layer.update(in_channels=c, out_channels=m)
        if len(cells) > 8 and cells[8]:
            layer["sparsity"] = cells[8]
        if r <= h and s <= w:
            floor_h, floor_w = (h - r) // st + 1, (w - s) // st + 1
            ceil_h, ceil_w = _ceil_out(h, r, st), _ceil_out(w, s, st)
            if (floor_h, floor_w) != (ceil_h, ceil_w):
                warn_caller(
                    f"{source}: line {lineno} ({lname}): accelsim's output size {floor_h}x{floor_w} (PyTorch's floor "
                    f"rule) differs from SCALE-Sim's {ceil_h}x{ceil_w} (ceil rule); --timing scalesim uses SCALE-Sim's")
        layers.append(layer)
    try:
        return Network.model_validate({"name": name, "description": f"SCALE-Sim topology {source}",
                                       "layers": layers})
    except ValidationError as exc:
        raise format_validation_error(exc, source) from None


def read_topology(path) -> Network:
    from accelsim.config.yamlio import read_text

    path = Path(path)
    stem = "".join(ch if ch.isalnum() or ch in "_.-" else "_" for ch in path.stem)[:64] or "topology"
    return parse_topology(read_text(path), str(path), stem)


def format_topology(net: Network) -> str:
    """The text of a SCALE-Sim 3.0.0 topology CSV for ``net``.

    All-GEMM networks use the GEMM form, others the conv form (FC and GEMM layers as 1x1 convs).
    Padding is written into the IFMAP size. Depthwise layers become ``DP`` rows; other grouped
    convs one row per group (``<name>_g<i>``). Pooling and element-wise layers have no SCALE-Sim
    form and are left out with a warning; batch > 1, dilation and unequal strides cannot be
    expressed and are errors.
    """
    def bad(layer, why):
        raise ConfigError(f"layer {layer.name!r}: {why} cannot be written as a SCALE-Sim topology")

    skipped = [x.name for x in net.layers if x.kind in ("pool", "eltwise")]
    if skipped:
        warn_caller(f"{net.name}: SCALE-Sim topologies have no pooling or element-wise layers; left out: "
                    f"{', '.join(skipped)}")
    mac = [x for x in net.layers if x.kind not in ("pool", "eltwise")]
    for x in mac:
        if (x.batch or net.batch) > 1:
            bad(x, f"batch {x.batch or net.batch}")
        if "," in x.name:
            bad(x, "a name with a comma")
    if mac and all(x.kind == "gemm" for x in mac):
        lines = ["Layer, M, N, K,"]
        lines += [f"{x.name}, {x.m}, {x.n}, {x.k}," for x in mac]
        return "\n".join(lines) + "\n"
    lines = ["Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,"]
    for x in mac:
        if isinstance(x, FCLayer):
            lines.append(f"{x.name}, 1, 1, 1, 1, {x.in_features}, {x.out_features}, 1,")
            continue
        if isinstance(x, GemmLayer):
            lines.append(f"{x.name}, {x.m}, 1, 1, 1, {x.k}, {x.n}, 1,")
            continue
        assert isinstance(x, ConvLayer)
        if x.dilation != (1, 1):
            bad(x, f"dilation {x.dilation}")
        if x.stride[0] != x.stride[1]:
            bad(x, f"stride {x.stride}")
        pad = (0, 0) if x.padding_applied else x.padding
        h, w = x.in_h + 2 * pad[0], x.in_w + 2 * pad[1]
        r, s = x.kernel
        tail = f", {x.sparsity}," if x.sparsity else ","
        cin, cout, g = x.in_channels // x.groups, x.out_channels // x.groups, x.groups
        plain = x.name.replace("DP", "Dp")  # 'DP' in a name means depthwise to SCALE-Sim
        if plain != x.name and not (g > 1 and cin == 1):
            warn_caller(f"layer {x.name!r} is not depthwise: written as {plain!r} (SCALE-Sim expands names "
                        "containing 'DP')")
        if g == 1:
            lines.append(f"{plain}, {h}, {w}, {r}, {s}, {cin}, {cout}, {x.stride[0]}{tail}")
        elif cin == 1:
            name = x.name if "DP" in x.name else f"{x.name}_DP"
            lines.append(f"{name}, {h}, {w}, {r}, {s}, {g}, {cout}, {x.stride[0]}{tail}")
        else:
            for i in range(g):
                lines.append(f"{plain}_g{i}, {h}, {w}, {r}, {s}, {cin}, {cout}, {x.stride[0]}{tail}")
    return "\n".join(lines) + "\n"


def write_topology(net: Network, path) -> Path:
    path = Path(path)
    path.write_text(format_topology(net))
    return path
