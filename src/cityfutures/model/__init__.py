"""Models: a Vensim file, PySD's translation of it, and its metadata sidecar."""
from .load import (Indicator, Label, Lever, Model, Shock, Variable, bundled_models_dir, cache_dir, load_model,
                   resolve_model_path)

__all__ = ["Model", "Variable", "Lever", "Indicator", "Shock", "Label", "load_model", "resolve_model_path",
           "cache_dir", "bundled_models_dir"]
