"""XMILE models (Stella's ``.stmx``, ``.xmile``, ``.xml``): read safely into PySD's abstract model.

An XMILE file is parsed here once, with entity expansion, DTD loading and network access
off (lxml with ``resolve_entities=False``, ``no_network=True``, ``load_dtd=False``); a file
that declares a ``<!DOCTYPE>`` (the carrier of entity bombs and external entities) is
refused. PySD's own XMILE translator (:mod:`pysd.translators.xmile`) then reads the parsed
tree element by element, so that an equation it cannot parse names its variable and line.
Nothing from the file is executed. Everything else reads XMILE through
:func:`cityfutures.model.parse.parse_model`, the one place a model file of either format is
read (:func:`is_xmile` is how it tells XMILE from Vensim text). PySD's modules are imported
by the functions that read a file into the abstract model, so that recognising and loading a
model whose translation is cached needs only lxml.

What PySD's translator drops or lacks is handled here, following the XMILE 1.0
specification (OASIS Standard, 14 December 2015):

- **non-negative stocks** (``<non_negative/>`` on a stock, or in a ``<behavior>`` block):
  the stock's drains are cut back so that they take no more than the stock holds plus what
  flows in during the step, in priority order (spec, "Macros Extending Building Block
  Behavior": the logic lives in the outflows; "Stocks" of the XML encoding: the order of
  the ``<outflow>`` tags is the outflow priority). PySD instead clips the stock at zero after
  each step, which breaks the stock equation (the outflows report more than left the stock).
  See :func:`non_negative_drains`;
- ``<behavior>`` inside ``<model>`` (PySD reads only the file-level block), and
  ``<sim_specs>`` inside ``<model>``;
- flow **unit-conversion multipliers** (``<multiplier>``, spec "Flows"): the downstream stock
  receives the flow times the multiplier;
- the builtins ``DT``, ``STARTTIME``, ``STOPTIME`` and ``LOG10``;
- numbered dimensions (``<dim name="X" size="3"/>``, spec "Arrays");
- ``extrapolate`` and ``discrete`` graphical functions embedded in a variable (PySD builds
  every embedded ``<gf>`` with ``np.interp``): they become named lookups;
- stocks defined element by element (``<element subscript="...">``; PySD reads the stock's
  own ``<eqn>`` for every element).

Refused with an error naming the construct and the variable (never ignored): conveyors,
queues and their leak/overflow flows, submodels (``<module>``, several ``<model>`` blocks),
macros, included files and external resources, encrypted models, data import/export,
event posters that stop a run, integration methods other than Euler and RK4, and every
function or reference PySD's builder does not know.
"""
from __future__ import annotations

import dataclasses
import math
import re
import types
from pathlib import Path

from lxml import etree

from ..errors import ModelError
from ..names import CONTROL, did_you_mean

__all__ = ["XMILE_NAMESPACE", "XMILE_SUFFIXES", "CONTROL_BUILTINS", "is_xmile", "parse_xmile", "read_xmile",
           "integration_method", "xmile_groups", "variable_nodes", "XmileModel", "non_negative_drains"]

XMILE_NAMESPACE = "http://docs.oasis-open.org/xmile/ns/XMILE/v1.0"
XMILE_SUFFIXES = (".xmile", ".xml", ".stmx")
MAX_BYTES = 64 * 2**20
"""Largest XMILE file read [bytes]: a model is text; anything bigger is refused unread."""

METHODS = {"euler": "euler", "rk4": "rk4"}
"""``<sim_specs method>`` values the engines integrate (lower case) -> engine method."""

CONTROL_BUILTINS = {"dt": "time_step", "starttime": "initial_time", "stoptime": "final_time"}
"""XMILE's builtins for the run's time settings (as PySD's reader spells them) -> PySD's names of
Vensim's control variables (:data:`cityfutures.names.CONTROL`)."""
_TIME_NAMES = {"time", *CONTROL}


@dataclasses.dataclass(frozen=True)
class XmileModel:
    """An XMILE file read into PySD's abstract model.

    Attributes
    ----------
    abstract_model : pysd AbstractModel
        Format-neutral, the same structure PySD's Vensim translator yields.
    method : {"euler", "rk4"}
        The integration method ``<sim_specs method>`` asks for.
    equations : dict
        Variable name -> its equations as the file writes them, one per definition (a stock's
        as ``INTEG(inflows - outflows, initial value)``).
    """

    abstract_model: object
    method: str
    equations: dict


