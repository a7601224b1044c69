"""Layers, networks and their loaders."""
