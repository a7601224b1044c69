"""The ReRAM PIM back-end: crossbar mapping counts (accelsim.kernels.pim_mapping), per-layer cost, energy
and the chip's peak figures (cost), activation time, area and static parts (chip), layer placement
(placement), and the hybrid digital + PIM run and summary that ``accelsim.simulate`` uses when the hardware
has a ``pim`` section (hybrid). docs/pim.md has the model and a worked example."""
