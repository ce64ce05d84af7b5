"""The InferenceService component under the mock engine, per server kind and autoscaling mode; its wiring
into the platform; and the config rules it relies on."""

from __future__ import annotations

import dataclasses
import re
from ipaddress import ip_address, ip_network

import kubernetes_validate
import pulumi
import pulumi_kubernetes as k8s
import pytest

from components.alicloud.addons import ACK_NETWORK, sls_qps_metric
from components.alicloud.burst import ECI
from components.alicloud.platform import AlicloudPlatform, AlicloudPlatformArgs
from components.kubernetes.addons import KEDA as KEDA_ADDON
from components.kubernetes.addons import QPS_METRICS_ADAPTER, SELDON_CORE
from components.aws.cluster import EKS_NETWORK
from components.kubernetes.context import ANY_CLOUD, ClusterContext, NetworkBoundary, S3Access
from components.kubernetes.inference_service import (InferenceService, InferenceServiceArgs, credentials_secret_data,
                                                     network_policy_spec, unmet_needs)
from crd_schemas import validate_custom_resource
from factories import keys_and_strings
from planner import mocks
from planner.manifests import kubernetes_objects
from policypack.sentinels import SECRET_MARK
from service_factories import BERT, CIFAR, FASHION, KEDA, service, stack_with
from stackconfig import ClaimRef
from stackconfig.errors import StackConfigError

COMPONENT = "elastic-inference:inference:InferenceService"
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
SERVICE = "kubernetes:core/v1:Service"
INGRESS = "kubernetes:networking.k8s.io/v1:Ingress"
HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler"
PDB = "kubernetes:policy/v1:PodDisruptionBudget"
NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
SCALED_OBJECT = "kubernetes:keda.sh/v1alpha1:ScaledObject"
SELDON = "kubernetes:machinelearning.seldon.io/v1:SeldonDeployment"
SECRET = "kubernetes:core/v1:Secret"
CONFIG_MAP = "kubernetes:core/v1:ConfigMap"
AUTOSCALERS = (HPA, SCALED_OBJECT)
LOG_PROJECT = "k8s-log-c0ffee"


def plan_service(run_under_mocks, svc):
    config = stack_with(svc)
    entry = config.services[0]

    def program():
        provider = k8s.Provider("k8s", kubeconfig=mocks.PLACEHOLDER_KUBECONFIG)
        store = pulumi.CustomResource("test:index:ModelStore", "model-store", {})
        operator = pulumi.CustomResource("test:index:Operator", "operator", {})
        s3 = None
        if config.s3_model_repository and config.s3_credentials:
            s3 = S3Access(bucket=config.s3_model_repository.bucket_name, region=config.s3_model_repository.region,
                          credentials=config.s3_credentials)
        roles = (SELDON_CORE, KEDA_ADDON, QPS_METRICS_ADAPTER)
        cluster = ClusterContext(provider=provider, cloud="alicloud", burst=ECI, qps=sls_qps_metric(LOG_PROJECT),
                                 model_claim=ClaimRef(namespace=entry.namespace, name="model-store"), s3=s3,
                                 addons=frozenset(roles), network=ACK_NETWORK, storage=[store])
        InferenceService(entry.name, InferenceServiceArgs(
            service=entry, cluster=cluster, operators={role: operator for role in roles}),
            opts=pulumi.ResourceOptions(providers=[provider]))

    return run_under_mocks(program)


def only(plan, type_token):
    resources = plan.by_type(type_token)
    assert len(resources) == 1, f"{len(resources)} resources of type {type_token}"
    return resources[0]


def urn_of(plan, type_token):
    return only(plan, type_token).urn


def assert_valid(plan):
    for obj in kubernetes_objects(plan):
        if obj["kind"] == "Secret":
            # The offline plan hides a Secret's whole stringData; validate the rest.
            assert obj["stringData"] == SECRET_MARK
            obj = {k: v for k, v in obj.items() if k != "stringData"}
        group = obj["apiVersion"].rpartition("/")[0]
        if "." in group and not group.endswith(".k8s.io"):
            validate_custom_resource(obj)
        else:
            kubernetes_validate.validate(obj, "1.35.0", strict=True)


