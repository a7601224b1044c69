"""Frozen pydantic descriptions of hardware, and safe YAML loading."""
