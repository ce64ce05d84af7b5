"""SeldonDeployment specs: the TF Serving proxy graph (ESS guide) and Triton (Seldon tutorial)."""

from __future__ import annotations

import jsonschema
import pytest

from components.alicloud.addons import sls_qps_metric
from components.kubernetes import seldon
from components.kubernetes.pod_template import PodOptions, pod_template
from crd_schemas import validate_custom_resource
from service_factories import CIFAR, FASHION, KEDA, service


def render(svc, **options):
    template = pod_template(svc, PodOptions(service_account_name=svc.name, **options))
    spec = seldon.seldon_deployment_spec(svc, template, qps=sls_qps_metric("k8s-log-c0ffee"), metrics=None,
                                         model_claim="model-store",
                                         s3_bucket="acme-triton-models", s3_secret=f"{svc.name}-s3")
    obj = {"apiVersion": seldon.API_VERSION, "kind": seldon.KIND,
           "metadata": {"name": svc.name, "namespace": svc.namespace}, "spec": spec}
    validate_custom_resource(obj)
    return spec["predictors"][0]


PROXY_ARGUMENTS = {"rest_endpoint", "grpc_endpoint", "model_name", "signature_name", "model_input", "model_output"}
"""Keyword arguments of ``TfServingProxy.__init__`` (seldon-core v1.15.0-v1.19.0-rc.1); it dereferences the first three."""


def test_tfserving_graph_gives_the_proxy_both_endpoints_of_the_server_in_its_pod():
    fashion = service(FASHION)
    predictor = render(fashion, model_claim="model-store", sidecars=(seldon.tfserving_proxy(fashion),))
    assert predictor["name"] == "default"
    graph = predictor["graph"]
    assert {k: v for k, v in graph.items() if k != "parameters"} == {
        "name": "tfserving-proxy", "type": "MODEL", "endpoint": {"type": "REST"}, "children": []}
    parameters = {p["name"]: p for p in graph["parameters"]}
    assert set(parameters) <= PROXY_ARGUMENTS
    assert {p["type"] for p in parameters.values()} == {"STRING"}
    containers = predictor["componentSpecs"][0]["spec"]["containers"]
    assert [c["name"] for c in containers] == ["tfserving-proxy", "server"]
    server_ports = {p["name"]: p["containerPort"] for p in containers[1]["ports"]}
    # grpc.insecure_channel takes host:port without a scheme; the REST endpoint is a URL.
    assert parameters["grpc_endpoint"]["value"] == f"localhost:{server_ports['grpc']}"
    assert parameters["rest_endpoint"]["value"] == f"http://localhost:{server_ports['rest']}"
    assert parameters["model_name"]["value"] == "fashion-mnist"
    assert parameters["signature_name"]["value"] == "serving_default"
    assert containers[0]["image"] == seldon.TFSERVING_PROXY_IMAGE
    assert containers[0]["resources"]["requests"] == containers[0]["resources"]["limits"]


def test_qps_hpa_targets_seldons_predictor_service_route():
    spec = render(service(FASHION))["componentSpecs"][0]
    assert spec["hpaSpec"]["minReplicas"] == 1 and spec["hpaSpec"]["maxReplicas"] == 10
    labels = spec["hpaSpec"]["metricsv2"][0]["external"]["metric"]["selector"]["matchLabels"]
    # Seldon's Service <sdep>-<predictor> on the executor port, like the guide's default-fashion-mnist-ecs-predictor-8000.
    assert labels["sls.ingress.route"] == "inference-fashion-mnist-default-8000"
    assert seldon.service_name(service(FASHION)) == "fashion-mnist-default"
    assert labels["sls.project"] == "k8s-log-c0ffee"
    assert "kedaSpec" not in spec and spec["pdbSpec"] == {"maxUnavailable": 1}


def test_keda_spec_replaces_the_hpa():
    spec = render(service(FASHION, autoscaling={"qps": None, "minReplicas": 0, **KEDA}))["componentSpecs"][0]
    assert "hpaSpec" not in spec
    assert spec["kedaSpec"]["minReplicaCount"] == 0
    assert spec["kedaSpec"]["triggers"][0]["metadata"]["threshold"] == "20"


def test_triton_from_s3_reads_the_rclone_secret_and_speaks_v2():
    cifar = service(CIFAR)
    predictor = render(cifar, container_name="cifar10-pytorch", managed_by_seldon=True)
    assert predictor["graph"] == {
        "name": "cifar10-pytorch", "implementation": "TRITON_SERVER", "type": "MODEL", "children": [],
        "modelUri": "s3://acme-triton-models/cifar10-model", "envSecretRefName": "cifar10-s3"}
    # The container overriding Seldon's Triton container carries the graph node's name.
    assert predictor["componentSpecs"][0]["spec"]["containers"][0]["name"] == predictor["graph"]["name"]
    hpa = predictor["componentSpecs"][0]["hpaSpec"]
    assert hpa["metricsv2"] == [{"type": "Resource", "resource": {
        "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 50}}}]


def test_triton_from_the_store_uses_the_claim():
    triton = service(FASHION, seldon={"implementation": "triton"})
    predictor = render(triton, container_name="fashion-mnist", managed_by_seldon=True)
    assert predictor["graph"]["modelUri"] == "pvc://model-store/models/fashion-mnist"
    assert "envSecretRefName" not in predictor["graph"]


def test_schema_rejects_unknown_fields():
    """The vendored schema check can fail: an HPA ``behavior`` is not part of Seldon's hpaSpec."""
    fashion = service(FASHION)
    spec = seldon.seldon_deployment_spec(fashion, pod_template(fashion, PodOptions(service_account_name="x")),
                                         qps=sls_qps_metric("p"), metrics=None, model_claim="c", s3_bucket=None,
                                         s3_secret=None)
    spec["predictors"][0]["componentSpecs"][0]["hpaSpec"]["behavior"] = {}
    with pytest.raises(jsonschema.ValidationError):
        validate_custom_resource({"apiVersion": seldon.API_VERSION, "kind": seldon.KIND,
                                  "metadata": {"name": "x"}, "spec": spec})
