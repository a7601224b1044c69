"""Mappings as data: loop orders, spatial unrolling, stationarity, tiles."""