# ----------------------------------------------------------------------------- safe parsing
def _parser():
    """lxml's parser with entities, DTDs and the network off.

    ``recover`` lets a file through whose only fault is an undeclared namespace prefix
    (xmutil, which converts Vensim models, writes ``isee:`` elements without declaring
    ``isee``); :func:`parse_xmile` refuses every other error the parser logs.
    """
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           dtd_validation=False, huge_tree=False, remove_pis=True,
                           remove_comments=True, recover=True)


def is_xmile(path) -> bool:
    """True when the file's root element is ``<xmile>`` (whatever its suffix).

    Only the start of the document is read, with the same safe parser as :func:`parse_xmile`.
    """
    try:
        with open(path, "rb") as fh:
            head = fh.read(1024)
            if b"<" not in head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]:
                return False
            fh.seek(0)
            events = etree.iterparse(fh, events=("start",), resolve_entities=False, no_network=True,
                                     load_dtd=False, huge_tree=False)
            for _event, element in events:
                return etree.QName(element).localname == "xmile"
    except (OSError, etree.XMLSyntaxError, ValueError):
        return False
    return False


_PROLOG_ITEM = re.compile(rb"\s*(<\?.*?\?>|<!--.*?-->)", re.S)
_ENTITY = re.compile(rb"<!ENTITY\s+(?:%\s+)?([^\s>]+)")


def _refuse_doctype(data: bytes, path: Path) -> None:
    """Refuse a ``<!DOCTYPE>`` before the root element, unparsed (entity bombs, external entities)."""
    pos = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    while True:
        m = _PROLOG_ITEM.match(data, pos)
        if not m:
            break
        pos = m.end()
    rest = data[pos:].lstrip()
    if not rest.startswith(b"<!DOCTYPE"):
        return
    head = rest[:min(len(rest), 1 << 20)]
    entities = [e.decode("utf-8", "replace") for e in _ENTITY.findall(head)]
    what = (f"declares XML entities ({', '.join(entities)})" if entities
            else "has a document type declaration (<!DOCTYPE>)")
    raise ModelError(f"the file {what}: XMILE models have none, and entity expansion and external "
                     "entities are refused", path=str(path), line=data[:data.index(b"<!DOCTYPE")].count(b"\n") + 1,
                     field="<!DOCTYPE>", allowed="an XMILE file without <!DOCTYPE> or <!ENTITY>")


def parse_xmile(path):
    """Parse an XMILE file safely; returns its root element (lxml).

    Raises
    ------
    ModelError
        The file is too big, not well-formed XML, declares a DOCTYPE (entities), or its root
        is not an ``<xmile>`` element in a default namespace.
    """
    path = Path(path)
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise ModelError(f"the file is {size / 2**20:.0f} MiB; an XMILE model is read up to "
                         f"{MAX_BYTES // 2**20} MiB", path=str(path))
    data = path.read_bytes()
    _refuse_doctype(data, path)
    parser = _parser()
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise ModelError(f"not well-formed XML: {exc.msg}", path=str(path),
                         line=exc.lineno or None) from None
    errors = [e for e in parser.error_log if e.domain_name != "NAMESPACE"
              and e.level_name in ("ERROR", "FATAL")]
    if errors or root is None:
        first = errors[0] if errors else None
        raise ModelError(f"not well-formed XML: {first.message if first else 'no root element'}",
                         path=str(path), line=first.line if first else None)
    info = root.getroottree().docinfo
    if info.doctype or info.internalDTD is not None or info.externalDTD is not None:
        dtd = info.internalDTD
        entities = [e.name for e in dtd.iterentities()] if dtd is not None else []
        what = (f"declares XML entities ({', '.join(entities)})" if entities
                else f"has a document type declaration ({info.doctype or '<!DOCTYPE>'})")
        raise ModelError(f"the file {what}: XMILE models have none, and entity expansion and "
                         "external entities are refused", path=str(path), field="<!DOCTYPE>",
                         allowed="an XMILE file without <!DOCTYPE> or <!ENTITY>")
    name = etree.QName(root)
    if name.localname != "xmile":
        raise ModelError(f"not an XMILE model: the root element is <{name.localname}>", path=str(path),
                         line=root.sourceline, allowed="<xmile> (XMILE 1.0)")
    if name.namespace is None or root.nsmap.get(None) != name.namespace:
        raise ModelError("the <xmile> element is not in the XMILE namespace", path=str(path),
                         line=root.sourceline, field="xmlns",
                         allowed=f'xmlns="{XMILE_NAMESPACE}" on <xmile>')
    return root


