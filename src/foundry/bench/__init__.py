"""Benchmarks (`foundry bench …`): numbers beside a baseline measured in the same run."""
