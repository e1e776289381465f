"""View architectures: combining a view with the views inheriting it, and validating the result,
at the level ``ir.ui.view._check_xml`` does it for what the sandbox models.

Combining (``_get_combined_archs``/``_combine``): from the topmost view, the active views below it
with the same model are applied depth first, extensions (by ``priority, id``) before the primary
views on the way down to the view asked for. A spec is an ``<xpath expr>`` or an element located
by its tag and attributes (a ``<field>`` by its name alone), applied ``inside`` (default),
``after``, ``before``, ``replace`` or ``attributes``; ``position="move"`` children move a node.

Validating: the root tag must be the view's type, the model must exist, every ``<field name>``
in the nodes being validated must be a field of the model it sits in (a field's ``<list>``,
``<form>``, ``<kanban>``, ``<graph>`` or ``<calendar>`` children are subviews of its comodel),
a list's children must be list tags, a graph's only fields, a calendar's date and colour
attributes must name fields, ``<filter domain>`` leaves and a context's literal
``group_by`` must name fields, and ``attrs``/``states`` are refused (from Odoo 17; Odoo 16
reads modifiers from ``attrs`` only and refuses an expression or a list's ``column_invisible``).
Which nodes are validated follows Odoo's ``__validate__`` flags: all of them when the view itself is the root or on
``write``; on ``create`` of an extension, only what its specs insert (``after``/``before``/
``inside``), everything for a ``replace``.
"""

from __future__ import annotations

import ast
import copy
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass

from .schema import Model

LIST_TAGS = ("list", "tree")  # a list view's root, from Odoo 18 on and before (the view type says which)
SUBVIEWS = ("form", *LIST_TAGS, "graph", "kanban", "calendar")
CALENDAR_FIELDS = ("date_start", "date_delay", "date_stop", "color", "all_day")  # must name fields
LIST_CHILDREN = ("field", "button", "control", "groupby", "widget", "header")
TRANSLATED_ATTRS = ("string", "help", "sum", "avg", "confirm", "placeholder", "alt", "title", "aria-label")
TRANSLATED_IN_XPATH = re.compile(r"@(" + "|".join(TRANSLATED_ATTRS) + r")\b")
FLAG = "__validate__"


class ArchError(ValueError):
    """An error about one node of an architecture (Odoo's ``_raise_view_error``)."""

    def __init__(self, message: str, node: ET.Element | None = None) -> None:
        super().__init__(message)
        self.node = node


@dataclass(frozen=True)
class View:
    """One ``ir_ui_view`` row, as combining needs it."""

    id: int
    name: str
    model: str | None
    type: str | None
    arch: str | None
    inherit_id: int | None
    mode: str
    priority: int


def parse(text: str | None) -> ET.Element:
    """The arch as a tree (``ET.ParseError`` when it is not well-formed XML)."""
    return ET.fromstring(text or "<data/>")


# ------------------------------------------------------------ combining


Children = Callable[[View], list[View]]


def combine(target: View, load: Callable[[int], View], children: Children, full: bool) -> ET.Element:
    """``target``'s combined arch; ``full`` flags everything for validation, else only the
    nodes ``target`` contributes are flagged."""
    chain = [target]
    while chain[-1].inherit_id:
        chain.append(load(chain[-1].inherit_id))
    on_chain = {view.id for view in chain}
    top = chain[-1]
    arch = parse(top.arch)
    if full or top.id == target.id:
        arch.set(FLAG, "1")
    queue = sorted(_below(top, children, on_chain), key=lambda v: v.mode)
    while queue:
        view = queue.pop(0)
        spec = parse(view.arch)
        if view.id == target.id and not full:
            _flag_specs(arch, spec)
        arch = apply_specs(arch, spec)
        below = _below(view, children, on_chain)
        queue = [v for v in below if v.mode != "primary"] + queue + [v for v in below if v.mode == "primary"]
    return arch


def _below(view: View, children: Children, on_chain: set[int]) -> list[View]:
    return [child for child in children(view) if child.mode != "primary" or child.id in on_chain]


def _flag_specs(arch: ET.Element, spec: ET.Element) -> None:
    """``_add_validation_flag``: what this view's specs insert, or all for a ``replace``."""
    for node in spec.iter():
        position = node.get("position")
        if position in ("after", "before", "inside"):
            for child in node:
                if not child.get("position"):
                    child.set(FLAG, "1")
        elif position == "replace":
            arch.set(FLAG, "1")
            return
        elif position == "attributes":
            marker = ET.SubElement(node, "attribute", name=FLAG)
            marker.text = "1"


def apply_specs(source: ET.Element, specs: ET.Element) -> ET.Element:
    """Apply an inheriting arch's specs to ``source`` (which is modified and returned)."""
    queue = [specs]
    while queue:
        spec = queue.pop(0)
        if not isinstance(spec.tag, str):
            continue
        if spec.tag == "data":
            queue += list(spec)
            continue
        node = locate(source, spec)
        if node is None:
            attrs = "".join(f' {k}="{v}"' for k, v in spec.attrib.items() if k != "position")
            raise ArchError(f"Element '<{spec.tag}{attrs}>' cannot be located in parent view", spec)
        source = _apply(source, node, spec)
    return source