CASES = {
    "tfserving-qps": BERT,
    "tfserving-cpu-eci": {**BERT, "burst": {"mode": "only", "eciGpuSpecs": ["ecs.gn6i-c4g1.xlarge"]},
                          "autoscaling": {"maxReplicas": 4, "cpu": {"targetUtilization": 50}}},
    "triton-keda": {**BERT, "name": "resnet", "server": "triton", "ingress": None,
                    "model": {"name": "resnet50", "path": "triton"},
                    "autoscaling": {"minReplicas": 0, "maxReplicas": 3, **KEDA}},
    "triton-s3-memory": {**CIFAR, "server": "triton", "seldon": None,
                         "autoscaling": {"maxReplicas": 2, "memory": {"targetUtilization": 70}}},
    "seldon-tfserving-qps": FASHION,
    "seldon-triton-s3-cpu": CIFAR,
    "seldon-keda": {**FASHION, "autoscaling": {"minReplicas": 0, "maxReplicas": 4, **KEDA}},
}


def entry(case):
    return {k: v for k, v in CASES[case].items() if v is not None}


@pytest.mark.parametrize("case", CASES)
def test_every_object_is_valid_named_labelled_and_a_child(run_under_mocks, case):
    svc = entry(case)
    plan = plan_service(run_under_mocks, svc)
    assert_valid(plan)
    component = only(plan, COMPONENT)
    for resource in plan.resources:
        if resource.type.startswith("kubernetes:") and "metadata" in resource.inputs:
            assert resource.parent == component.urn
            metadata = resource.inputs["metadata"]
            assert metadata["namespace"] == "inference" and metadata["name"].startswith(svc["name"])
            assert metadata["labels"]["app.kubernetes.io/name"] == svc["name"]
            assert metadata["labels"]["app.kubernetes.io/part-of"] == "elastic-inference"


@pytest.mark.parametrize("case", CASES)
def test_exactly_one_autoscaler_per_workload(run_under_mocks, case):
    svc = entry(case)
    plan = plan_service(run_under_mocks, svc)
    if svc["server"] == "seldon":
        assert not plan.by_type(DEPLOYMENT) and not plan.by_type(PDB)
        assert not [r for r in plan.resources if r.type in AUTOSCALERS]
        [component_spec] = only(plan, SELDON).inputs["spec"]["predictors"][0]["componentSpecs"]
        assert len({"hpaSpec", "kedaSpec"} & component_spec.keys()) == 1
    else:
        deployment = only(plan, DEPLOYMENT).inputs
        [autoscaler] = [r for r in plan.resources if r.type in AUTOSCALERS]
        target = autoscaler.inputs["spec"]["scaleTargetRef"]
        assert (target["kind"], target["name"]) == ("Deployment", deployment["metadata"]["name"])
        assert "replicas" not in deployment["spec"]  # the autoscaler owns the count
        assert autoscaler.type == (SCALED_OBJECT if svc["autoscaling"].get("keda") else HPA)


@pytest.mark.parametrize("case", ["tfserving-qps", "seldon-tfserving-qps"])
def test_qps_selector_route_is_the_real_ingress_backend(run_under_mocks, case):
    plan = plan_service(run_under_mocks, entry(case))
    ingress = only(plan, INGRESS).inputs
    path = ingress["spec"]["rules"][0]["http"]["paths"][0]
    backend = path["backend"]["service"]
    assert path["pathType"] == "Prefix" and ingress["spec"]["ingressClassName"] == "nginx"
    if case.startswith("seldon"):
        metrics = only(plan, SELDON).inputs["spec"]["predictors"][0]["componentSpecs"][0]["hpaSpec"]["metricsv2"]
        assert backend == {"name": "fashion-mnist-default", "port": {"number": 8000}}
    else:
        metrics = only(plan, HPA).inputs["spec"]["metrics"]
        service_ports = {p["port"] for p in only(plan, SERVICE).inputs["spec"]["ports"]}
        assert backend["name"] == only(plan, SERVICE).inputs["metadata"]["name"]
        assert backend["port"]["number"] in service_ports
    labels = metrics[0]["external"]["metric"]["selector"]["matchLabels"]
    assert labels["sls.ingress.route"] == f"inference-{backend['name']}-{backend['port']['number']}"
    assert labels["sls.project"] == LOG_PROJECT


