"""The ``SeldonDeployment`` (Seldon Core v1, ``machinelearning.seldon.io/v1``) of a ``server: seldon`` service.

Naming, from the Seldon v1 operator (``operator/apis/machinelearning.seldon.io/v1/seldondeployment_types.go``):
the operator creates one Service per predictor named ``<deployment>-<predictor>`` (``GetPredictorKey``)
whose HTTP port is the executor's 8000 (chart value ``executor.port``), and labels the pods
``seldon-deployment-id: <deployment>``. The ESS guide's QPS route ``default-fashion-mnist-ecs-predictor-8000``
is exactly ``<namespace>-<deployment>-<predictor>-8000``.
"""

from __future__ import annotations

from typing import Any, Optional

import pulumi

from stackconfig import TFSERVING_PROXY_RESOURCES, ServiceConfig

from . import autoscaling, pod_template, serving
from .context import MetricsBackend, QpsMetric

API_VERSION = "machinelearning.seldon.io/v1"
KIND = "SeldonDeployment"
PREDICTOR = "default"
HTTP_PORT = 8000
"""Port of the Seldon executor, which fronts the graph; the predictor Service exposes it."""
DEPLOYMENT_ID_LABEL = "seldon-deployment-id"

TFSERVING_PROXY = "tfserving-proxy"
"""Graph node and container name of Seldon's TF Serving proxy (the ESS guide)."""
TFSERVING_PROXY_IMAGE = "seldonio/tfserving-proxy:1.15.0"
"""Seldon's proxy that turns Seldon protocol requests into TF Serving REST calls; the guide's
``tfserving-proxy_rest`` image was merged into ``seldonio/tfserving-proxy``. Tag 1.15.0 is published
(Charmed Kubeflow's Seldon image list pins it).

What it reads, checked in SeldonIO/seldon-core at v1.15.0 and v1.19.0-rc.1 (the newest v1 tag in the source;
the operator chart is 1.19.0), where these files are identical:

- ``servers/tfserving_proxy/TfServingProxy.py``: ``TfServingProxy.__init__(rest_endpoint, grpc_endpoint,
  model_name, signature_name, model_input, model_output)``, all defaulting to None. It always calls
  ``grpc.insecure_channel(grpc_endpoint, ...)`` and builds ``rest_endpoint + "/v1/models/" + model_name +
  ":predict"``, so without ``grpc_endpoint`` (or ``rest_endpoint``/``model_name``) the constructor raises and the
  container crash-loops. ``grpc_endpoint`` is ``host:port`` without a scheme, ``rest_endpoint`` a URL (the
  proxy's README table, and the operator's own defaults ``0.0.0.0:2000``/``http://0.0.0.0:2001`` in
  ``operator/controllers/seldondeployment_prepackaged_servers.go``, ``SetUriParamsForTFServingProxyContainer``).
- ``python/seldon_core/microservice.py`` ``parse_parameters``: the graph's ``parameters`` reach the
  constructor as keyword arguments converted by ``type`` (``STRING`` -> ``str``); the operator passes them in
  ``PREDICTIVE_UNIT_PARAMETERS`` (``addModelEnvs``).
- ``python/seldon_core/metrics.py``: ``SeldonMetrics`` starts a ``multiprocessing.Manager()``, whose server
  listens on a Unix socket in ``tempfile.mkdtemp(prefix="pymp-")`` (CPython ``multiprocessing.util.get_temp_dir``;
  ``tempfile`` fails with "No usable temporary directory found" when no temp dir is writable), and the REST
  server is gunicorn (``gunicorn_utils.py``), whose workers each create a ``tempfile.mkstemp`` heartbeat file
  (``worker_tmp_dir`` unset): the proxy needs a writable ``/tmp``, which :func:`pod_template.with_writable_tmp`
  gives every container with a read-only root filesystem.
"""


def service_name(service: ServiceConfig) -> str:
    """The Service Seldon creates for the predictor: the Ingress backend and the QPS route target."""
    return f"{service.name}-{PREDICTOR}"