# ----------------------------------------------------------------------------- structure checks
class _Tree:
    """The parsed tree with its namespace and file, for lookups and error messages."""

    def __init__(self, root, path: Path):
        self.root, self.path = root, path
        self.ns = {"ns": root.nsmap[None]}

    def all(self, node, xpath: str) -> list:
        return node.xpath(xpath, namespaces=self.ns)

    def one(self, node, xpath: str):
        found = self.all(node, xpath)
        return found[0] if found else None

    def fail(self, node, construct: str, problem: str, allowed: str | None = None):
        raise ModelError(problem, path=str(self.path), line=getattr(node, "sourceline", None),
                         field=construct, allowed=allowed)


def _local(node) -> str:
    """The local name of an element's tag (no namespace)."""
    return node.tag.split("}")[-1] if isinstance(node.tag, str) else ""


def _variable(node) -> str:
    return f"{_local(node)} '{node.get('name', '?')}'"


def _check(t: _Tree) -> None:
    """Refuse what cannot be run as the file means it (first problem found)."""
    root = t.root
    models = t.all(root, "ns:model")
    if not models:
        t.fail(root, "<model>", "the file has no <model> block")
    if len(models) > 1:
        t.fail(models[1], "<model>", f"{len(models)} <model> blocks: submodels are not supported",
               "one <model> block")
    model = models[0]
    for node, construct, what in (
            (t.one(root, "ns:macro"), "<macro>", "macros are not supported"),
            (t.one(root, "ns:header/ns:includes"), "<includes>", "included files are not read"),
            (t.one(root, "ns:data"), "<data>", "data import/export is not supported")):
        if node is not None:
            t.fail(node, construct, what + (f" ('{node.get('name')}')" if node.get("name") else ""))
    for attr in ("resource", "encryption-scheme", "password"):
        if model.get(attr) is not None:
            t.fail(model, f"<model {attr}>", "external or encrypted model contents are not read")
    specs = _sim_specs(t)
    if specs is None:
        t.fail(root, "<sim_specs>", "the file has no <sim_specs> (start, stop, dt)")
    for tag in ("start", "stop"):
        given = [t.one(s, f"ns:{tag}") for s in (t.one(model, "ns:sim_specs"), t.one(root, "ns:sim_specs"))
                 if s is not None]
        if not any(g is not None and (g.text or "").strip() for g in given):
            t.fail(specs, f"<sim_specs><{tag}>", f"<sim_specs> has no <{tag}>")
    _method(t)
    for node in t.all(model, "ns:variables/*"):
        kind = _local(node)
        if kind == "module":
            t.fail(node, "<module>", f"submodels are not supported (module '{node.get('name')}')")
        if kind not in ("stock", "flow", "aux", "gf", "group"):
            continue  # vendor elements: readers ignore other namespaces (spec, "Namespaces")
        for construct, what in (("conveyor", "conveyors"), ("queue", "queues"),
                                ("leak", "conveyor leakage flows"), ("overflow", "queue overflows")):
            if t.one(node, f"ns:{construct}") is not None:
                t.fail(node, f"<{construct}>", f"{_variable(node)}: {what} are not supported "
                       "(a stock's conveyor and queue logic cannot be left out without changing "
                       "the results)")
        for event in t.all(node, ".//ns:event"):
            if event.get("sim_action", "pause").lower() == "stop":
                t.fail(event, "<event_poster>", f"{_variable(node)}: an event poster that stops "
                       "the run is not supported")
        if kind in ("stock", "flow", "aux") and t.one(node, "ns:eqn") is None \
                and not t.all(node, "ns:element/ns:eqn") and not t.all(node, "ns:element/ns:gf"):
            t.fail(node, "<eqn>", f"{_variable(node)} has no equation",
                   "an <eqn> (a stock's initial value)")
    for node in t.all(root, "ns:dimensions/ns:dim") + t.all(root, "ns:dimensions/ns:dim/ns:elem"):
        if re.search(r"['\"\\\n]", node.get("name", "")):
            t.fail(node, f"<{_local(node)} name>", f"'{node.get('name')}': a dimension or element "
                   "name with a quote, a backslash or a line break is not read",
                   "letters, digits, spaces and _ $ . - , ( ) /")
    names: dict = {}
    for node in t.all(model, "ns:variables/*[@name]"):
        key = _reference(node.get("name"))
        if key in names:
            t.fail(node, "name", f"{_variable(node)} has the name of {names[key]} "
                   "(XMILE names ignore case and treat spaces as underscores)")
        names[key] = _variable(node)


