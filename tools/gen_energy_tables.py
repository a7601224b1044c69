"""Write accelsim/energy/tables/*.yaml from the sourced reference data.

Run: ``python tools/gen_energy_tables.py [--shared ../shared/reference]``.

* ``hwc65``, ``hwc45``, ``hwc22``: per-action energies and areas queried from the ``hwcomponents``
  1.0.x packages (CACTI SRAMs, Aladdin MACs and registers, DRAM kinds), as recorded in
  ``energy/energy_per_action.csv``. hwcomponents' SRAM ``size`` is in bits (an 8192-bit, 64-bit wide
  SRAM is 7,512 um2 at 65 nm, i.e. 1 KiB); written here as bytes.
* ``horowitz45``: Horowitz, ISSCC'14, 45 nm (``papers/horowitz45nm.csv``): int/fp add and multiply,
  64-bit SRAM reads of 8 KB / 32 KB / 1 MB, DRAM. Areas and leakage, which Horowitz does not give,
  come from ``hwc45`` (the table's ``base``).
* ``eyeriss_norm``: the Eyeriss normalized hierarchy MAC 1 : RF 1 : NoC 2 : buffer 6 : DRAM 200
  (``papers/eyeriss_energy_hierarchy.csv``, 16-bit words), anchored to Horowitz's 16-bit (fp16)
  MAC at 45 nm, 1.5 pJ = fp16 multiply 1.1 + fp16 add 0.4.

``tools/hwcomponents_tables.py`` queries a live hwcomponents install (Python >= 3.12, its own venv)
and runs this script on the fresh queries.
"""

import argparse
import ast
from pathlib import Path

import pandas as pd
import yaml

OUT = Path(__file__).resolve().parents[1] / "accelsim" / "energy" / "tables"
HWC_SOURCE = "hwcomponents 1.0.x (CACTI SRAM, Aladdin MAC/register, DRAM models) via shared/reference/energy/energy_per_action.csv"


def hwc(df: pd.DataFrame, node_nm: int) -> dict:
    node = node_nm * 1e-9
    attrs = df["attributes"].map(ast.literal_eval)
    at = df[attrs.map(lambda a: abs(a.get("tech_node", node) - node) < 1e-12)]
    a_at = at["attributes"].map(ast.literal_eval)

    def rows(component):
        return at[at["component"] == component], a_at[at["component"] == component]

    mac = []
    sel, aa = rows("intmac")
    for (_, r), a in zip(sel.iterrows(), aa):
        mac.append({"bits": a["multiplier_width"], "accumulator_bits": a["adder_width"], "energy_pj": r["energy_pJ"],
                    "area_um2": r["area_um2"], "leak_uw": r["leak_power_uW"]})
    sel, aa = rows("register")
    reg = sel[(aa.map(lambda a: a["width"]) == 16) & (sel["action"] == "read")].iloc[0]
    sram = []
    sel, aa = rows("sram")
    for size in sorted({a["size"] for a in aa}):
        pick = sel[aa.map(lambda a: a["size"]) == size]
        rd = pick[pick["action"] == "read"].iloc[0]
        wr = pick[pick["action"] == "write"].iloc[0]
        sram.append({"size_bytes": int(size) // 8, "read_pj": rd["energy_pJ"], "write_pj": wr["energy_pJ"],
                     "area_um2": rd["area_um2"], "leak_uw": rd["leak_power_uW"]})
    dram = {}
    for kind in ("lpddr4", "lpddr", "ddr3", "hbm2"):
        r = df[df["component"] == kind].iloc[0]
        dram[kind] = float(r["energy_pJ_per_bit"])
    dram["dram"] = dram["lpddr4"]  # a generic 'dram' kind is taken as LPDDR4
    return {
        "name": f"hwc{node_nm}", "technology_nm": node_nm, "source": HWC_SOURCE,
        "mac": mac,
        "register_pj_per_bit": float(reg["energy_pJ_per_bit"]),
        "register_area_um2_per_bit": float(reg["area_um2"] / 16),
        "noc_pj_per_bit_hop": float(reg["energy_pJ_per_bit"]),
        "noc_note": "a hop is a write into the next PE's pipeline register: the register energy per bit",
        "sram_width_bits": 64,
        "sram": sram,
        "dram_pj_per_bit": dram,
    }


