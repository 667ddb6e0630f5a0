"""The live workshop page: move a lever, switch a programme, watch the next ten years answer.

:mod:`cityfutures.dashboard.state` is the framework-free core (state -> validated scenario ->
batch run -> view, saving and exporting files); :mod:`cityfutures.dashboard.app` is the
Panel page over it (optional extra ``cityfutures[dashboard]``).
"""
from .state import Dashboard, DashboardState, View, open_dashboard

__all__ = ["Dashboard", "DashboardState", "View", "open_dashboard"]
