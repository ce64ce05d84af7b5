"""Every committed stack plans offline; its JSON plan, outputs and manifests are what users get."""

from __future__ import annotations

import json
import re
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from components.kubernetes.monitoring import autoscaler_query
from components.kubernetes.observability import metrics_backend
from crd_schemas import has_schema, validate_custom_resource
from planner.cli import committed_stacks, main
from planner.manifests import NOT_OBJECTS
from planner.mocks import CALL_RESULTS
from planner.stackfile import read_stack_file
from policypack.credentials import credential_name, credential_value
from policypack.rules import walk
from policypack.sentinels import SECRET_MARK
from stackconfig import load_stack_config
from tools.force_new import SOURCES

STACKS = committed_stacks()
GUIDES = sorted(Path("examples/guides").glob("Pulumi.*.yaml"))
"""Stack files that reproduce the seeds' guides on an existing cluster (README, "Clouds"): planned like the committed
stacks, so what they deploy is checked the same way."""
MANAGED_BACKENDS = sorted(Path("tests/data").glob("Pulumi.managed-*.yaml"))
"""Stacks whose metrics backend is the cloud's managed Prometheus (ARMS, AMP), planned like the committed stacks."""
PLATFORMS = {"alicloud": "AlicloudPlatform", "aws": "AwsPlatform", "existing": "ExistingClusterPlatform"}
CLUSTER_TYPES = {"alicloud": "alicloud:cs/managedKubernetes:ManagedKubernetes", "aws": "aws:eks/cluster:Cluster"}
BUCKET_TYPES = {"alicloud": "alicloud:oss/bucket:Bucket", "aws": "aws:s3/bucket:Bucket"}


def stateful_types(config) -> set[str]:
    """What holds data and the stack owns: the cluster it creates, the model bucket it creates and, on EKS, the key it
    creates to encrypt Secrets and the AMP workspace it creates (an ACK key is given; an adopted or existing cluster,
    an existing bucket or workspace, and ARMS' instance, which the ACK add-on makes, are not ours)."""
    if config.cloud == "existing":
        return set()
    store = config.alicloud.model_store if config.cloud == "alicloud" else config.aws.model_store
    owned = set() if config.adopts_cluster else {CLUSTER_TYPES[config.cloud]}
    owned |= {BUCKET_TYPES[config.cloud]} if store.creates_bucket else set()
    encryption = config.aws.secrets_encryption
    if config.cloud == "aws" and not config.adopts_cluster and encryption.enabled and encryption.kms_key_arn is None:
        owned.add("aws:kms/key:Key")
    observability = config.observability
    if config.cloud == "aws" and observability.backend == "managed" and observability.managed.workspace_id is None:
        owned.add("aws:amp/workspace:Workspace")
    return owned


EXISTING_CLUSTER_VERSION = "1.33.0"
"""Schema version for stacks on an existing cluster, whose version the program does not know (kind's current default)."""


def kubernetes_version(config) -> str:
    if config.cloud == "alicloud":
        return re.match(r"^(1\.\d+)", config.alicloud.cluster.kubernetes_version).group(1) + ".0"
    if config.cloud == "aws":
        return config.aws.kubernetes_version + ".0"
    return EXISTING_CLUSTER_VERSION


def is_custom_resource(obj: dict) -> bool:
    """Core API groups have no dot (``apps``) or end in ``.k8s.io``; operators' groups (``keda.sh``) do not."""
    group = obj["apiVersion"].rpartition("/")[0]
    return "." in group and not group.endswith(".k8s.io")