def test_service_ports_and_pdb_select_the_pods(run_under_mocks):
    plan = plan_service(run_under_mocks, entry("triton-keda"))
    pod_labels = only(plan, DEPLOYMENT).inputs["spec"]["template"]["metadata"]["labels"]
    service_spec = only(plan, SERVICE).inputs["spec"]
    assert [(p["name"], p["port"], p["targetPort"]) for p in service_spec["ports"]] == [
        ("rest", 8000, "rest"), ("grpc", 8001, "grpc"), ("metrics", 8002, "metrics")]
    pdb = only(plan, PDB).inputs["spec"]
    assert pdb["maxUnavailable"] == 1
    for selector in (service_spec["selector"], pdb["selector"]["matchLabels"],
                     only(plan, DEPLOYMENT).inputs["spec"]["selector"]["matchLabels"]):
        assert selector.items() <= pod_labels.items()
    assert not plan.by_type(INGRESS) and not plan.by_type(CONFIG_MAP)


def admitted(policy):
    """The namespaces an ingress rule's one namespace selector admits by name."""
    [peer] = policy["from"]
    [expression] = peer["namespaceSelector"]["matchExpressions"]
    assert (expression["key"], expression["operator"]) == ("kubernetes.io/metadata.name", "In") and set(peer) == {"namespaceSelector"}
    return expression["values"]


def test_network_policy_admits_the_ingress_controller_the_scraper_and_the_namespace_on_serving_ports(run_under_mocks):
    plan = plan_service(run_under_mocks, entry("triton-keda"))
    pod_labels = only(plan, DEPLOYMENT).inputs["spec"]["template"]["metadata"]["labels"]
    policy = only(plan, NETWORK_POLICY).inputs["spec"]
    assert policy["podSelector"]["matchLabels"].items() <= pod_labels.items()
    assert policy["policyTypes"] == ["Ingress", "Egress"]
    [rule] = policy["ingress"]
    # prometheus.monitoring.svc is the KEDA trigger's Prometheus; kube-system runs ACK's NGINX ingress controller
    assert admitted(rule) == ["inference", "kube-system", "monitoring"]
    assert sorted(p["port"] for p in rule["ports"]) == [8000, 8001, 8002]


def test_network_policy_of_a_seldon_service_selects_seldons_pods(run_under_mocks):
    plan = plan_service(run_under_mocks, entry("seldon-tfserving-qps"))
    policy = only(plan, NETWORK_POLICY).inputs["spec"]
    assert policy["podSelector"] == {"matchLabels": {"seldon-deployment-id": "fashion-mnist"}}
    [rule] = policy["ingress"]
    assert "ports" not in rule and admitted(rule) == ["inference", "kube-system"]
    assert policy["policyTypes"] == ["Ingress", "Egress"] and policy["egress"] == network_policy_spec(
        service(FASHION), ACK_NETWORK)["egress"]


def reachable(egress, address):
    """Whether an egress rule list lets pods connect to ``address`` outside the cluster (by ipBlock)."""
    ip = ip_address(address)
    return any(ip in ip_network(peer["ipBlock"]["cidr"]) and not any(ip in ip_network(c) for c in peer["ipBlock"].get("except", []))
               for rule in egress for peer in rule["to"] if "ipBlock" in peer and ip.version == ip_network(peer["ipBlock"]["cidr"]).version)


@pytest.mark.parametrize("network, blocked", [
    (ACK_NETWORK, ["100.100.100.200"]),
    (EKS_NETWORK, ["169.254.169.254", "fd00:ec2::254"]),
    (ANY_CLOUD, ["100.100.100.200", "169.254.169.254", "fd00:ec2::254"]),
])
def test_egress_reaches_everything_but_instance_metadata(network, blocked):
    egress = network_policy_spec(service(BERT), network)["egress"]
    assert [address for address in blocked if reachable(egress, address)] == []
    # DNS, OSS/S3 and STS endpoints, the API server: anything else, in the cluster or not
    assert all(reachable(egress, a) for a in ("8.8.8.8", "10.0.0.10", "100.100.100.201", "2600:1f18::1"))
    assert {"namespaceSelector": {}} in egress[0]["to"]


