"""Models: a Vensim or XMILE file, PySD's translation of it, and its metadata sidecar (what is city-specific).

``load.py`` finds, translates (cached) and checks a model; ``model.py`` holds the frozen records;
``sidecar.py`` the schema of ``<name>.meta.yaml``; ``parse.py`` reads a model file, the one place
that does (its format from its content, PySD's abstract model, once per file); ``xmile.py`` the
safe reading of XMILE; ``source.py`` where each element is written (its line and group);
``structure.py`` the model as a graph of sectors, stocks, flows and links; ``export.py`` writes a model as
XMILE 1.0; ``checks/`` the static model checks (units, structure lint) and their findings.
"""
from .load import bundled_models_dir, bundled_scenarios_dir, cache_dir, load_model, resolve_model_path
from .model import Indicator, Lever, Model, Shock, Variable
from .sidecar import FocusArea, Label, Sidecar

__all__ = ["Model", "Variable", "Lever", "Indicator", "Shock", "Label", "FocusArea", "Sidecar", "load_model",
           "resolve_model_path", "cache_dir", "bundled_models_dir", "bundled_scenarios_dir"]