@pytest.fixture(scope="module", params=[*STACKS, *GUIDES, *MANAGED_BACKENDS], ids=str)
def planned(request, tmp_path_factory):
    is_guide = isinstance(request.param, Path)
    path = request.param if is_guide else Path("stacks") / f"Pulumi.{request.param}.yaml"
    stack = path.name[len("Pulumi."):-len(".yaml")]
    out = tmp_path_factory.mktemp(stack)
    code = main([*(["--stack-file", str(path)] if is_guide else ["--stack", stack]),
                 "--json", str(out / "plan.json"), "--manifests", str(out / "manifests")])
    assert code == 0
    config, secret = read_stack_file(path)
    return {
        "stack": stack,
        "plan": json.loads((out / "plan.json").read_text()),
        "manifests": sorted((out / "manifests").glob("*.yaml")),
        "config": load_stack_config(config, secret),
    }


def test_committed_stacks_are_dev_staging_prod_and_one_per_other_cloud():
    assert {"dev", "staging", "prod", "aws-dev", "local"} <= set(STACKS)


def test_guide_stacks_run_on_a_cluster_and_a_bucket_that_exist_and_name_their_guide():
    assert len(GUIDES) >= 3
    for path in GUIDES:
        config, secret = read_stack_file(path)
        stack = load_stack_config(config, secret)
        assert stack.adopts_cluster or stack.cloud == "existing", path
        if stack.cloud == "existing":
            assert stack.s3_model_repository is None or stack.s3_model_repository.existing, path
        else:
            store = stack.alicloud.model_store if stack.cloud == "alicloud" else stack.aws.model_store
            assert not store.creates_bucket, path
        assert re.match(r'^# [^\n]*"[^"]+"[^\n]* \(shared seed: [a-z-]+\)', path.read_text()), path  # names its guide


def test_every_cloud_resource_type_has_a_force_new_source(planned):
    """``tools.force_new`` knows where each cloud resource type's ForceNew flags are, so ``planner diff`` can know them."""
    known = {t for types in SOURCES.values() for t in types}
    cloud_types = {r["type"] for r in planned["plan"]["resources"]
                   if r["custom"] and r["type"].split(":")[0] in ("alicloud", "aws")}
    assert cloud_types <= known, sorted(cloud_types - known)


def test_json_plan_has_the_documented_shape(planned):
    plan = planned["plan"]
    assert plan["project"] == "elastic-inference" and plan["stack"] == planned["stack"]
    urns = {r["urn"] for r in plan["resources"]}
    for resource in plan["resources"]:
        assert set(resource) == {"urn", "type", "name", "parent", "custom", "protect", "ignoreChanges", "dependsOn",
                                 "inputDependencies", "inputs"}
        assert all(set(sources) <= urns for sources in resource["inputDependencies"].values())
        assert resource["parent"] is None or resource["parent"] in urns or resource["parent"].endswith("pulumi:pulumi:Stack::elastic-inference-" + planned["stack"])
        assert set(resource["dependsOn"]) <= urns


def test_every_component_child_has_a_component_parent(planned):
    """Nothing but the platform hangs directly off the stack: every child has parent=self."""
    top_level = [r for r in planned["plan"]["resources"] if r["parent"].endswith("pulumi:pulumi:Stack::elastic-inference-" + planned["stack"])]
    assert [r["type"] for r in top_level] == [f"elastic-inference:platform:{PLATFORMS[planned['config'].cloud]}"]


def test_kubeconfig_is_secret_everywhere(planned):
    plan, config = planned["plan"], planned["config"]
    providers = [r for r in plan["resources"] if r["type"] == "pulumi:providers:kubernetes"]
    assert providers
    if config.cloud == "existing":
        # The program never holds the existing cluster's credentials: only a context of the user's kubeconfig.
        assert "kubeconfig" not in plan["outputs"]
        assert [p["inputs"].get("context") for p in providers] == [config.existing.context]
        assert all("kubeconfig" not in p["inputs"] for p in providers)
    else:
        assert plan["outputs"]["kubeconfig"] == SECRET_MARK
        assert all(p["inputs"]["kubeconfig"] == SECRET_MARK for p in providers)
    assert "offline-plan-placeholder" not in json.dumps(plan)


