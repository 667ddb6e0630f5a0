"""``cityfutures dashboard``: the live workshop page on this computer (needs ``cityfutures[dashboard]``)."""
from __future__ import annotations

import argparse
import sys

from ..errors import InputError
from .options import positive_int

MAX_SESSIONS_HELP = 20   # shown in --help; the limit itself is dashboard.guard.MAX_SESSIONS (a test keeps them equal)

EXAMPLES = """examples:
  cityfutures dashboard                               # scenarios/ of the current folder, http://127.0.0.1:5006/
  cityfutures dashboard --scenarios scenarios --port 5007 --lang id
  cityfutures dashboard --scenarios workshop/ --comparison workshop-2018.yaml

The page listens on 127.0.0.1 only (this computer), needs no internet, and reads and writes only
inside the scenario folder: saved configurations go to <folder>/sessions/NAME.yaml, which
'cityfutures run' runs unchanged, and the session exports as a comparison for 'cityfutures compare'.
It answers requests addressed to itself only (Host and Origin checked for every request, as for
the websocket; --allow-origin adds an address) and holds at most --max-sessions tabs at once.
Stop it with Ctrl+C.
"""


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"port must be a whole number, got {text!r}") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port must be between 1 and 65535, got {port}")
    return port


def register(subparsers) -> None:
    p = subparsers.add_parser("dashboard", help="serve the live workshop page (sliders, switches, scorecard)",
                              description="Serve the workshop page on this computer: a slider per lever, a "
                              "switch per programme, bundle and shock; the five focus areas, the scorecard "
                              "and the cost answer every change. Needs the optional extra: "
                              "pip install 'cityfutures[dashboard]'.",
                              epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--port", type=_port, default=5006, help="port to listen on (default 5006)")
    p.add_argument("--scenarios", default=None, metavar="DIR",
                   help="the scenario folder: its comparison file, scenarios and shock scenarios "
                   "(default ./scenarios, else the bundled Jakarta scenarios)")
    p.add_argument("--comparison", default=None, metavar="FILE",
                   help="the comparison file inside DIR, when the folder holds more than one")
    p.add_argument("--lang", choices=("en", "id"), default="en", help="first language of the page (default en)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1, this computer only); another address "
                   "opens the page to the network")
    p.add_argument("--allow-origin", action="append", default=[], metavar="HOST[:PORT]",
                   help="another address the page answers to (a name it is reached by, behind a proxy or on the "
                   "network); repeatable. Requests addressed otherwise are refused")
    p.add_argument("--max-sessions", type=positive_int, default=None, metavar="N",
                   help=f"most tabs open at once (default {MAX_SESSIONS_HELP}); a further tab is refused")
    p.add_argument("--show", action="store_true", help="open the page in the default browser")
    p.set_defaults(func=run)


def default_folder():
    """``./scenarios`` when there is one, else the bundled scenarios of the installation (from any folder)."""
    from pathlib import Path

    from ..model import bundled_scenarios_dir
    here = Path("scenarios")
    if here.is_dir():
        return here
    return bundled_scenarios_dir() or here


def run(args) -> int:
    from ..dashboard.app import require_panel, serve
    from ..dashboard.guard import LOOPBACK, MAX_SESSIONS
    require_panel()          # one line naming the extra, exit code 2, before any model is loaded
    if args.host not in LOOPBACK:
        print(f"warning: listening on {args.host}: anyone who can reach this address can use the page",
              file=sys.stderr, flush=True)

    def ready(url, core):
        print(f"cityfutures dashboard: {url} (comparison {core.comparison.name}, scenario folder {core.root}; "
              "Ctrl+C to stop)", flush=True)

    folder = args.scenarios if args.scenarios is not None else default_folder()
    try:
        serve(folder, port=args.port, host=args.host, comparison=args.comparison, lang=args.lang,
              show=args.show, ready=ready, allow_origin=args.allow_origin,
              max_sessions=args.max_sessions or MAX_SESSIONS)
    except OSError as exc:     # the port is taken, or the address is not this computer's
        raise InputError(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}",
                         path="<command line>", field="--port", allowed="a free port, e.g. --port 5007") from None
    return 0