def _sim_specs(t: _Tree):
    """The model's own <sim_specs>, else the file's (a model's own override the file's)."""
    model = t.one(t.root, "ns:model")
    local = t.one(model, "ns:sim_specs") if model is not None else None
    return local if local is not None else t.one(t.root, "ns:sim_specs")


def integration_method(path) -> str:
    """The integration method an XMILE file asks for: ``"euler"`` or ``"rk4"``.

    Raises
    ------
    ModelError
        The file is unsafe or malformed, or asks for another method.
    """
    return _method(_Tree(parse_xmile(path), Path(path)))


def _method(t: _Tree) -> str:
    """``<sim_specs method>`` (the model's, else the file's; Euler by default) as an engine method."""
    model = t.one(t.root, "ns:model")
    blocks = [b for b in (t.one(model, "ns:sim_specs") if model is not None else None,
                          t.one(t.root, "ns:sim_specs")) if b is not None]
    given = next((b for b in blocks if b.get("method")), None)
    method = "euler" if given is None else given.get("method").strip().lower()
    if method not in METHODS:
        t.fail(given, "<sim_specs method>", f"integration method '{given.get('method')}' is not supported",
               ", ".join(METHODS))
    return METHODS[method]


def _normalise(t: _Tree) -> None:
    """Rewrite what PySD reads from one place only into that place (on our parsed copy)."""
    root, model = t.root, t.one(t.root, "ns:model")
    local = t.one(model, "ns:sim_specs")
    if local is not None:  # a model's own sim_specs override the file's
        top = t.one(root, "ns:sim_specs")
        if top is None:
            root.insert(list(root).index(model), local)
        else:
            for child in list(local):
                old = t.one(top, f"ns:{etree.QName(child).localname}")
                if old is not None:
                    top.remove(old)
                top.append(child)
            top.attrib.update(local.attrib)
    for dim in t.all(root, "ns:dimensions/ns:dim"):  # <dim size="n"/>: indices 1..n
        if not t.all(dim, "ns:elem") and dim.get("size"):
            try:
                size = int(dim.get("size"))
            except ValueError:
                t.fail(dim, "<dim size>", f"dimension '{dim.get('name')}' has size "
                       f"'{dim.get('size')}'", "a whole number")
            for i in range(1, size + 1):
                etree.SubElement(dim, f"{{{t.ns['ns']}}}elem", name=str(i))


def _behaviors(t: _Tree) -> dict:
    """Non-negative defaults for stocks and flows: the file's <behavior>, then the model's."""
    out = {"non_negative_stock": False, "non_negative_flow": False}
    for block in (t.one(t.root, "ns:behavior"), t.one(t.one(t.root, "ns:model"), "ns:behavior")):
        if block is None:
            continue
        both = t.one(block, "ns:non_negative")
        if both is not None:
            value = (both.text or "true").strip().lower() != "false"
            out = {"non_negative_stock": value, "non_negative_flow": value}
        for kind in ("stock", "flow"):
            flag = t.one(block, f"ns:{kind}/ns:non_negative")
            if flag is not None:
                out[f"non_negative_{kind}"] = (flag.text or "true").strip().lower() != "false"
    return out


def _reference(name: str) -> str:
    """The name as PySD's XMILE translator spells a reference to it."""
    return name.replace("\\n", " ").lower().replace(" ", "_").strip('"')