def test_no_input_carries_a_credential(planned):
    """No string looks like a credential, and no credential-named key holds a string, even a secret one:
    ``pulumi preview`` hands the policy pack secrets decrypted."""
    for resource in planned["plan"]["resources"]:
        offending = [path for path, key, value in walk(resource["inputs"]) if isinstance(value, str)
                     and (credential_value(value) or isinstance(key, str) and credential_name(key))]
        assert not offending, (resource["urn"], offending)


def test_outputs_name_what_app_teams_need(planned):
    outputs = planned["plan"]["outputs"]
    config = planned["config"]
    claim = config.model_claim
    assert outputs["modelClaimNamespace"] == (claim.namespace if claim else None)
    assert outputs["modelClaimName"] == (claim.name if claim else None)
    assert set(outputs["services"]) == {f"{s.namespace}/{s.name}" for s in config.services}
    if config.cloud == "alicloud":
        assert outputs["modelBucket"] == config.bucket_name
        assert outputs["logProject"] == f"k8s-log-{outputs['clusterId']}"
        assert set(outputs["nodePoolIds"]) == {p.name for p in config.alicloud.node_pools}
    elif config.cloud == "aws":
        assert outputs["modelBucket"] == config.bucket_name
        adopted = config.aws.existing_cluster
        assert outputs["clusterName"] == (adopted.name if adopted else f"ei-{config.environment}-eks")
        assert outputs["gpuAutoScalingGroup"] == f"ei-{config.environment}-eks-gpu"
        assert outputs["oidcProviderArn"].startswith("arn:aws:iam::") and ":oidc-provider/oidc.eks." in outputs["oidcProviderArn"]
    else:
        assert outputs["context"] == config.existing.context


def test_manifests_are_one_file_per_object_and_valid(planned):
    objects = [r["inputs"] for r in planned["plan"]["resources"]
               if r["type"].startswith("kubernetes:") and not r["type"].startswith(NOT_OBJECTS)]
    assert len(planned["manifests"]) == len(objects) > 0
    version = kubernetes_version(planned["config"])
    for path in planned["manifests"]:
        obj = yaml.safe_load(path.read_text())
        namespace = obj["metadata"].get("namespace") or "cluster"
        assert path.name == f"{obj['kind'].lower()}-{namespace}-{obj['metadata']['name']}.yaml"
        if not is_custom_resource(obj):
            kubernetes_validate.validate(obj, version, strict=True)
        elif has_schema(obj):
            validate_custom_resource(obj)


def test_production_protects_what_holds_data(planned):
    plan, config = planned["plan"], planned["config"]
    kinds = stateful_types(config)
    stateful = [r for r in plan["resources"] if r["type"] in kinds]
    assert {r["type"] for r in stateful} == kinds
    assert all(r["protect"] == config.production for r in stateful)
    # What the stack adopted (a cluster, a bucket) is not in the plan at all, so nothing of it can be protected,
    # replaced or deleted; of the rest, only what holds data is protected.
    assert not {CLUSTER_TYPES.get(config.cloud), BUCKET_TYPES.get(config.cloud)} - kinds & {r["type"] for r in plan["resources"]}
    assert not [r["urn"] for r in plan["resources"] if r["protect"] and r["type"] not in kinds]


def test_clusters_encrypt_secrets_as_their_stack_says(planned):
    plan, config = planned["plan"], planned["config"]
    clusters = [r["inputs"] for r in plan["resources"]
                if r["type"] in ("alicloud:cs/managedKubernetes:ManagedKubernetes", "aws:eks/cluster:Cluster")]
    if config.adopts_cluster:
        assert clusters == []  # the owner's cluster keeps its own encryption
        return
    if config.cloud == "alicloud":
        encryption = config.alicloud.cluster.secrets_encryption
        [cluster] = clusters
        assert cluster.get("encryptionProviderKey") == (encryption.kms_key_id if encryption else None)
        assert cluster.get("disableEncryption") is (False if encryption else None)
    elif config.cloud == "aws":
        [cluster] = clusters
        assert ((cluster.get("encryptionConfig") or {}).get("resources") == ["secrets"]) is config.aws.secrets_encryption.enabled
    else:
        assert clusters == []
    if config.production:
        assert config.cloud == "existing" or clusters[0].get("encryptionProviderKey") or clusters[0].get("encryptionConfig")


