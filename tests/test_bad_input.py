"""The bad-input corpus (tests/bad_inputs/): a clear error naming file and field, never a traceback."""

import subprocess
import sys
from pathlib import Path

import pytest

import accelsim
from accelsim.errors import AccelsimError, CapacityError
from accelsim.mapping.mapping import load_mapping

BAD = Path(__file__).parent / "bad_inputs"
# file -> fragments the message must contain (the field path, or what is wrong)
EXPECTED = {
    "hw_wrong_type_rows.yaml": ["array.rows", "sixteen"],
    "hw_zero_rows.yaml": ["array.rows", "greater than or equal to 1"],
    "hw_negative_cols.yaml": ["array.cols", "-4"],
    "hw_float_rows.yaml": ["array.rows", "4.5"],
    "hw_unknown_key.yaml": ["clok_hz", "unknown field"],
    "hw_unknown_nested_key.yaml": ["array.colz", "unknown field"],
    "hw_missing_clock.yaml": ["clock_hz", "missing"],
    "hw_missing_array.yaml": ["array", "missing"],
    "hw_unknown_dataflow.yaml": ["dataflow", "'ir', 'or' or 'wr'"],
    "hw_unknown_stationarity.yaml": ["stationarity", "'os', 'ws' or 'is'"],
    "hw_huge_rows.yaml": ["array.rows", "less than or equal to 4096"],
    "hw_huge_buffer.yaml": ["buffers[0].size_bytes"],
    "hw_zero_bandwidth.yaml": ["backing_memory.bandwidth_bytes_per_cycle", "greater than 0"],
    "hw_negative_latency.yaml": ["backing_memory.latency_cycles"],
    "hw_bad_operand.yaml": ["buffers[0].operands[1]", "weights"],
    "hw_duplicate_buffer_names.yaml": ["unique", "glb"],
    "hw_operand_two_buffers.yaml": ["'filter'", "more than one buffer"],
    "hw_bad_home.yaml": ["homes.ifmap", "l2"],
    "hw_dram_buffer_name.yaml": ["'dram' is reserved"],
    "hw_bits_zero.yaml": ["precision.input_bits"],
    "hw_bits_string.yaml": ["precision.weight_bits", "eight"],
    "hw_bad_interconnect.yaml": ["array.interconnect", "mesh"],
    "hw_list_toplevel.yaml": ["top level must be a mapping"],
    "hw_scalar.yaml": ["top level must be a mapping"],
    "hw_empty.yaml": ["file is empty"],
    "hw_whitespace.yaml": ["file is empty"],
    "hw_syntax_error.yaml": ["YAML syntax error", "line"],
    "hw_tab_indent.yaml": ["YAML syntax error", "line 3"],
    "hw_alias_bomb.yaml": ["alias bomb"],
    "hw_bad_name.yaml": ["name", "has spaces!"],
    "hw_nan_clock.yaml": ["clock_hz", "finite number"],
    "hw_inf_bandwidth.yaml": ["backing_memory.bandwidth_bytes_per_cycle", "finite number"],
    "hw_buffers_not_list.yaml": ["buffers", "list"],
    "hw_binary.yaml": ["binary file"],
    "hw_latin1.yaml": ["not UTF-8"],
    "hw_pim_rows_active.yaml": ["pim.crossbar", "rows_active = 200 exceeds rows = 128", "1..128"],
    "hw_pim_adc_columns.yaml": ["pim", "columns_per_adc = 256 exceeds crossbar.cols = 128"],
    "hw_pim_cell_bits.yaml": ["pim.crossbar.cell_bits", "greater than or equal to 1"],
    "hw_pim_signed.yaml": ["pim.signed_weights", "twos_complement"],
    "hw_pim_unknown_key.yaml": ["pim.adc.resolution", "unknown field"],
    "hw_pim_adc_energy.yaml": ["pim.adc", "finite value > 0"],
    "wl_kernel_too_big.yaml": ["layers[0]", "larger than the padded input"],
    "wl_groups_not_dividing.yaml": ["layers[0]", "groups=3"],
    "wl_unknown_kind.yaml": ["layers[0]", "lstm"],
    "wl_missing_in_channels.yaml": ["layers[0]", "in_channels", "missing"],
    "wl_zero_stride.yaml": ["layers[0]", "stride"],
    "wl_negative_padding.yaml": ["layers[0]", "padding"],
    "wl_duplicate_names.yaml": ["'c1'", "used twice"],
    "wl_empty_layers.yaml": ["layers", "at least 1"],
    "wl_string_batch.yaml": ["batch", "many"],
    "wl_huge_channels.yaml": ["layers[0]", "in_channels", "less than or equal to"],
    "wl_unknown_layer_key.yaml": ["layers[0]", "kernal", "unknown field"],
    "wl_fc_zero.yaml": ["layers[0]", "out_features"],
    "wl_gemm_bad_dynamic.yaml": ["layers[0]", "dynamic", "maybe"],
    "wl_pool_too_big.yaml": ["layers[0]", "larger than the padded input"],
    "wl_layers_not_list.yaml": ["layers", "list"],
    "map_bad_dataflow.yaml": ["default.dataflow", "xyz"],
    "map_mixed_axes.yaml": ["default", "mixes dimension classes"],
    "map_tiles_zero.yaml": ["default.tiles.m"],
    "map_unknown_dim.yaml": ["default.rows[0]", "Z"],
    "map_unknown_key.yaml": ["default.tile", "unknown field"],
}


