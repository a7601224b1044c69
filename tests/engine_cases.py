"""Random small layers, hardware and mappings for kernel-vs-twin tests."""

import itertools

from hypothesis import strategies as st

import accelsim
from accelsim.cost import kernel_args
from accelsim.kernels.conv_cost import conv_layer_cost
from accelsim.mapping.mapping import ResolvedMapping
from accelsim.mapping.tiling import plan_storage
from accelsim.workload.shape import ConvShape
from naive import kernel_as_dict, naive_conv_cost

ORDERS = ["".join(p) for p in itertools.permutations("nmcpq")]
CLASSES = {"tile": "NPQ", "kernel": "M", "channel": "CRS", "group": "G"}
BUFFER_LAYOUTS = [
    [("glb", ["ifmap", "filter", "ofmap"])],
    [("ib", ["ifmap"]), ("wb", ["filter"]), ("ob", ["ofmap"])],
    [("glb", ["ifmap", "ofmap"]), ("wb", ["filter"])],
    [("glb", ["ifmap", "filter"])],  # ofmap streams through a FIFO
    [("ob", ["ofmap"]), ("big", [])],  # ifmap/filter through FIFOs, a pure home buffer
]


@st.composite
def conv_shapes(draw, max_macs=4000):
    g = draw(st.integers(1, 2))
    n = draw(st.integers(1, 2))
    m = draw(st.integers(1, 4))
    c = draw(st.integers(1, 4))
    r = draw(st.integers(1, 3))
    s = draw(st.integers(1, 3))
    sh, sw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    dh, dw = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    ph, pw = draw(st.integers(0, 2)), draw(st.integers(0, 2))
    h = draw(st.integers(max(1, dh * (r - 1) + 1 - 2 * ph), 7))
    w = draw(st.integers(max(1, dw * (s - 1) + 1 - 2 * pw), 7))
    p = (h + 2 * ph - dh * (r - 1) - 1) // sh + 1
    q = (w + 2 * pw - dw * (s - 1) - 1) // sw + 1
    bits = draw(st.sampled_from([(8, 8, 32, 8), (16, 16, 16, 16), (4, 8, 24, 4), (8, 4, 16, 8)]))
    shape = ConvShape(G=g, N=n, M=m, C=c, P=p, Q=q, R=r, S=s, H=h, W=w, stride=(sh, sw), pad=(ph, pw),
                      dil=(dh, dw), input_bits=bits[0], weight_bits=bits[1], psum_bits=bits[2],
                      output_bits=bits[3])
    from hypothesis import assume
    assume(shape.macs <= max_macs)
    return shape


@st.composite
def axes(draw):
    classes = draw(st.permutations(list(CLASSES)))
    out = []
    for cls in classes[:2]:
        dims = draw(st.lists(st.sampled_from(CLASSES[cls]), unique=True, max_size=len(CLASSES[cls])))
        out.append(tuple(dims))
    return out[0], out[1]


@st.composite
def hardware(draw):
    layout = draw(st.sampled_from(BUFFER_LAYOUTS))
    names = [n for n, _ in layout]
    buffers = [{"name": n, "operands": ops, "size_bytes": 1 << 30,
                "bandwidth_bytes_per_cycle": draw(st.sampled_from([0.5, 1, 3, 16, 1000])),
                "double_buffered": draw(st.booleans())} for n, ops in layout]
    homes = {op: draw(st.sampled_from(["dram"] + names)) for op in ("ifmap", "filter", "ofmap")}
    return accelsim.Hardware.model_validate({
        "name": "t", "clock_hz": 1e9,
        "array": {"rows": draw(st.integers(1, 5)), "cols": draw(st.integers(1, 5)),
                  "macs_per_pe": draw(st.integers(1, 3)),
                  "interconnect": draw(st.sampled_from(["systolic", "broadcast"]))},
        "buffers": buffers, "fifo_bytes": 1 << 30,
        "backing_memory": {"bandwidth_bytes_per_cycle": draw(st.sampled_from([0.25, 1, 2.5, 8, 64])),
                           "latency_cycles": draw(st.sampled_from([0, 1, 7, 50]))},
        "homes": homes,
    })


@st.composite
def mappings(draw, shape):
    rows, cols = draw(axes())
    tiles = {k: draw(st.integers(1, shape.dim(k.upper()))) for k in "gnmcpq"}
    return ResolvedMapping(draw(st.sampled_from(ORDERS)), draw(st.sampled_from(["os", "ws", "is"])), rows, cols,
                           tiles)


def both(shape, hw, rm):
    plan = plan_storage(shape, hw)
    k = kernel_as_dict(conv_layer_cost(*kernel_args(shape, hw, rm, plan)))
    n = naive_conv_cost(shape, hw, rm, plan)
    return k, n