def pod_specs(inputs):
    """Every pod template (``{metadata, spec}`` whose spec has containers) anywhere in a resource's inputs."""
    if isinstance(inputs, dict):
        if isinstance(inputs.get("spec"), dict) and "containers" in inputs["spec"]:
            yield inputs
        for value in inputs.values():
            yield from pod_specs(value)
    elif isinstance(inputs, list):
        for value in inputs:
            yield from pod_specs(value)


def test_every_read_only_container_has_a_writable_tmp_and_every_server_pod_a_startup_checksum(planned):
    """Seldon's Python wrapper and the model servers need a temporary directory; the checksum annotation
    rolls the pods when what the server reads at start changes."""
    templates = [(r["urn"], t) for r in planned["plan"]["resources"] for t in pod_specs(r["inputs"])]
    if planned["config"].services:
        assert templates
    for urn, template in templates:
        spec = template["spec"]
        empty_dirs = {v["name"] for v in spec.get("volumes", []) if "emptyDir" in v}
        for container in spec["containers"]:
            if container.get("securityContext", {}).get("readOnlyRootFilesystem"):
                tmp = [m for m in container.get("volumeMounts", []) if m["mountPath"] == "/tmp"]
                assert len(tmp) == 1 and tmp[0]["name"] in empty_dirs and not tmp[0].get("readOnly"), \
                    (urn, container["name"])
        assert len(template["metadata"]["annotations"]["checksum/config"]) == 64, urn


CREATED_NETWORK_AND_CLUSTER = ("alicloud:cs/managedKubernetes:ManagedKubernetes", "alicloud:vpc/", "alicloud:ecs/",
                               "aws:eks/cluster:Cluster", "aws:ec2/vpc:", "aws:ec2/subnet:", "aws:ec2/natGateway:",
                               "aws:ec2/internetGateway:", "aws:iam/openIdConnectProvider:", "aws:kms/key:")


def test_what_an_adopting_stack_adds_is_attached_to_the_cluster_it_names(planned):
    config, resources = planned["config"], planned["plan"]["resources"]
    if not config.adopts_cluster:
        return
    assert not [r["type"] for r in resources if r["type"].startswith(CREATED_NETWORK_AND_CLUSTER)]
    if config.cloud == "alicloud":
        cluster_id = config.alicloud.cluster.existing.cluster_id
        attached = [r for r in resources if r["type"] in ("alicloud:cs/nodePool:NodePool",
                                                          "alicloud:cs/kubernetesAddon:KubernetesAddon")]
        # The ECI guide adds neither a pool nor an add-on; the model store's role below is always there.
        assert all(r["inputs"]["clusterId"] == cluster_id for r in attached)
        federated = [json.loads(r["inputs"]["assumeRolePolicyDocument"])["Statement"][0]["Principal"]["Federated"]
                     for r in resources if r["type"] == "alicloud:ram/role:Role" and "model-store" in r["name"]]
        looked_up = CALL_RESULTS["alicloud:cs/getManagedKubernetesClusters:getManagedKubernetesClusters"]({"ids": [cluster_id]})
        assert federated == [[looked_up["clusters"][0]["rrsaConfig"]["ramOidcProviderArn"]]]
    else:
        name = config.aws.existing_cluster.name
        attached = [r for r in resources if r["type"] in ("aws:eks/nodeGroup:NodeGroup", "aws:eks/accessEntry:AccessEntry",
                                                          "aws:eks/addon:Addon", "aws:eks/fargateProfile:FargateProfile")]
        assert attached and all(r["inputs"]["clusterName"] == name for r in attached)


