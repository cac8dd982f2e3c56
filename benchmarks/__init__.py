"""Benchmarks: speed and memory figures of the twin (`make bench`)."""
