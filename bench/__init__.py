"""Benchmarks: speed and memory of the studio's engines, measured against a baseline in
the same run (``python -m bench``; see bench/README.md)."""