def test_every_prometheus_trigger_queries_a_backend_the_stack_plans_and_scrapes_what_it_autoscales_on(planned):
    """A KEDA or GPU trigger without its own serverAddress queries the stack's metrics backend: the in-cluster
    Prometheus the stack installs (or the external one it names), which a PodMonitor of the service feeds; or the
    managed one: the AMP workspace the stack's agent writes to, or ARMS, which the service's ARMS PodMonitor feeds."""
    config = planned["config"]
    resources = planned["plan"]["resources"]
    backend = managed_query_url(resources) if config.observability.backend == "managed" else \
        metrics_backend(config.observability).query_url if metrics_backend(config.observability) else None
    charts = {r["inputs"].get("chart") for r in resources if r["type"] == "kubernetes:helm.sh/v3:Release"}
    monitors = {(r["inputs"]["metadata"]["namespace"], r["inputs"]["metadata"]["name"])
                for r in resources if r["type"] == "kubernetes:monitoring.coreos.com/v1:PodMonitor"}
    monitors |= {arms_monitored(yaml.safe_load(r["inputs"]["configYaml"])["spec"]) for r in resources
                 if r["type"] == "alicloud:arms/prometheusMonitoring:PrometheusMonitoring"}
    triggers = [t for r in resources for t in triggers_of(r)]
    for service in config.services:
        if not service.autoscaling.uses_keda or (service.autoscaling.keda and service.autoscaling.keda.server_address):
            continue
        assert backend is not None, service.name
        if config.observability.backend == "inCluster":
            assert config.observability.in_cluster.chart.chart in charts
        assert (service.namespace, service.name) in monitors, service.name
        [trigger] = [t for t in triggers if t["metadata"]["query"] == autoscaler_query(service)]
        assert trigger["metadata"]["serverAddress"] == backend


def arms_monitored(spec: dict) -> tuple[str, str]:
    """The (namespace, service) an ARMS PodMonitor scrapes, by its namespace and the service's pod label."""
    labels = spec["selector"]["matchLabels"]
    return spec["namespaceSelector"]["matchNames"][0], labels.get("app.kubernetes.io/name", labels.get("seldon-deployment-id"))


def managed_query_url(resources: list[dict]) -> str:
    """The query URL of the managed backend a plan registers: its AMP workspace's, or its ACK cluster's ARMS
    instance's (as the mock data source answers for that cluster)."""
    by_type = {r["type"]: r for r in resources}
    if "aws:amp/ruleGroupNamespace:RuleGroupNamespace" in by_type:
        rules = by_type["aws:amp/ruleGroupNamespace:RuleGroupNamespace"]["inputs"]
        return f"https://aps-workspaces.us-east-1.amazonaws.com/workspaces/{rules['workspaceId']}"
    cluster_id = by_type["alicloud:arms/prometheusMonitoring:PrometheusMonitoring"]["inputs"]["clusterId"]
    [instance] = CALL_RESULTS["alicloud:arms/getPrometheus:getPrometheus"]({"ids": [cluster_id]})["prometheis"]
    return instance["httpApiIntraUrl"]


def triggers_of(resource: dict) -> list[dict]:
    """The KEDA triggers of a ScaledObject or of a SeldonDeployment's ``kedaSpec``."""
    spec = resource["inputs"].get("spec") or {}
    if resource["type"] == "kubernetes:keda.sh/v1alpha1:ScaledObject":
        return spec["triggers"]
    if resource["type"] == "kubernetes:machinelearning.seldon.io/v1:SeldonDeployment":
        return [t for p in spec["predictors"] for c in p["componentSpecs"] for t in c.get("kedaSpec", {}).get("triggers", [])]
    return []
