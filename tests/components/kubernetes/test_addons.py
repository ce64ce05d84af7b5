"""ClusterAddons: pinned Helm releases; the catalog's choice of them (Seldon Core and KEDA only when a service needs
them, the QPS metrics adapter unless KEDA is needed)."""

from __future__ import annotations

import pulumi
import pytest

from components.kubernetes.addons import ClusterAddons, release_arguments, seldon_values
from components.kubernetes.catalog import CatalogArgs, addons_args
from service_factories import BERT, FASHION, KEDA, service
from stackconfig import AddonsConfig, AlicloudConfig, HelmChartConfig

RELEASE = "kubernetes:helm.sh/v3:Release"
ADDONS = AddonsConfig()
METRICS_ADAPTER = AlicloudConfig().metrics_adapter


def install(run_under_mocks, seldon: bool, keda: bool, replaced: dict | None = None):
    """Run ClusterAddons under mocks; ``replaced`` collects each release's ``replace_on_changes``."""

    def program():
        if replaced is not None:
            def record(args: pulumi.ResourceTransformationArgs):
                if args.type_ == RELEASE:
                    replaced[args.name] = (list(args.opts.replace_on_changes or []), args.opts.delete_before_replace)
            pulumi.runtime.register_stack_transformation(record)
        services = [service(FASHION if seldon else BERT)]
        if keda:
            services.append(service({**BERT, "name": "bert-keda", "autoscaling": {"maxReplicas": 4, **KEDA}}))
        component = ClusterAddons("addons", addons_args(CatalogArgs(
            services=services, addons=ADDONS, qps_metrics_adapter=METRICS_ADAPTER), None))
        pulumi.export("charts", sorted(component.releases))

    return run_under_mocks(program)


def releases(plan) -> dict[str, dict]:
    return {r.inputs["chart"]: r for r in plan.by_type(RELEASE)}


def test_release_arguments_pin_repository_version_and_namespace():
    args = release_arguments(ADDONS.keda, {"a": 1})
    assert args["repository_opts"] == {"repo": "https://kedacore.github.io/charts"}
    assert (args["chart"], args["name"], args["version"], args["namespace"]) == ("keda", "keda", "2.21.1", "keda")
    assert args["create_namespace"] and args["atomic"] and args["cleanup_on_fail"]
    assert args["values"] == {"a": 1}


def test_oci_charts_are_referenced_by_url():
    chart = HelmChartConfig(repository="oci://registry.example.com/charts/", chart="keda", version="2.21.1", namespace="keda")
    args = release_arguments(chart, {})
    assert args["chart"] == "oci://registry.example.com/charts/keda"
    assert "repository_opts" not in args


@pytest.mark.parametrize("keda", [True, False])
def test_seldon_values_turn_off_usage_metrics_and_follow_keda(keda):
    assert seldon_values(keda) == {"usageMetrics": {"enabled": False}, "keda": {"enabled": keda}}


def test_only_the_metrics_adapter_without_seldon_or_keda(run_under_mocks):
    plan = install(run_under_mocks, seldon=False, keda=False)
    assert list(releases(plan)) == ["ack-alibaba-cloud-metrics-adapter"]
    adapter = releases(plan)["ack-alibaba-cloud-metrics-adapter"].inputs
    assert adapter["namespace"] == "kube-system" and adapter["values"] == {}
    assert plan.outputs["charts"] == ["qps-metrics-adapter"]


def test_keda_replaces_the_metrics_adapter(run_under_mocks):
    """Both serve external.metrics.k8s.io; the platform installs one or the other."""
    plan = install(run_under_mocks, seldon=False, keda=True)
    assert sorted(releases(plan)) == ["keda"]


def test_seldon_without_keda_has_keda_support_off(run_under_mocks):
    plan = install(run_under_mocks, seldon=True, keda=False)
    seldon = releases(plan)["seldon-core-operator"]
    assert "keda" not in releases(plan)
    assert seldon.inputs["values"] == {"usageMetrics": {"enabled": False}, "keda": {"enabled": False}}
    assert seldon.depends_on == []


def test_seldon_waits_for_keda_when_both(run_under_mocks):
    plan = install(run_under_mocks, seldon=True, keda=True)
    by_chart = releases(plan)
    seldon = by_chart["seldon-core-operator"]
    assert seldon.inputs["values"]["keda"] == {"enabled": True}
    assert seldon.depends_on == [by_chart["keda"].urn]
    component = plan.get("elastic-inference:addons:ClusterAddons", "addons")
    assert {r.parent for r in by_chart.values()} == {component.urn}


def test_every_release_is_pinned_to_its_configured_chart(run_under_mocks):
    plan = install(run_under_mocks, seldon=True, keda=True)
    configured = {c.chart: c for c in (METRICS_ADAPTER, ADDONS.seldon_core, ADDONS.keda)}
    for chart, release in releases(plan).items():
        expected = configured[chart]
        assert release.inputs["version"] == expected.version
        assert release.inputs["repositoryOpts"] == {"repo": expected.repository}
        assert release.inputs["namespace"] == expected.namespace
        assert release.inputs["createNamespace"] is True and release.inputs["atomic"] is True


def test_metrics_adapter_is_reinstalled_on_a_version_change(run_under_mocks):
    replaced: dict = {}
    install(run_under_mocks, seldon=True, keda=False, replaced=replaced)
    assert replaced["addons-ack-alibaba-cloud-metrics-adapter"] == (["version"], True)
    assert replaced["addons-seldon-core-operator"][0] == []
    replaced.clear()
    install(run_under_mocks, seldon=False, keda=True, replaced=replaced)
    assert replaced["addons-keda"][0] == []