def _load(path: Path):
    if path.name.startswith("wl_"):
        return accelsim.load_workload(path)
    if path.name.startswith("map_"):
        return load_mapping(path)
    return accelsim.load_hardware(path)


def test_corpus_is_complete():
    files = sorted(p.name for p in BAD.iterdir())
    assert len(files) >= 40
    assert set(files) == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_file_gives_clear_error(name):
    path = BAD / name
    with pytest.raises(AccelsimError) as info:
        _load(path)
    msg = str(info.value)
    assert str(path) in msg, msg  # names the file
    for fragment in EXPECTED[name]:
        assert fragment in msg, (fragment, msg)


def test_an_operand_listed_twice_by_one_buffer_is_not_staged_twice():
    """The buffer checks' fast path (sets) falls back to naming the holders only when two buffers stage
    an operand; one buffer repeating it is still accepted, and two holders are still named."""
    base = accelsim.load_hardware("edge").model_dump()
    spad = base["buffers"][0]
    twice = {**base, "buffers": [{**spad, "operands": ["ifmap", "filter", "ifmap"]}, base["buffers"][1]]}
    assert accelsim.Hardware.model_validate(twice).staging_buffer("ifmap").name == "spad"
    both = {**base, "buffers": [spad, {**base["buffers"][1], "operands": ["ofmap", "filter"]}]}
    with pytest.raises(Exception, match=r"operand 'filter' is staged by more than one buffer: \['spad', 'acc'\]"):
        accelsim.Hardware.model_validate(both)


@pytest.mark.parametrize("load", [accelsim.load_hardware, accelsim.load_workload])
def test_names_the_os_cannot_look_up(load, tmp_path):
    """A name too long for the file system (os.stat raises ENAMETOOLONG, which Path.exists does not
    swallow) was a traceback: as a bare name it is no shipped one, as a path it cannot be read."""
    with pytest.raises(AccelsimError, match="no such file and no shipped"):
        load("x" * 300)
    with pytest.raises(AccelsimError, match="cannot read: File name too long"):
        load(tmp_path / ("x" * 300 + ".yaml"))
    with pytest.raises(AccelsimError, match="is a directory"):
        load(tmp_path)


def test_cli_commands_take_names_the_os_cannot_look_up(tmp_path):
    from typer.testing import CliRunner

    from accelsim.cli import app

    long = str(tmp_path / ("x" * 300))
    for args, message in [(["validate", long + ".yaml"], "cannot read: File name too long"),
                          (["import", long, "-o", str(tmp_path / "a.yaml")], "cannot read: File name too long"),
                          (["plot", long + ".csv", "-k", "cycles", "-o", str(tmp_path / "f.png")], "file not found"),
                          (["pareto", long], "no sweep results")]:
        res = CliRunner().invoke(app, args)
        assert res.exit_code == 2 and isinstance(res.exception, SystemExit), (args[0], res.output)
        assert message in " ".join(res.output.split()), (args[0], res.output)  # rich wraps long lines


@pytest.mark.parametrize("missing", ["does/not/exist.yaml", "nope.yaml"])
def test_missing_file(missing):
    with pytest.raises(AccelsimError, match="file not found"):
        accelsim.load_hardware(missing)


def test_directory_is_not_a_file(tmp_path):
    with pytest.raises(AccelsimError, match="is a directory"):
        accelsim.load_workload(tmp_path / "")


def test_cli_validate_exits_2_without_traceback():
    files = [str(BAD / n) for n in sorted(EXPECTED) if not n.startswith("map_")][:12]
    proc = subprocess.run([sys.executable, "-m", "accelsim", "validate", *files], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr + proc.stdout
    assert proc.stderr.count("invalid") == len(files)


def test_cli_run_bad_hardware_exits_2():
    proc = subprocess.run([sys.executable, "-m", "accelsim", "run", str(BAD / "hw_zero_rows.yaml"), "resnet18"],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert "array.rows" in proc.stderr and "Traceback" not in proc.stderr


def test_layer_that_cannot_fit_names_buffer_and_smallest_size():
    hw = accelsim.load_hardware("edge").model_dump()
    hw["buffers"][0]["size_bytes"] = 64  # far too small for any 3x3 input tile with halo
    net = accelsim.load_workload("resnet18")
    with pytest.raises(CapacityError) as info:
        accelsim.simulate(hw, net)
    msg = str(info.value)
    assert "layer 'conv1'" in msg and "'spad'" in msg and "buffers[spad].size_bytes >=" in msg
    # the suggested size really is enough for the smallest tiles
    need = int(msg.split("buffers[spad].size_bytes >= ")[1].split()[0].rstrip(";"))
    hw["buffers"][0]["size_bytes"] = need
    hw["buffers"][0]["double_buffered"] = True
    accelsim.simulate(hw, accelsim.Network(name="one", layers=[net.layers[0]]),
                      mapping={"default": {"tiles": {"g": 1, "n": 1, "m": 1, "c": 1, "p": 1, "q": 1}}})


def test_mapping_tiles_that_do_not_fit_are_rejected():
    hw = accelsim.load_hardware("edge")
    with pytest.raises(CapacityError, match="layer 'conv1' does not fit with the mapping's tiles"):
        accelsim.simulate(hw, "resnet18", mapping={"layers": {"conv1": {"tiles": {
            "g": 1, "n": 1, "m": 64, "c": 3, "p": 112, "q": 112}}}})
