"""The live workshop page: move a lever, switch a programme, watch the next ten years answer.

``state.py`` holds the records (the room's choice, the view), ``session.py`` the framework-free
core (state -> validated scenario -> the runner -> view), ``files.py`` what the page may read and
write in its scenario folder, ``app.py`` the Panel page over it (optional extra ``cityfutures[dashboard]``).
"""
from .files import SESSIONS
from .session import Dashboard, open_dashboard
from .state import DashboardState, View

__all__ = ["Dashboard", "DashboardState", "View", "open_dashboard", "SESSIONS"]
