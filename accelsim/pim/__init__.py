"""The ReRAM PIM back-end: crossbar mapping counts (accelsim.kernels.pim_mapping), per-layer cost and
energy (cost), chip peak figures and area (chip), layer placement (placement) and the hybrid
digital + PIM run that ``accelsim.simulate`` uses when the hardware has a ``pim`` section (hybrid).
docs/pim.md has the model and a worked example."""
