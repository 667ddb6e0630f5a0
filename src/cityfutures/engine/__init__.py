"""Engines: run a model for N parameter sets (batch, PySD), executors and the chunk runner."""
