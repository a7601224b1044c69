"""Write notebooks/*.ipynb (outputs stripped) from the cells below: ``python tools/gen_notebooks.py``.

Every notebook honours ``ACCELSIM_SMALL=1`` (smaller networks and sweeps) so the test suite can
execute them all in a few minutes (tests/test_notebooks.py).
"""

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

OUT = Path(__file__).resolve().parents[1] / "notebooks"
SMALL = "import os\nSMALL = os.environ.get('ACCELSIM_SMALL') == '1'  # the test suite runs a smaller version"

NOTEBOOKS = {
    "01_quickstart": [
        new_markdown_cell("# accelsim quick start\nLoad a hardware config and a network, simulate, read the "
                          "per-layer table and the summary, and plot where cycles and energy go."),
        new_code_cell(SMALL + "\nimport matplotlib\nmatplotlib.use('Agg')\nimport accelsim\nfrom accelsim import report"),
        new_code_cell("hw = accelsim.load_hardware('edge')\nnet = accelsim.load_workload('resnet18' if SMALL else "
                      "'resnet50')\nres = accelsim.simulate(hw, net)\n"
                      "res.layers[['layer', 'kind', 'macs', 'cycles', 'stall_cycles', 'utilization', 'dram_bytes', "
                      "'energy_pj', 'mapping']].head(12)"),
        new_code_cell("{k: res.summary[k] for k in ('macs', 'cycles', 'latency_per_inference_s', "
                      "'throughput_inferences_per_s', 'pj_per_mac', 'tops_per_w', 'area_mm2')}"),
        new_code_cell("assert res.summary['macs'] == res.layers['macs'].sum()\n"
                      "ax = report.plot_cycles(res.layers)\nax.figure"),
        new_code_cell("ax = report.plot_energy_breakdown(res.layers)\nax.figure"),
    ],
    "02_dataflows_ir_or_wr": [
        new_markdown_cell("# IR, OR and WR, for students\nFirst one small layer worked through (the numbers of "
                          "docs/worked_examples.md), then a ResNet block: which dataflow wins where, and why."),
        new_code_cell(SMALL + "\nimport pandas as pd\nimport accelsim\nfrom accelsim.compare import compare"),
        new_markdown_cell("## A small layer: 4 -> 4 channels, 4x4 input, 3x3 kernel, tiles m2 c2 p2 q4\n"
                          "Same tiles, three loop orders. OR writes each output once; WR reads each weight once; "
                          "IR reads each input tile once but spills partial sums."),
        new_code_cell("hw = {'name': 'tiny', 'clock_hz': 1e9, 'array': {'rows': 2, 'cols': 2},\n"
                      "      'precision': {'input_bits': 8, 'weight_bits': 8, 'psum_bits': 16, 'output_bits': 8},\n"
                      "      'buffers': [{'name': 'glb', 'operands': ['ifmap', 'filter', 'ofmap'], "
                      "'size_bytes': 1 << 20, 'bandwidth_bytes_per_cycle': 1000}],\n"
                      "      'backing_memory': {'bandwidth_bytes_per_cycle': 4}, 'stationarity': 'ws'}\n"
                      "net = accelsim.Network(name='one', layers=[accelsim.ConvLayer(name='conv', in_channels=4, "
                      "out_channels=4, in_h=4, in_w=4, kernel=3, padding=1)])\n"
                      "tiles = {'g': 1, 'n': 1, 'm': 2, 'c': 2, 'p': 2, 'q': 4}\n"
                      "rows = []\nfor df in ('ir', 'or', 'wr'):\n"
                      "    r = accelsim.simulate(hw, net, mapping={'default': {'dataflow': df, 'tiles': tiles}})"
                      ".layers.iloc[0]\n"
                      "    rows.append({'dataflow': df, **r[['dram_reads_ifmap', 'dram_reads_filter', "
                      "'dram_reads_ofmap', 'dram_writes_ofmap', 'dram_bytes', 'cycles']].to_dict()})\n"
                      "table = pd.DataFrame(rows).set_index('dataflow')\ntable"),
        new_code_cell("# the hand calculation in docs/worked_examples.md\n"
                      "assert list(table['dram_bytes']) == [704, 544, 656]\nassert set(table['cycles']) == {883}"),
        new_markdown_cell("## A ResNet block on the Eyeriss-like design\nEach dataflow gets its own best tiles, "
                          "so the verdict is about the dataflow, not the tiler."),
        new_code_cell("net = 'resnet18' if SMALL else 'resnet50'\n"
                      "cmp = compare('eyeriss_like', net, ['ir', 'or', 'wr'], ['ws'])\n"
                      "block = cmp.layers[cmp.layers['layer'].str.startswith('layer1.0')]\n"
                      "pd.set_option('display.max_colwidth', 200)\nblock[['layer', 'winner', 'why']]"),
        new_code_cell("cmp.variants, cmp.why"),
    ],
    "03_pe_buffer_sweeps": [
        new_markdown_cell("# PE-array size x buffer size, for architects\nA grid over array size and scratchpad "
                          "size on ResNet-50 and MobileNetV2, its Pareto front and heat maps."),
        new_code_cell(SMALL + "\nimport tempfile\nimport matplotlib\nmatplotlib.use('Agg')\n"
                      "from accelsim.sweep import run_sweep, pareto_front\nfrom accelsim import report"),
        new_code_cell("spec = {'name': 'pe_x_buffer', 'base': 'edge', 'tiling': 'heuristic',\n"
                      "        'workloads': ['mobilenet_v1'] if SMALL else ['resnet50', 'mobilenet_v2'],\n"
                      "        'axes': {'array.rows': [8, 16] if SMALL else [8, 16, 32, 64],\n"
                      "                 'array.cols': [8, 16] if SMALL else [8, 16, 32, 64],\n"
                      "                 'buffers[spad].size_bytes': [65536, 1048576] if SMALL else "
                      "[65536, 262144, 1048576, 4194304]},\n"
                      "        'objectives': ['latency', 'energy']}\n"
                      "df = run_sweep(spec, tempfile.mkdtemp(), workers=1, quiet=True)\n"
                      "df[['array.rows', 'array.cols', 'buffers[spad].size_bytes', 'workload', 'latency_s', "
                      "'energy_pj', 'area_mm2']].head()"),
        new_code_cell("w = df['workload'].iloc[0]\nfront = pareto_front(df[df['workload'] == w], "
                      "['latency_s', 'energy_pj'])\nfront[['array.rows', 'array.cols', 'buffers[spad].size_bytes', "
                      "'latency_s', 'energy_pj']]"),
        new_code_cell("ax = report.plot_sweep(df[df['workload'] == w])\nax.figure"),
        new_code_cell("ax = report.plot_heatmap(df[df['workload'] == w], 'array.rows', 'array.cols', "
                      "'latency_s')\nax.figure"),
    ],
    "04_scalesim_parity": [
        new_markdown_cell("# Same files, same numbers as SCALE-Sim\nSCALE-Sim's own .cfg and topology files run "
                          "directly; `--timing scalesim` reproduces scalesim 3.0.0's compute cycles, SRAM counts "
                          "and mapping efficiency (docs/scalesim_parity.md). Speed is compared with the times "
                          "recorded when the golden data was produced; live when scalesim is installed."),
        new_code_cell(SMALL + "\nimport time\nfrom pathlib import Path\nimport pandas as pd\nimport accelsim\n"
                      "DATA = Path('..') / 'tests' / 'data' / 'scalesim'\n"
                      "ref = pd.read_csv(DATA / 'reference_small.csv')"),
        new_code_cell("rows = []\nfor cfg, grp in ref.groupby('config'):\n"
                      "    hw = accelsim.load_hardware(DATA / 'configs' / f'{cfg}.cfg')\n"
                      "    t = time.perf_counter()\n"
                      "    got = accelsim.simulate(hw, DATA / 'topologies' / 'small_layers.csv', timing='scalesim')"
                      ".layers.set_index('layer')\n"
                      "    dt = time.perf_counter() - t\n"
                      "    same = all(got.loc[r.layer_name, 'compute_cycles'] == r.compute_cycles for r in "
                      "grp.itertuples())\n"
                      "    rows.append({'config': cfg, 'cycles equal': same, 'accelsim s': dt, "
                      "'scalesim s (recorded)': grp['wall_s'].sum()})\n"
                      "table = pd.DataFrame(rows)\ntable['speed-up'] = table['scalesim s (recorded)'] / "
                      "table['accelsim s']\ntable"),
        new_code_cell("assert table['cycles equal'].all()"),
        new_markdown_cell("## Live, when scalesim is installed\nRuns scalesim 3.0.0 on the first config and the "
                          "same topology, times it, and compares its compute cycles (`Total Cycles` of its "
                          "COMPUTE_REPORT.csv) with accelsim's, layer by layer."),
        new_code_cell("import importlib.util, tempfile\n"
                      "if importlib.util.find_spec('scalesim') is None:\n"
                      "    print('scalesim not installed: speed-up against its recorded times above')\n"
                      "else:\n"
                      "    from scalesim.scale_sim import scalesim\n"
                      "    cfg = DATA / 'configs' / f\"{table['config'][0]}.cfg\"\n"
                      "    topo = DATA / 'topologies' / 'small_layers.csv'\n"
                      "    with tempfile.TemporaryDirectory() as d:\n"
                      "        layout = Path(d) / 'no_layout.csv'\n"
                      "        layout.write_text('Layer name, (layout header only)\\n')\n"
                      "        t = time.perf_counter()\n"
                      "        sim = scalesim(save_disk_space=True, verbose=False, config=str(cfg), topology=str(topo),\n"
                      "                       layout=str(layout), input_type_gemm=False)\n"
                      "        sim.run_scale(top_path=str(Path(d) / 'out'))\n"
                      "        live_s = time.perf_counter() - t\n"
                      "        report = pd.read_csv(next(Path(d).rglob('COMPUTE_REPORT.csv')), skipinitialspace=True)\n"
                      "    t = time.perf_counter()\n"
                      "    ours = accelsim.simulate(accelsim.load_hardware(cfg), topo, timing='scalesim').layers\n"
                      "    ours_s = time.perf_counter() - t\n"
                      "    assert list(report['Total Cycles']) == list(ours['compute_cycles'])\n"
                      "    print(f'scalesim {live_s:.3f} s, accelsim {ours_s:.4f} s: {live_s / ours_s:,.0f}x, "
                      "same cycles on {len(ours)} layers')"),
    ],
    "05_pim_vs_digital": [
        new_markdown_cell("# ReRAM crossbars against digital arrays\nWhen do weights held in ReRAM crossbars beat "
                          "moving them through a digital array, and what do the ADCs cost? NeuroSim's VGG-8 and "
                          "ResNet-18 on two digital designs and two PIM chips (docs/pim.md has the model)."),
        new_code_cell(SMALL + "\nimport warnings\nimport matplotlib\nmatplotlib.use('Agg')\nimport pandas as pd\n"
                      "import accelsim\nfrom accelsim import report\n"
                      "warnings.simplefilter('ignore', accelsim.errors.AccelsimWarning)"),
        new_markdown_cell("## One layer by hand\nconv2 of VGG-8 (3x3, 128 -> 128 channels, 32x32) on NeuroSim-like "
                          "crossbars: 1152 rows x (128 outputs x 8 one-bit slices) = 9 x 8 = 72 crossbars of 128x128; "
                          "1024 windows x 8 input bits x 72 crossbars = 589,824 activations."),
        new_code_cell("res = accelsim.simulate('neurosim_like', 'vgg8_cifar')\n"
                      "t = res.layers.set_index('layer')\n"
                      "conv2 = t.loc['conv2']\n"
                      "assert conv2.crossbars // conv2.duplication == 72 and conv2.array_activations == 589_824\n"
                      "t[['unit', 'macs', 'crossbars', 'duplication', 'adc_conversions', 'adc_bits_needed', "
                      "'cycles', 'energy_pj']]"),
        new_markdown_cell("Where does the energy go? On the crossbars the ADCs and the shift-and-adds after them "
                          "dominate; the cells themselves cost almost nothing."),
        new_code_cell("ax = report.plot_network_energy(res.layers)\nax.figure"),
        new_markdown_cell("## Digital against PIM\nSame networks, batch 1: energy and latency per image, and chip "
                          "area (log scales)."),
        new_code_cell("nets = ('vgg8_cifar',) if SMALL else ('vgg8_cifar', 'resnet18')\n"
                      "table = report.digital_vs_pim(nets)\ntable"),
        new_code_cell("axes = report.plot_digital_vs_pim(table)\naxes[0].figure"),
        new_markdown_cell("## The ADC trade-off\nFewer ADC bits and fewer rows read at once: NeuroSim's "
                          "published VGG-8 settings (4-bit ADC, 32 or 64 rows) against its defaults. Reading "
                          "fewer rows needs fewer ADC bits for lossless sums but converts more often."),
        new_code_cell("rows = []\nfor active in (32, 64, 128):\n    for bits in ((4, 5) if SMALL else (4, 5, 6, 8)):\n"
                      "        data = accelsim.load_hardware('neurosim_like').model_dump()\n"
                      "        data['pim']['crossbar']['rows_active'] = active\n"
                      "        data['pim']['adc']['bits'] = bits\n"
                      "        s = accelsim.simulate(accelsim.Hardware.model_validate(data), 'vgg8_cifar').summary\n"
                      "        rows.append({'rows_active': active, 'adc_bits': bits, 'adc_bits_needed': s['adc_bits_needed'],\n"
                      "                     'uJ_per_image': s['energy_pj'] * 1e-6, 'tops_per_w': s['tops_per_w'],\n"
                      "                     'area_mm2': s['area_mm2']})\n"
                      "adc = pd.DataFrame(rows)\nadc"),
        new_code_cell("# NeuroSim V1.4 manual Table VII: 11.25 (32 rows) and 19.88 (64 rows) TOPS/W at 4 bits\n"
                      "pub = adc[adc.adc_bits == 4].set_index('rows_active').tops_per_w\n"
                      "assert 11.25 / 2 <= pub[32] <= 11.25 * 2 and 19.88 / 2 <= pub[64] <= 19.88 * 2\npub"),
    ],
}


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for name, cells in NOTEBOOKS.items():
        for i, cell in enumerate(cells):  # stable ids: regenerating leaves unchanged cells unchanged in git
            cell["id"] = f"{name[:2]}-{i:02d}"
        nb = new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                                "language": "python"}})
        nbformat.write(nb, OUT / f"{name}.ipynb")
        print("wrote", name)


if __name__ == "__main__":
    main()