# ----------------------------------------------------------------------------- reading
def read_xmile(path, *, shown_path=None) -> XmileModel:
    """Read an XMILE file into PySD's abstract model, with the additions listed above.

    Parameters
    ----------
    path : str or Path
        The XMILE file (only read; PySD's builder later writes next to ``path``).
    shown_path : str or Path, optional
        The file to name in error messages (default ``path``): a cached copy is read
        under another name.

    Raises
    ------
    ModelError
        Unsafe or malformed XML, a construct that is refused, or an equation, function or
        reference PySD cannot build (naming the variable, its line, and the construct).
    """
    path = Path(path)
    try:
        return _read(path)
    except ModelError as exc:
        if shown_path is not None and exc.path == str(path):
            exc.path = str(shown_path)
        raise


def _read(path: Path) -> XmileModel:
    from pysd.translators.xmile.xmile_file import XmileFile

    t = _Tree(parse_xmile(path), path)
    _check(t)
    _normalise(t)

    class _ParsedXmileFile(XmileFile):  # PySD's reader on our safely parsed tree
        def _get_root(self):
            return t.root

    xf = _ParsedXmileFile(path)
    xf.parse(parse_all=False)
    section = xf.sections[0]
    section.parse(parse_all=False)
    behaviors = _behaviors(t)
    section.behaviors = behaviors
    for comp in section.components:
        if type(comp).__name__ == "Stock":
            comp._parse_component = types.MethodType(_stock_component, comp)
    specs = t.one(t.root, "ns:sim_specs")
    for comp in section.components:
        node = getattr(comp, "node", specs)
        try:
            comp.parse(behaviors)
        except Exception as exc:  # parsimonious and PySD raise many kinds: all mean a bad equation
            message = " ".join(str(exc).split())[:300]
            where = _variable(node) if node is not specs else f"<sim_specs> ({comp.name})"
            eqn = " ".join(" ".join(x.text or "" for x in t.all(node, ".//ns:eqn")).split())[:80]
            t.fail(node, "<eqn>", f"{where}: PySD's XMILE translator cannot read the equation "
                   f"'{eqn}': {type(exc).__name__}: {message}")
    for comp in section.components:  # <range max="INF"/>: an open end, as Vensim's "?" reads
        comp.limits = tuple(None if x is not None and math.isinf(x) else x for x in comp.limits)
    _multipliers(t, section)
    non_negative_drains(t, section)
    section.elements = section.subscripts + section.components
    am = xf.get_abstract_model()
    lines = {c.name: getattr(getattr(c, "node", None), "sourceline", None) for c in section.components}
    _typed_inline_gfs(am)
    _resolve_builtins(t, am, lines)
    return XmileModel(am, _method(t), {c.name: _written(t, c) for c in section.components if hasattr(c, "node")})


def _written(t: _Tree, comp) -> list:
    """A variable's equations as the file writes them, one per definition (``<element>`` or the variable)."""
    own = t.one(comp.node, "ns:eqn")
    texts = []
    for cell in t.all(comp.node, "ns:element") or [comp.node]:
        eqn = t.one(cell, "ns:eqn")
        eqn = own if eqn is None else eqn
        texts.append(" ".join((eqn.text or "").split()) if eqn is not None else "")
    if _local(comp.node) != "stock":
        return texts
    inflows, outflows = _stock_links(t, comp)
    rate = " + ".join(inflows)
    for outflow in outflows:
        rate = f"{rate} - {outflow}" if rate else f"-{outflow}"
    return [f"INTEG({rate or 0}, {text})" for text in texts]


def xmile_groups(root) -> tuple[dict, dict]:
    """The groups (sectors) of a parsed XMILE file (:func:`parse_xmile`).

    Returns
    -------
    members : dict
        Variable name -> the ``<group>`` listing it first (``None`` outside any group).
    docs : dict
        Group name -> its ``<doc>``.
    """
    ns = {"ns": root.nsmap[None]}
    members: dict = {}
    docs: dict = {}
    for group in root.xpath("ns:model/ns:variables/ns:group", namespaces=ns):
        docs[group.get("name")] = " ".join(group.xpath("ns:doc/text()", namespaces=ns)).strip()
        for entity in group.xpath("ns:entity", namespaces=ns):
            members.setdefault(_name(entity), group.get("name"))
    for node in variable_nodes(root):
        members.setdefault(_name(node), None)
    return members, docs