def test_allowed_namespaces_and_the_platforms_ingress_namespaces_are_admitted():
    svc = service({**BERT, "networkPolicy": {"allowFromNamespaces": ["ingress-nginx", "clients"]}})
    [rule] = network_policy_spec(svc, EKS_NETWORK)["ingress"]
    assert admitted(rule) == ["clients", "inference", "ingress-nginx"]
    [rule] = network_policy_spec(service(BERT), NetworkBoundary(ingress_namespaces=frozenset({"edge"})))["ingress"]
    assert admitted(rule) == ["edge", "inference"]


@pytest.mark.parametrize("address, scraper", [
    ("http://prometheus.monitoring.svc:9090", "monitoring"),
    ("https://kps-prometheus.observability.svc.cluster.local:9090/prom", "observability"),
    ("http://prometheus.example.com:9090", None),  # outside the cluster: nothing in it to admit
    ("http://prometheus.monitoring:9090", None),  # not a .svc name: name the namespace in allowFromNamespaces
])
def test_the_keda_triggers_prometheus_namespace_is_admitted_when_its_address_names_it(address, scraper):
    svc = service({**BERT, "autoscaling": {"minReplicas": 1, "maxReplicas": 2, **KEDA,
                                           "keda": {**KEDA["keda"], "serverAddress": address}}})
    [rule] = network_policy_spec(svc, ANY_CLOUD)["ingress"]
    assert admitted(rule) == sorted({"inference", *([scraper] if scraper else [])})


def test_tfserving_mounts_its_config_map_and_the_store(run_under_mocks):
    plan = plan_service(run_under_mocks, {**BERT, "model": {**BERT["model"], "versionPolicy": {"specific": [1623831335]}}})
    config_map = only(plan, CONFIG_MAP).inputs
    assert "specific { versions: 1623831335 }" in config_map["data"]["models.config"]
    pod = only(plan, DEPLOYMENT).inputs["spec"]["template"]["spec"]
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes["server-config"]["configMap"]["name"] == config_map["metadata"]["name"]
    assert volumes["models"]["persistentVolumeClaim"] == {"claimName": "model-store", "readOnly": True}
    assert pod["serviceAccountName"] == only(plan, "kubernetes:core/v1:ServiceAccount").inputs["metadata"]["name"]


def pod_template_of(plan):
    """The pod template the workload's pods are made from: the Deployment's, or the SeldonDeployment's
    componentSpec without its autoscaler and disruption budget (the operator copies metadata and spec)."""
    if plan.by_type(DEPLOYMENT):
        return only(plan, DEPLOYMENT).inputs["spec"]["template"]
    [component_spec] = only(plan, SELDON).inputs["spec"]["predictors"][0]["componentSpecs"]
    return {k: component_spec[k] for k in ("metadata", "spec")}


@pytest.mark.parametrize("case", ["tfserving-qps", "seldon-tfserving-qps", "seldon-keda"])
def test_a_version_policy_change_rolls_the_pods_and_a_replica_bound_change_does_not(run_under_mocks, case):
    """TF Serving reads its model config once at start: the ConfigMap alone changing would leave old versions."""
    svc = entry(case)
    before = pod_template_of(plan_service(run_under_mocks, svc))
    policy = plan_service(run_under_mocks, {**svc, "model": {**svc["model"], "versionPolicy": {"specific": [1623831335]}}})
    assert "specific { versions: 1623831335 }" in only(policy, CONFIG_MAP).inputs["data"]["models.config"]
    assert pod_template_of(policy) != before
    bounds = plan_service(run_under_mocks, {**svc, "autoscaling": {**svc["autoscaling"], "maxReplicas": 3}})
    assert pod_template_of(bounds) == before