def horowitz(csv: Path) -> dict:
    h = pd.read_csv(csv)

    def e(op, bits):
        return float(h[(h.operation == op) & (h.operand_bits == bits)].energy_pJ.iloc[0])

    return {
        "name": "horowitz45", "technology_nm": 45, "base": "hwc45",
        "source": "Horowitz, ISSCC'14, 45 nm 0.9 V (shared/reference/papers/horowitz45nm.csv); areas, leakage, "
                  "registers and NoC from hwc45",
        "mac": [
            {"bits": 8, "accumulator_bits": 32, "energy_pj": e("int_mult", 8) + e("int_add", 32),
             "note": "8-bit int multiply 0.2 + 32-bit add 0.1"},
            {"bits": 16, "accumulator_bits": 16, "energy_pj": e("fp_mult", 16) + e("fp_add", 16),
             "note": "fp16 multiply 1.1 + fp16 add 0.4 (Horowitz has no 16-bit int multiply)"},
            {"bits": 32, "accumulator_bits": 32, "energy_pj": e("int_mult", 32) + e("int_add", 32),
             "note": "32-bit int multiply 3.1 + 32-bit add 0.1"},
        ],
        "sram_width_bits": 64,
        "sram": [{"size_bytes": 8192, "read_pj": 10.0, "write_pj": 10.0}, {"size_bytes": 32768, "read_pj": 20.0,
                                                                            "write_pj": 20.0},
                 {"size_bytes": 1 << 20, "read_pj": 100.0, "write_pj": 100.0}],
        "sram_note": "64-bit reads of 8 KB, 32 KB, 1 MB SRAMs; writes taken equal to reads",
        "dram_pj_per_bit": {"dram": 640.0 / 32, "ddr3": 640.0 / 32, "lpddr4": 640.0 / 32},
        "dram_note": "640 pJ per 32-bit DRAM read (lower end of Horowitz's 1.3-2.6 nJ per 64 bits)",
    }


def eyeriss() -> dict:
    mac16 = 1.5  # Horowitz fp16 multiply + add, 45 nm
    word = 16
    return {
        "name": "eyeriss_norm", "technology_nm": 45, "base": "hwc45",
        "source": "Eyeriss ISCA'16 Table IV normalized energies MAC 1 : RF 1 : NoC 2 : buffer 6 : DRAM 200 "
                  "(shared/reference/papers/eyeriss_energy_hierarchy.csv), per 16-bit access, anchored to "
                  "Horowitz's 16-bit MAC at 45 nm (1.5 pJ); areas and leakage from hwc45",
        "mac": [{"bits": 16, "accumulator_bits": 16, "energy_pj": mac16}],
        "register_pj_per_bit": mac16 * 1 / word,
        "noc_pj_per_bit_hop": mac16 * 2 / word,
        "sram_width_bits": word,
        "sram": [{"size_bytes": 1, "read_pj": mac16 * 6, "write_pj": mac16 * 6}],
        "sram_note": "one normalized cost (6x MAC per 16-bit access) for every buffer size",
        "dram_pj_per_bit": {"dram": mac16 * 200 / word, "ddr3": mac16 * 200 / word, "lpddr4": mac16 * 200 / word,
                            "ddr": mac16 * 200 / word},
    }


def plain(obj):
    """numpy scalars -> Python numbers (YAML writes only plain types)."""
    if isinstance(obj, dict):
        return {k: plain(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [plain(v) for v in obj]
    if hasattr(obj, "item"):
        return obj.item()
    return obj


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=str(Path(__file__).resolve().parents[2] / "shared" / "reference"))
    ap.add_argument("--csv", help="hwcomponents queries (default: the shared reference's energy_per_action.csv; "
                                  "tools/hwcomponents_tables.py writes a fresh one)")
    args = ap.parse_args()
    ref = Path(args.shared)
    df = pd.read_csv(args.csv or ref / "energy" / "energy_per_action.csv")
    OUT.mkdir(parents=True, exist_ok=True)
    for table in [hwc(df, 65), hwc(df, 45), hwc(df, 22), horowitz(ref / "papers" / "horowitz45nm.csv"), eyeriss()]:
        text = f"# {table['name']}: generated by tools/gen_energy_tables.py - edit that script, not this file.\n"
        (OUT / f"{table['name']}.yaml").write_text(text + yaml.safe_dump(plain(table), sort_keys=False))
        print("wrote", table["name"])


if __name__ == "__main__":
    main()