def variable_nodes(root) -> list:
    """The ``<stock>``, ``<flow>``, ``<aux>`` and ``<gf>`` elements of a parsed XMILE file's model."""
    return root.xpath("ns:model/ns:variables/*[self::ns:stock or self::ns:flow or self::ns:aux or self::ns:gf]",
                      namespaces={"ns": root.nsmap[None]})


def _name(node) -> str:
    """A variable's name as PySD's reader gives it (an escaped line break read as a space)."""
    return node.get("name", "").replace("\\n", " ")


# ----------------------------------------------------------------------------- stock semantics
def _stock_component(self, node, behaviors: dict) -> list:
    """PySD's ``Stock._parse_component``, reading the initial value of ``node``.

    PySD reads the stock's own ``<eqn>`` even for an ``<element>`` of a non-apply-to-all
    stock (and fails: it has none); the flows are the stock's, shared by its elements.
    """
    from pysd.translators.xmile.xmile_structures import structures
    cell = node.get("subscript")
    arrayed = {_reference(v.get("name", "")) for v in self.node.getparent()
               if v.xpath("ns:dimensions", namespaces=self.ns)}

    def flow(text):  # in an element, an arrayed flow is taken at the element's subscripts
        ast = self._smile_parser(text)
        if cell and type(ast).__name__ == "ReferenceStructure" and ast.subscripts is None \
                and ast.reference in arrayed:
            ast = dataclasses.replace(ast, subscripts=structures["subscripts_ref"](
                [s.strip() for s in cell.split(",")]))
        return ast

    inflows = [flow(n.text) for n in self.node.xpath("ns:inflow", namespaces=self.ns)]
    outflows = [flow(n.text) for n in self.node.xpath("ns:outflow", namespaces=self.ns)]
    if inflows:
        ops = ["+"] * (len(inflows) - 1) + ["-"] * len(outflows)
    elif outflows:
        outflows[0] = structures["negative"](outflows[0])
        ops = ["-"] * (len(outflows) - 1)
    else:
        ops, inflows = [], [0]
    flows = structures["arithmetic"](ops, inflows + outflows) if ops else (inflows + outflows)[0]
    eqn = self._get_xpath_text(node, "ns:eqn")
    if eqn is None:
        eqn = self._get_xpath_text(self.node, "ns:eqn")
    initial = self._smile_parser(eqn)
    return [structures["stock"](flows, initial, self._get_non_negative(behaviors["non_negative_stock"]))]


def _flows_by_reference(section) -> dict:
    from pysd.translators.xmile.xmile_element import Flow
    return {_reference(c.name): c for c in section.components if isinstance(c, Flow)}


def _stock_links(t: _Tree, stock) -> tuple[list, list]:
    return ([(n.text or "").strip() for n in t.all(stock.node, "ns:inflow")],
            [(n.text or "").strip() for n in t.all(stock.node, "ns:outflow")])


def _sum(terms: list, signs: list):
    """``terms[0] signs[1] terms[1] ...`` as PySD's arithmetic structure (one term: itself)."""
    from pysd.translators.structures.abstract_expressions import ArithmeticStructure
    if len(terms) == 1 and signs[0] == "+":
        return terms[0]
    if signs[0] == "-":
        terms = [ArithmeticStructure(["negative"], (terms[0],))] + terms[1:]
    return ArithmeticStructure(list(signs[1:]), tuple(terms))


def _call(name: str, *args):
    from pysd.translators.structures.abstract_expressions import CallStructure, ReferenceStructure
    return CallStructure(ReferenceStructure(name), tuple(args))


def _ref(name: str):
    from pysd.translators.structures.abstract_expressions import ReferenceStructure
    return ReferenceStructure(_reference(name))


def _flow_component(t: _Tree, stock, flows: dict, text: str, role: str):
    """The Flow element named by a stock's <inflow>/<outflow> text, or an error."""
    flow = flows.get(_reference(text))
    if flow is None:
        t.fail(stock.node, f"<{role}>", f"{_variable(stock.node)}: its {role} '{text}' is not a "
               "<flow> of the model", did_you_mean(text, [f.name for f in flows.values()]) or None)
    return flow