def locate(source: ET.Element, spec: ET.Element) -> ET.Element | None:
    """The node of ``source`` a spec designates (``locate_node``)."""
    if spec.tag == "xpath":
        expr = spec.get("expr") or ""
        holder = ET.Element("sandbox-document")
        holder.append(source)
        try:
            found = holder.find("." + expr if expr.startswith("/") else expr)
        except (SyntaxError, KeyError) as exc:
            raise ArchError(f"The sandbox cannot evaluate the xpath “{expr}” ({exc})", spec) from None
        finally:
            holder.remove(source)
        return found
    if spec.tag == "field":
        return next((node for node in source.iter("field") if node.get("name") == spec.get("name")), None)
    wanted = {k: v for k, v in spec.attrib.items() if k != "position"}
    return next((node for node in source.iter(spec.tag) if all(node.get(k) == v for k, v in wanted.items())), None)


def _parents(root: ET.Element) -> dict[ET.Element, ET.Element]:
    return {child: parent for parent in root.iter() for child in parent}


def _content(source: ET.Element, spec: ET.Element) -> list[ET.Element]:
    """The spec's children to insert, a ``position="move"`` child replaced by the node it names."""
    nodes = []
    for child in spec:
        if child.get("position") == "move":
            moved = locate(source, _without_position(child))
            if moved is None:
                raise ArchError(f"Element “{ET.tostring(child, encoding='unicode')}” cannot be located in parent view")
            parent = _parents(source).get(moved)
            if parent is not None:
                parent.remove(moved)
            moved.tail = None
            nodes.append(moved)
        else:
            nodes.append(copy.deepcopy(child))
    return nodes


def _without_position(node: ET.Element) -> ET.Element:
    bare = copy.copy(node)
    bare.attrib = {k: v for k, v in node.attrib.items() if k != "position"}
    return bare


def _apply(source: ET.Element, node: ET.Element, spec: ET.Element) -> ET.Element:
    position = spec.get("position", "inside")
    if position == "attributes":
        for item in spec.iter("attribute"):
            _set_attribute(node, item)
        return source
    content = _content(source, spec)
    if position == "inside":
        node.extend(content)
        return source
    parent = _parents(source).get(node)
    if position == "replace":
        if parent is None:
            return content[0] if content else source
        index = list(parent).index(node)
        parent.remove(node)
        for offset, new in enumerate(content):
            parent.insert(index + offset, new)
        return source
    if position in ("after", "before"):
        if parent is None:
            raise ArchError(f"Cannot insert {position} the root node", spec)
        index = list(parent).index(node) + (1 if position == "after" else 0)
        for offset, new in enumerate(content):
            parent.insert(index + offset, new)
        return source
    raise ArchError(f"Invalid position attribute: '{position}'", spec)


def _set_attribute(node: ET.Element, item: ET.Element) -> None:
    name = str(item.get("name"))
    if item.get("add") or item.get("remove"):
        separator = item.get("separator") or ","
        values = [v.strip() for v in node.get(name, "").split(separator) if v.strip()]
        removed = {v.strip() for v in (item.get("remove") or "").split(separator)}
        added = [v.strip() for v in (item.get("add") or "").split(separator) if v.strip()]
        value = separator.join([v for v in values if v not in removed] + added)
    else:
        value = item.text or ""
    if value:
        node.set(name, value)
    else:
        node.attrib.pop(name, None)


def check_selectors(spec_root: ET.Element) -> None:
    """``_valid_inheritance``: translated attributes cannot locate nodes."""
    for node in spec_root.iter():
        if node.get("position") is None:
            continue
        if node.tag == "xpath":
            if match := TRANSLATED_IN_XPATH.search(node.get("expr") or ""):
                raise ArchError(f"View inheritance may not use attribute {match.group(1)!r} as a selector.", node)
            continue
        for attr in TRANSLATED_ATTRS:
            if node.get(attr):
                raise ArchError(f"View inheritance may not use attribute {attr!r} as a selector.", node)


# ------------------------------------------------------------ validating


def validate(
    arch: ET.Element,
    view_type: str,
    model: Model | None,
    models: Callable[[str], Model | None],
    expressions: bool = True,
) -> None:
    """``_validate_view`` on a combined arch; raises :class:`ArchError`. ``expressions``: modifiers
    are Python expressions (Odoo 17 on, which refuses ``attrs``); else ``attrs`` domains (Odoo 16)."""
    if arch.tag != view_type:
        raise ArchError(
            f"The root node of a {view_type} view should be a <{view_type}>, not a <{arch.tag}>",
            arch,
        )
    if model is None:
        raise ArchError("Model not found", arch)
    _walk(arch, model, models, False)
    for node in arch.iter():
        if not expressions:
            _check_literal_modifiers(node, view_type)
        elif node.get("attrs") is not None or node.get("states") is not None:
            raise ArchError('Since 17.0, the "attrs" and "states" attributes are no longer used.', node)


