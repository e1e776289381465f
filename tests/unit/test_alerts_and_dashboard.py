"""The alert rules and the Grafana dashboard in ``deploy/`` use only metrics voicesync exposes.

Every PromQL expression is parsed (``promql-parser``, Prometheus's own grammar) and every metric it
names is checked against what the receiver's ``GET /metrics`` can expose: its own families and
those of :class:`~web.system_metrics.SystemCollector`, by their names and types.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from typing import Any

import promql_parser
import pytest
import yaml
from prometheus_client import REGISTRY

from shared.services import Services
from shared.settings import PROJECT_ROOT, Settings
from web import metrics
from web.system_metrics import SystemCollector

PROMETHEUS = PROJECT_ROOT / "deploy" / "prometheus"
RULES = yaml.safe_load((PROMETHEUS / "alerts.yml").read_text())
DASHBOARD = json.loads((PROJECT_ROOT / "deploy" / "grafana" / "voicesync.json").read_text())
STANDARD = {"up"}  # what Prometheus itself gives every target
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count"), "gauge": ("",)}
DURATION = re.compile(r"^([0-9]+(ms|s|m|h|d|w|y))+$")
DEFAULTS = Settings.from_env({})


def families() -> dict[str, str]:
    """``{family name: type}`` of everything ``GET /metrics`` can expose."""
    assert metrics.RESPONSES  # the receiver's own families are registered on import
    found = {family.name: family.type for family in REGISTRY.collect() if family.name.startswith("voicesync_")}
    for family in SystemCollector(Services(DEFAULTS)).describe():
        found[family.name] = family.type
    return found


def exposed() -> set[str]:
    """Every sample name a query may use."""
    return {name + suffix for name, kind in families().items() for suffix in SUFFIXES[kind]}


def metric_names(expr: str) -> set[str]:
    """The metrics an expression selects (Grafana's ``$__rate_interval`` read as a duration)."""
    names: set[str] = set()

    def visit(node: Any) -> None:
        if isinstance(node, promql_parser.VectorSelector):
            assert node.name, f"a selector without a metric name in {expr!r}"
            names.add(node.name)

    promql_parser.walk(promql_parser.parse(expr.replace("$__rate_interval", "5m")), visit)
    return names


def alerts() -> list[dict[str, Any]]:
    return [rule for group in RULES["groups"] for rule in group["rules"]]


def test_metric_names_follow_prometheus_conventions() -> None:
    for name, kind in families().items():
        assert re.fullmatch(r"voicesync_[a-z0-9_]+", name), name
        if kind == "counter":
            assert not name.endswith("_total"), f"{name}: the client adds _total to a counter's samples"
        if re.search(r"timestamp|duration|seconds", name):
            assert name.endswith("_seconds"), f"{name}: a time is in seconds and says so"


def test_the_rules_file_is_prometheus_rule_groups() -> None:
    assert set(RULES) == {"groups"}
    names = [group["name"] for group in RULES["groups"]]
    assert len(names) == len(set(names)), "group names must be unique"
    for group in RULES["groups"]:
        assert set(group) == {"name", "rules"} and group["rules"], group["name"]
        for rule in group["rules"]:
            assert set(rule) == {"alert", "expr", "for", "labels", "annotations"}, rule.get("alert")
            assert re.fullmatch(r"Voicesync[A-Za-z0-9]+", rule["alert"])
            assert DURATION.fullmatch(rule["for"]), f"{rule['alert']}: for {rule['for']!r}"
            assert rule["labels"]["severity"] in {"critical", "warning"}
            assert set(rule["annotations"]) == {"summary", "description"}
    assert len({rule["alert"] for rule in alerts()}) == len(alerts())


def test_every_alert_says_what_to_do() -> None:
    for rule in alerts():
        text = rule["annotations"]["description"]
        assert re.search(r"`(voicesync|celery|docker compose|GET|curl) [^`]*`", text), rule["alert"]


def test_every_expression_parses_and_uses_exposed_metrics() -> None:
    known = exposed() | STANDARD
    used: set[str] = set()
    for rule in alerts():
        names = metric_names(rule["expr"])
        assert names <= known, f"{rule['alert']} uses {sorted(names - known)}"
        used |= names
    wanted = {
        "voicesync_dead_letters", "voicesync_queue_consumers", "voicesync_queue_length",
        "voicesync_last_success_timestamp_seconds", "voicesync_inbox_oldest_backlog_timestamp_seconds",
        "voicesync_api_errors_total", "voicesync_http_responses_total", "voicesync_metrics_source_up", "up",
    }  # fmt: skip
    assert wanted <= used


def test_the_staleness_alerts_follow_the_beat_schedule() -> None:
    """No successful run for three incremental periods; no full run for two nights."""
    rules = {rule["alert"]: rule for rule in alerts()}
    assert f"> 3 * {DEFAULTS.incremental_every:.0f}" in rules["VoicesyncEntityNotSynced"]["expr"]
    assert DEFAULTS.full_cron.split()[2:] == ["*", "*", "*"]  # daily
    assert "> 2 * 86400" in rules["VoicesyncFullRunMissing"]["expr"]


def test_promtool_accepts_the_configuration_and_its_rules() -> None:
    """Prometheus's own checker, where it is installed (the Debian package ``prometheus``)."""
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool is not installed (Debian package prometheus)")
    checked = subprocess.run(
        [promtool, "check", "config", str(PROMETHEUS / "prometheus.yml")], capture_output=True, text=True, timeout=60
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"SUCCESS: {len(alerts())} rules found" in checked.stdout + checked.stderr


def panels() -> list[dict[str, Any]]:
    found = []
    for panel in DASHBOARD["panels"]:
        found.append(panel)
        found.extend(panel.get("panels", []))  # those of a collapsed row
    return found


def test_the_dashboard_is_a_grafana_dashboard_on_a_datasource_variable() -> None:
    assert {"uid", "title", "schemaVersion", "panels", "templating", "time"} <= set(DASHBOARD)
    assert DASHBOARD["schemaVersion"] >= 36
    [variable] = [v for v in DASHBOARD["templating"]["list"] if v["type"] == "datasource"]
    assert variable["query"] == "prometheus"
    reference = {"type": "prometheus", "uid": f"${{{variable['name']}}}"}
    ids = [panel["id"] for panel in panels()]
    assert len(ids) == len(set(ids)), "panel ids must be unique"
    for panel in panels():
        if panel["type"] == "row":
            continue
        assert {"id", "type", "title", "gridPos", "datasource", "targets"} <= set(panel), panel.get("title")
        assert panel["datasource"] == reference, panel["title"]
        assert set(panel["gridPos"]) == {"h", "w", "x", "y"} and panel["gridPos"]["x"] + panel["gridPos"]["w"] <= 24
        assert panel["targets"], panel["title"]
        ref_ids = [target["refId"] for target in panel["targets"]]
        assert len(ref_ids) == len(set(ref_ids)), panel["title"]
        for target in panel["targets"]:
            assert target["datasource"] == reference and target["expr"], panel["title"]


def test_every_dashboard_query_parses_and_uses_exposed_metrics() -> None:
    known = exposed() | STANDARD
    used: set[str] = set()
    for panel in panels():
        for target in panel.get("targets", []):
            names = metric_names(target["expr"])
            assert names and names <= known, f"{panel['title']} uses {sorted(names - known)}"
            used |= names
    every_family = {name + SUFFIXES[kind][0] for name, kind in families().items() if kind != "histogram"}
    assert every_family - used == set(), "a metric without a panel"