def _multipliers(t: _Tree, section) -> None:
    """Flow ``<multiplier>``: the downstream stock receives flow x multiplier (spec, "Flows")."""
    from pysd.translators.structures.abstract_expressions import ArithmeticStructure
    from pysd.translators.xmile.xmile_element import Stock
    flows = _flows_by_reference(section)
    scaled = {}
    for ref, flow in flows.items():
        node = t.one(flow.node, "ns:multiplier")
        if node is not None:
            try:
                scaled[ref] = flow._smile_parser((node.text or "").strip())
            except Exception as exc:
                t.fail(node, "<multiplier>", f"{_variable(flow.node)}: its multiplier cannot be "
                       f"read: {type(exc).__name__}")
    if not scaled:
        return
    for stock in (c for c in section.components if isinstance(c, Stock)):
        inflows, outflows = _stock_links(t, stock)
        if not any(_reference(i) in scaled for i in inflows):
            continue
        if len(stock.components) != 1:
            t.fail(stock.node, "<multiplier>", f"{_variable(stock.node)}: a flow multiplier into a stock "
                   "defined element by element is not supported", "an apply-to-all stock")
        terms = [ArithmeticStructure(["*"], (_ref(i), scaled[_reference(i)]))
                 if _reference(i) in scaled else _ref(i) for i in inflows]
        rate = _sum(terms + [_ref(o) for o in outflows],
                    ["+"] * len(inflows) + ["-"] * len(outflows))
        stock.components = [(subs, dataclasses.replace(ast, flow=rate))
                            for subs, ast in stock.components]


def non_negative_drains(t: _Tree, section) -> None:
    """Make every non-negative stock cut back its drains instead of being clipped.

    For a stock ``S`` with inflows ``I1..Im`` and outflows ``O1..On`` (in the file's order,
    which is their priority: spec, "Stocks"), each flow variable becomes what actually flows:

    - a bidirectional inflow running backwards takes at most what is there:
      ``Ik' = MAX(Ik, -MAX(0, S/DT + I1' + ... + I(k-1)'))`` (uniflows are left alone);
    - outflows share what the stock holds plus what flows in, first come first served:
      ``Oj' = MIN(Oj, MAX(0, S/DT + I1' + ... + Im' - O1' - ... - O(j-1)'))``.

    Under Euler the stock then never goes below zero, and the stock equation holds: what
    leaves ``S`` is exactly what its flows report (so what arrives downstream). For one
    outflow this is Stella's ``MIN(stock/DT + total inflow, explicit outflow)``. The
    stock's own clipping flag is cleared, so PySD and the batch engine integrate the same
    equations.
    """
    from pysd.translators.structures.abstract_expressions import ArithmeticStructure
    from pysd.translators.xmile.xmile_element import Stock
    flows = _flows_by_reference(section)
    uniflow = {ref: bool(f.components) and _is_max_zero(f.components[0][1]) for ref, f in flows.items()}
    for stock in (c for c in section.components if isinstance(c, Stock)):
        if not any(ast.non_negative for _s, ast in stock.components):
            continue
        if len(stock.components) != 1:
            t.fail(stock.node, "<non_negative>", f"{_variable(stock.node)}: a non-negative stock "
                   "defined element by element is not supported", "an apply-to-all stock")
        inflows, outflows = _stock_links(t, stock)
        level = ArithmeticStructure(["/"], (_ref(stock.name), _ref("time_step")))
        taken = [level]
        for text in inflows:
            flow = _flow_component(t, stock, flows, text, "inflow")
            if not uniflow[_reference(text)]:
                room = _call("max", 0.0, _sum(list(taken), ["+"] * len(taken)))
                _wrap(t, stock, flow, lambda ast, room=room: _call(
                    "max", ast, ArithmeticStructure(["negative"], (room,))))
            taken.append(_ref(text))
        signs = ["+"] * len(taken)
        for text in outflows:
            flow = _flow_component(t, stock, flows, text, "outflow")
            room = _call("max", 0.0, _sum(list(taken), list(signs)))
            _wrap(t, stock, flow, lambda ast, room=room: _call("min", ast, room))
            taken.append(_ref(text))
            signs.append("-")
        stock.components = [(subs, dataclasses.replace(ast, non_negative=False))
                            for subs, ast in stock.components]


def _wrap(t: _Tree, stock, flow, make) -> None:
    dims = list(stock.components[0][0][0])
    if len(flow.components) != 1 or list(flow.components[0][0][0]) != dims:
        t.fail(flow.node, "<non_negative>", f"{_variable(flow.node)} drains the non-negative "
               f"{_variable(stock.node)} but is not dimensioned like it", "the stock's dimensions")
    flow.components = [(subs, make(ast)) for subs, ast in flow.components]