MODIFIERS = ("invisible", "readonly", "required")
LITERALS = frozenset({"0", "1", "true", "false", "yes", "no", "on", "off", "True", "False"})


class ModifierError(Exception):
    """Odoo 16 on a modifier it cannot read: ``column_invisible`` outside ``attrs`` in a list
    ("Invalid view ... definition"), or an expression where it reads only 0/1, which its
    ``str2bool`` refuses with a ``ValueError`` its RPC layer then fails to report."""


def _check_literal_modifiers(node: ET.Element, view_type: str) -> None:
    if view_type in LIST_TAGS and node.get("column_invisible") is not None:
        raise ModifierError("column_invisible")
    if any(node.get(name) is not None and node.get(name) not in LITERALS for name in MODIFIERS):
        raise ModifierError("expression")


def _walk(node: ET.Element, model: Model, models: Callable[[str], Model | None], validate: bool) -> None:
    validate = validate or node.get(FLAG) is not None
    if validate and node.get("context"):
        _check_group_by(node, model)
    if node.tag == "field":
        name = node.get("name")
        if not name:
            raise ArchError('Field tag must have a "name" attribute defined', node)
        field = model.fields.get(name)
        if field is None and validate:
            raise ArchError(f'Field "{name}" does not exist in model "{model.name}"', node)
        comodel = models(str(field.relation)) if field is not None and field.relation else None
        for child in node:
            if child.tag in SUBVIEWS and comodel is not None:
                _walk(child, comodel, models, validate)
            else:
                _walk(child, model, models, validate)
        return
    if validate and node.tag in LIST_TAGS:
        for child in node:
            if isinstance(child.tag, str) and child.tag not in LIST_CHILDREN:
                raise ArchError(
                    f"List child can only have one of {', '.join(LIST_CHILDREN)} tag (not {child.tag})", child
                )
    if validate and node.tag == "filter" and node.get("domain"):
        _check_domain(node, model)
    if validate and node.tag == "graph":
        for child in node:
            if isinstance(child.tag, str) and child.tag != "field":
                raise ArchError(f"A <graph> can only contains <field> nodes, found a <{child.tag}>", child)
    if node.tag == "calendar":
        for attribute in CALENDAR_FIELDS:
            name = (node.get(attribute) or "").split(".", 1)[0]
            if name and name not in model.fields:
                raise ArchError(f'Field "{name}" does not exist in model "{model.name}"', node)
    for child in node:
        _walk(child, model, models, validate)


def _check_domain(node: ET.Element, model: Model) -> None:
    """A filter's literal domain must name the model's fields (dynamic values are not checked)."""
    source = str(node.get("domain"))
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError:
        return
    name = node.get("name")
    use = f'domain of <filter name="{name}">' if name else "domain of <filter>"
    leaves = tree.body.elts if isinstance(tree.body, ast.List | ast.Tuple) else []
    for leaf in leaves:  # a domain is flat: its leaves' values (an "in" list) are no leaves
        if isinstance(leaf, ast.Tuple | ast.List) and len(leaf.elts) == 3:
            first = leaf.elts[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                field = first.value.split(".")[0]
                if field not in model.fields and field != "parent":
                    raise ArchError(f'Unknown field "{model.name}.{field}" in {use} ({source}))', node)


def _check_group_by(node: ET.Element, model: Model) -> None:
    """``_validate_attributes``: a literal ``group_by`` in a context must be a string naming a field
    of the model (``field:granularity`` allowed)."""
    source = str(node.get("context"))
    try:
        tree = ast.parse(source.strip(), mode="eval").body
    except SyntaxError:
        return
    if not isinstance(tree, ast.Dict):
        return
    for key, value in zip(tree.keys, tree.values, strict=True):
        if not (isinstance(key, ast.Constant) and key.value == "group_by"):
            continue
        if not (isinstance(value, ast.Constant) and isinstance(value.value, str)):
            raise ArchError(f'"group_by" value must be a string context=“{source}”', node)
        field = value.value.split(":")[0]
        if field not in model.fields:
            raise ArchError(f'Unknown field “{field}” in "group_by" value in context=“{source}”', node)


def strip_flags(arch: ET.Element) -> None:
    for node in arch.iter():
        node.attrib.pop(FLAG, None)


def near(arch: ET.Element, node: ET.Element | None) -> str:
    """The five lines of the combined arch around ``node``, as Odoo quotes them."""
    marker = "__sandbox_near__"
    if node is not None:
        node.set(marker, "1")
    strip_flags(arch)
    lines = ET.tostring(arch, encoding="unicode").splitlines(keepends=True)
    index = next((i for i, line in enumerate(lines) if marker in line), 0)
    if node is not None:
        node.attrib.pop(marker, None)
    quoted = "".join(lines[max(0, index - 2) : index + 3])
    return quoted.replace(f' {marker}="1"', "")