@pytest.mark.parametrize("case, secret_ref", [("triton-s3-memory", "envFrom"), ("seldon-triton-s3-cpu", "envSecretRefName")])
def test_s3_credentials_only_as_a_secret(run_under_mocks, case, secret_ref):
    plan = plan_service(run_under_mocks, entry(case))
    secret = only(plan, SECRET).inputs
    assert secret["stringData"] == SECRET_MARK and secret["type"] == "Opaque"
    strings = [s for r in plan.resources for s in keys_and_strings(r.inputs)]
    assert not any("AKIAEXAMPLEKEYID" in s or "example-secret-access-key" in s for s in strings)
    if secret_ref == "envFrom":
        container = only(plan, DEPLOYMENT).inputs["spec"]["template"]["spec"]["containers"][0]
        assert container["envFrom"] == [{"secretRef": {"name": secret["metadata"]["name"]}}]
        assert "--model-repository=s3://acme-triton-models/cifar10-model" in container["args"]
    else:
        graph = only(plan, SELDON).inputs["spec"]["predictors"][0]["graph"]
        assert graph["envSecretRefName"] == secret["metadata"]["name"]


def test_workload_waits_for_storage_and_autoscalers_for_operators(run_under_mocks):
    for case, autoscaler in (("tfserving-qps", HPA), ("triton-keda", SCALED_OBJECT)):
        plan = plan_service(run_under_mocks, entry(case))
        store, operator = urn_of(plan, "test:index:ModelStore"), urn_of(plan, "test:index:Operator")
        assert store in only(plan, DEPLOYMENT).depends_on
        assert operator in only(plan, autoscaler).depends_on
    seldon = only(plan_service(run_under_mocks, entry("seldon-keda")), SELDON)
    assert any(d.endswith("::operator") for d in seldon.depends_on) and any(d.endswith("::model-store") for d in seldon.depends_on)


def test_tls_ingress(run_under_mocks):
    plan = plan_service(run_under_mocks, {**BERT, "ingress": {"host": "bert.example.com", "tlsSecretName": "bert-tls"}})
    assert only(plan, INGRESS).inputs["spec"]["tls"] == [{"hosts": ["bert.example.com"], "secretName": "bert-tls"}]


# ----------------------------------------------------------------------------- platform wiring


def test_platform_creates_services_with_their_addons_and_the_s3_repository(run_under_mocks):
    config = stack_with(BERT, CIFAR)

    def program():
        platform = AlicloudPlatform("platform", AlicloudPlatformArgs(config=config))
        pulumi.export("services", platform.outputs.services)

    plan = run_under_mocks(program)
    components = {r.name: r for r in plan.by_type(COMPONENT)}
    assert set(components) == {"inference-bert", "inference-cifar10"}
    platform = only(plan, "elastic-inference:platform:AlicloudPlatform")
    assert all(c.parent == platform.urn for c in components.values())
    assert plan.outputs["services"] == {"inference/bert": "bert.example.com", "inference/cifar10": None}
    releases = {r.name: r.urn for r in plan.by_type("kubernetes:helm.sh/v3:Release")}
    claim = plan.get("kubernetes:core/v1:PersistentVolumeClaim", "model-store-claim").urn
    bucket = only(plan, "aws:s3/bucket:Bucket").urn
    assert only(plan, "elastic-inference:s3-model-repository:S3ModelRepository").parent == platform.urn
    assert releases["addons-ack-alibaba-cloud-metrics-adapter"] in plan.get(HPA, "inference-bert-hpa").depends_on
    assert claim in plan.get(DEPLOYMENT, "inference-bert-deployment").depends_on
    seldon = plan.get(SELDON, "inference-cifar10-seldon-deployment")
    assert releases["addons-seldon-core-operator"] in seldon.depends_on and bucket in seldon.depends_on
    assert releases["addons-ack-alibaba-cloud-metrics-adapter"] not in seldon.depends_on  # cpu HPA


# ----------------------------------------------------------------------------- config rules


@pytest.mark.parametrize("entry_, path", [
    ({**BERT, "server": "triton", "model": {**BERT["model"], "versionPolicy": {"latest": 2}}}, "model.versionPolicy"),
    ({**FASHION, "autoscaling": {**FASHION["autoscaling"], "behavior": {"scaleDown": {"stabilizationWindowSeconds": 60}}}},
     "autoscaling.behavior"),
    ({**CIFAR, "model": {**CIFAR["model"], "name": "cifar10_pytorch"}}, "model.name"),
])
def test_config_rejects_what_the_servers_cannot_apply(entry_, path):
    with pytest.raises(StackConfigError, match=re.escape(f"services[0].{path}")):
        stack_with(entry_)