def _is_max_zero(ast) -> bool:
    """True for PySD's uniflow wrapper ``MAX(x, 0)``."""
    return (type(ast).__name__ == "CallStructure" and getattr(ast.function, "reference", None) == "max"
            and len(ast.arguments) == 2 and ast.arguments[1] == 0)


def _typed_inline_gfs(am) -> None:
    """A ``<gf type="extrapolate|discrete">`` inside an aux or flow becomes a named lookup.

    PySD builds an embedded graphical function with ``np.interp`` whatever its type; a named
    one honours the type. The lookup is called ``"<variable> gf"`` (a lookup, not an output).
    """
    from pysd.translators.structures.abstract_expressions import CallStructure, ReferenceStructure
    from pysd.translators.structures.abstract_model import AbstractElement, AbstractLookup
    section = am.sections[0]
    taken = {_reference(e.name) for e in section.elements}
    added = []
    for element in section.elements:
        for i, comp in enumerate(element.components):
            ast = comp.ast
            if type(ast).__name__ != "InlineLookupsStructure" or ast.lookups.type == "interpolate":
                continue
            name, k = f"{element.name} gf", 2
            while _reference(name) in taken:
                name, k = f"{element.name} gf {k}", k + 1
            taken.add(_reference(name))
            added.append(AbstractElement(
                name=name, components=[AbstractLookup(subscripts=comp.subscripts, ast=ast.lookups)],
                units="", limits=(None, None),
                documentation=f"The {ast.lookups.type} graphical function of '{element.name}'."))
            element.components[i] = dataclasses.replace(
                comp, ast=CallStructure(ReferenceStructure(_reference(name)), (ast.argument,)))
    section.elements.extend(added)


# ----------------------------------------------------------------------------- builtins
def _resolve_builtins(t: _Tree, am, lines: dict) -> None:
    """Map DT/STARTTIME/STOPTIME and LOG10; refuse functions and names PySD cannot build."""
    from pysd.builders.python.python_functions import functionspace
    section = am.sections[0]
    elements = {_reference(e.name) for e in section.elements}
    subscripts = set()
    for rng in section.subscripts:
        subscripts.add(_reference(rng.name))
        subscripts |= {_reference(s) for s in rng.subscripts}
    known = set(functionspace) | elements

    def visit(x, element):
        name = type(x).__name__
        if name == "ReferenceStructure":
            ref = x.reference
            if ref in CONTROL_BUILTINS and ref not in elements:
                return dataclasses.replace(x, reference=CONTROL_BUILTINS[ref])
            if ref not in elements and ref not in _TIME_NAMES and ref not in subscripts \
                    and ref.split(".")[0] not in subscripts:
                t.fail(None, "<eqn>", f"'{element.name}' refers to '{ref}', which is not a "
                       "variable of the model", did_you_mean(ref, [e.name for e in section.elements])
                       or None)
            return x
        if name == "CallStructure" and type(x.function).__name__ == "ReferenceStructure":
            fn = x.function.reference
            args = tuple(visit(a, element) for a in x.arguments)
            if fn == "log10" and "log10" not in elements and len(args) == 1:
                return dataclasses.replace(x, function=dataclasses.replace(x.function, reference="log"),
                                           arguments=(args[0], 10.0))
            if fn not in known:
                t.fail(None, f"{fn.upper()}()", f"'{element.name}' calls {fn.upper()}, which PySD's "
                       "XMILE translator does not support")
            return dataclasses.replace(x, arguments=args)
        if dataclasses.is_dataclass(x) and not isinstance(x, type):
            changes = {f.name: visit(getattr(x, f.name), element) for f in dataclasses.fields(x)}
            return dataclasses.replace(x, **changes)
        if isinstance(x, tuple):
            return tuple(visit(y, element) for y in x)
        if isinstance(x, list):
            return [visit(y, element) for y in x]
        return x

    for element in section.elements:
        for i, comp in enumerate(element.components):
            try:
                element.components[i] = dataclasses.replace(comp, ast=visit(comp.ast, element))
            except ModelError as exc:
                if exc.line is None:
                    exc.line = lines.get(element.name)
                raise

