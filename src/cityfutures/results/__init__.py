"""Results with units and provenance: build, save and load."""
from .dataset import build_results, load_results, save_results

__all__ = ["build_results", "save_results", "load_results"]
