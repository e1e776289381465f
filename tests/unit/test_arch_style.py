"""Each release's way of writing the owned views: no modifier expression reaches Odoo 16, which reads
only ``attrs`` domains and 0/1."""

from __future__ import annotations

import re

import pytest

from shared.odoo_owned import ArchStyle, crm_records, owned_records

MODIFIER = re.compile(r'\b(invisible|readonly|required|column_invisible)="([^"]*)"')


def _arches(style: ArchStyle) -> list[str]:
    owned = [*owned_records(style, chatter='<div class="oe_chatter"/>'), *crm_records(style)]
    return [
        str(getattr(item.values.get("arch"), "arch", item.values.get("arch")))
        for item in owned
        if "arch" in item.values
    ]


def test_odoo_16_gets_attrs_domains_and_literal_modifiers_only() -> None:
    arches = _arches(ArchStyle.of(16))
    modifiers = {(name, value) for arch in arches for name, value in MODIFIER.findall(arch)}
    assert modifiers and all(value in ("0", "1") for _name, value in modifiers), modifiers
    assert not any(name == "column_invisible" for name, _value in modifiers)
    assert any("attrs=\"{'invisible': [('x_cost_known', '=', False)]}\"" in arch for arch in arches)


@pytest.mark.parametrize("major", [17, 18, 19])
def test_odoo_17_on_keeps_the_expressions_and_never_attrs(major: int) -> None:
    arches = _arches(ArchStyle.of(major))
    assert not any("attrs=" in arch for arch in arches)
    assert any('invisible="not x_cost_known"' in arch for arch in arches)


def test_each_release_names_its_list_view_and_kanban_card() -> None:
    assert (ArchStyle.of(17).list_view, ArchStyle.of(17).kanban_card) == ("tree", "kanban-box")
    assert (ArchStyle.of(18).list_view, ArchStyle.of(18).kanban_card) == ("list", "card")
