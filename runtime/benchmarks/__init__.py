"""Benchmarks for `statewright bench`: each module has `run(...) -> dict`, printing its numbers."""
