"""Placeholder module: filled in by its family owner."""

__all__: list[str] = []
