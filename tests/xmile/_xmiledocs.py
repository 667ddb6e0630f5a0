"""Small XMILE documents for the XMILE tests (a module of its own: test files import it)."""
from __future__ import annotations

HEADER = ('<?xml version="1.0" encoding="utf-8"?>\n'
          '<xmile version="1.0" xmlns="http://docs.oasis-open.org/xmile/ns/XMILE/v1.0">\n'
          '<header><vendor>tests</vendor><product version="1">tests</product></header>\n')


def xmile_text(variables: str, *, start=0, stop=4, dt=1, method=None, top: str = "",
               model_extra: str = "") -> str:
    """An XMILE 1.0 document holding ``variables`` (XML of <stock>, <flow>, <aux>...)."""
    m = f' method="{method}"' if method else ""
    return (HEADER + f"<sim_specs{m}><start>{start}</start><stop>{stop}</stop><dt>{dt}</dt></sim_specs>\n"
            + top + f"<model>{model_extra}<variables>\n{variables}\n</variables></model>\n</xmile>\n")