def test_keda_seldon_service_may_set_behavior():
    keda = {**FASHION, "autoscaling": {"maxReplicas": 4, **KEDA, "behavior": {"scaleDown": {"stabilizationWindowSeconds": 60}}}}
    assert service(keda).autoscaling.behavior.scale_down.stabilization_window_seconds == 60


def test_secret_data_for_seldons_rclone_and_for_triton(run_under_mocks):
    credentials = stack_with(CIFAR).s3_credentials

    def program():
        for name, for_seldon in (("rclone", True), ("aws", False)):
            data = credentials_secret_data(credentials, "us-east-1", for_seldon=for_seldon)
            pulumi.export(name, data)
            pulumi.export(f"{name}-values", pulumi.Output.unsecret(pulumi.Output.from_input(data)))

    outputs = run_under_mocks(program).outputs
    assert outputs["rclone"] == outputs["aws"] == SECRET_MARK
    assert outputs["rclone-values"] == {
        "RCLONE_CONFIG_S3_TYPE": "s3", "RCLONE_CONFIG_S3_PROVIDER": "aws", "RCLONE_CONFIG_S3_ENV_AUTH": "false",
        "RCLONE_CONFIG_S3_ACCESS_KEY_ID": "AKIAEXAMPLEKEYID",
        "RCLONE_CONFIG_S3_SECRET_ACCESS_KEY": "example-secret-access-key", "RCLONE_CONFIG_S3_REGION": "us-east-1"}
    assert outputs["aws-values"] == {"AWS_ACCESS_KEY_ID": "AKIAEXAMPLEKEYID",
                                     "AWS_SECRET_ACCESS_KEY": "example-secret-access-key",
                                     "AWS_DEFAULT_REGION": "us-east-1"}


def test_ingress_exposure_options_are_nginx_annotations(run_under_mocks):
    ingress = {"host": "bert.example.com", "tlsSecretName": "bert-tls", "allowSourceCidrs": ["203.0.113.0/24", "10.1.0.0/16"],
               "rateLimitRps": 20, "authSecretName": "bert-users"}
    metadata = only(plan_service(run_under_mocks, {**BERT, "ingress": ingress}), INGRESS).inputs["metadata"]
    assert metadata["annotations"] == {
        "nginx.ingress.kubernetes.io/whitelist-source-range": "203.0.113.0/24,10.1.0.0/16",
        "nginx.ingress.kubernetes.io/limit-rps": "20",
        "nginx.ingress.kubernetes.io/auth-type": "basic",
        "nginx.ingress.kubernetes.io/auth-secret": "bert-users",
    }


def test_plain_http_ingress_has_no_tls_and_no_annotations(run_under_mocks):
    inputs = only(plan_service(run_under_mocks, {**BERT, "ingress": {"host": "bert.example.com", "tls": False}}), INGRESS).inputs
    assert "tls" not in inputs["spec"] and "annotations" not in inputs["metadata"]


def test_unmet_needs_name_each_problem_once_with_what_to_do():
    provider = None  # unmet_needs reads only what the cluster offers, never the provider
    bare = ClusterContext(provider=provider, cloud="aws")  # type: ignore[arg-type]
    qps_seldon = service(FASHION)  # server seldon, autoscaling qps
    problems = unmet_needs(qps_seldon, bare)
    assert len(problems) == 2
    assert "autoscaling.qps" in problems[0] and "autoscale on cpu, memory or keda" in problems[0]
    assert "seldon-core add-on" in problems[1]  # the QPS adapter is not a second problem: nothing could serve it
    acked = ClusterContext(provider=provider, cloud="alicloud", qps=sls_qps_metric(LOG_PROJECT),  # type: ignore[arg-type]
                           addons=frozenset({SELDON_CORE}))
    assert unmet_needs(qps_seldon, acked) == [
        "it needs the qps-metrics-adapter add-on, which the platform runs only when a service of its own catalog "
        "needs it: add the service to the platform stack's services instead"]
    assert unmet_needs(qps_seldon, dataclasses.replace(acked, addons=frozenset({SELDON_CORE, QPS_METRICS_ADAPTER}))) == []