def tfserving_proxy(service: ServiceConfig) -> dict[str, Any]:
    """The proxy container. Seldon adds its ports and probes, as for every graph node's container."""
    return {
        "name": TFSERVING_PROXY,
        "image": TFSERVING_PROXY_IMAGE,
        "resources": {"requests": dict(TFSERVING_PROXY_RESOURCES), "limits": dict(TFSERVING_PROXY_RESOURCES)},
        "securityContext": pod_template.CONTAINER_SECURITY_CONTEXT,
    }


def graph(service: ServiceConfig, *, model_claim: Optional[str], s3_bucket: Optional[str],
          s3_secret: Optional[pulumi.Input[str]]) -> dict[str, Any]:
    """The inference graph: the TF Serving proxy (ESS guide), or Seldon's prepackaged Triton (Seldon tutorial).

    Triton reads its repository from ``s3://`` (with the rclone credentials Secret as ``envSecretRefName``)
    or from the model store's claim as ``pvc://<claim>/<path>``, which the operator mounts directly.
    """
    if service.serving_kind == "tfserving":
        ports = dict(serving.TFSERVING.ports)
        return {
            "name": TFSERVING_PROXY,
            "type": "MODEL",
            "endpoint": {"type": "REST"},
            "children": [],
            "parameters": [
                {"name": "rest_endpoint", "type": "STRING", "value": f"http://localhost:{ports['rest']}"},
                {"name": "grpc_endpoint", "type": "STRING", "value": f"localhost:{ports['grpc']}"},
                {"name": "model_name", "type": "STRING", "value": service.model.name},
                {"name": "signature_name", "type": "STRING", "value": "serving_default"},
            ],
        }
    node: dict[str, Any] = {"name": service.model.name, "implementation": "TRITON_SERVER", "type": "MODEL",
                            "children": []}
    if service.model.source == "s3":
        node["modelUri"] = serving.model_location(service, s3_bucket)
        node["envSecretRefName"] = s3_secret
    else:
        node["modelUri"] = f"pvc://{model_claim}/{service.model.path}"
    return node


def component_spec(service: ServiceConfig, template: dict[str, Any], *, qps: Optional[QpsMetric],
                   metrics: Optional[MetricsBackend], namespace: str) -> dict[str, Any]:
    """``componentSpecs[0]``: the pod, its autoscaler (``hpaSpec`` with ``metricsv2``, or ``kedaSpec``) and
    ``pdbSpec``. Seldon creates the HPA/ScaledObject and the PodDisruptionBudget for the pods itself.

    ``hpaSpec`` has no ``behavior`` (Seldon v1 CRD); the config accepts only the default behaviour
    (Kubernetes' own) for Seldon HPAs, so nothing configured is lost.
    """
    spec: dict[str, Any] = {**template, "pdbSpec": {"maxUnavailable": 1}}
    scaling = service.autoscaling
    if scaling.uses_keda:
        spec["kedaSpec"] = autoscaling.keda_spec(service, metrics)
    else:
        spec["hpaSpec"] = {
            "minReplicas": scaling.min_replicas,
            "maxReplicas": scaling.max_replicas,
            "metricsv2": autoscaling.hpa_metrics(
                scaling, qps=qps, route=autoscaling.qps_route(namespace, service_name(service), HTTP_PORT)),
        }
    return spec


def seldon_deployment_spec(service: ServiceConfig, template: dict[str, Any], *, qps: Optional[QpsMetric],
                           metrics: Optional[MetricsBackend], model_claim: Optional[str], s3_bucket: Optional[str],
                           s3_secret: Optional[pulumi.Input[str]]) -> dict[str, Any]:
    """``spec`` of the SeldonDeployment: one predictor ``default`` with one componentSpec.

    Triton speaks the Open Inference (``v2``) protocol; the TF Serving proxy the Seldon protocol (default).
    No ``replicas``: the autoscaler Seldon creates owns the count, and a value here would fight it.
    """
    predictor = {
        "name": PREDICTOR,
        "graph": graph(service, model_claim=model_claim, s3_bucket=s3_bucket, s3_secret=s3_secret),
        "componentSpecs": [component_spec(service, template, qps=qps, metrics=metrics, namespace=service.namespace)],
    }
    spec: dict[str, Any] = {"predictors": [predictor]}
    if service.serving_kind == "triton":
        spec["protocol"] = "v2"
    return spec
