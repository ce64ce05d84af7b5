"""``python -m planner diff``: plans of two versions of a stack list exactly the changes made, and nothing else."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from factories import config_values
from planner.cli import main
from planner.diff import MISSING, diff_plans, render
from policypack.sentinels import SECRET_MARK

GPU_POOL = {"name": "gpu-inference", "instanceTypes": ["ecs.gn7i-c8g1.2xlarge"], "scaling": {"minSize": 0, "maxSize": 4},
            "spot": {}, "labels": {"workload": "inference"}}
SYSTEM_POOL = {"name": "system", "instanceTypes": ["ecs.g7.xlarge"], "scaling": {"minSize": 2, "maxSize": 3}}


def service(name: str, max_replicas: int) -> dict[str, Any]:
    return {"name": name, "server": "tfserving", "model": {"name": name, "path": f"models/{name}"},
            "placement": {"nodeSelector": {"workload": "inference"}},
            "autoscaling": {"maxReplicas": max_replicas, "cpu": {"targetUtilization": 60}}}


def plan(tmp_path: Path, label: str, **overrides: Any) -> dict[str, Any]:
    """The JSON plan of stack ``diff`` with the test config plus ``overrides``, as ``--json`` writes it."""
    folder = tmp_path / label
    folder.mkdir()
    stack_file = folder / "Pulumi.diff.yaml"
    stack_file.write_text(json.dumps({"config": {f"elastic-inference:{k}": v for k, v in config_values(**overrides).items()}}))
    assert main(["--stack-file", str(stack_file), "--json", str(folder / "diff.json")]) in (0, 1)
    return json.loads((folder / "diff.json").read_text())


CASES = [
    pytest.param(
        {"alicloud": {"nodePools": [SYSTEM_POOL, GPU_POOL]}, "services": [service("alpha", 4)]},
        {"alicloud": {"nodePools": [SYSTEM_POOL, GPU_POOL]}, "services": [service("alpha", 6), service("beta", 3)]},
        {("kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "spec.maxReplicas", 4, 6)},
        "beta",
        id="service maxReplicas changed, service added"),
    pytest.param(
        {"alicloud": {"nodePools": [SYSTEM_POOL, GPU_POOL]}},
        {"alicloud": {"nodePools": [SYSTEM_POOL, {**GPU_POOL, "scaling": {"minSize": 0, "maxSize": 6}},
                                    {**SYSTEM_POOL, "name": "cpu-batch"}]}},
        {("alicloud:cs/nodePool:NodePool", "scalingConfig.maxSize", 4, 6)},
        "cpu-batch",
        id="node pool maxSize changed, node pool added"),
]
"""(base overrides, head overrides, expected (type, path, before, after) changes, name of what is added)."""


@pytest.mark.parametrize("base, head, changes, added", CASES)
def test_diff_lists_exactly_the_changes(tmp_path, base, head, changes, added):
    diff = diff_plans("diff", plan(tmp_path, "base", **base), plan(tmp_path, "head", **head))
    assert diff.removed == []
    # The catalog's alert rules and overview dashboard cover every service, so adding one changes them too.
    catalog_wide = {"kubernetes:monitoring.coreos.com/v1:PrometheusRule": "observability-rules",
                    "kubernetes:core/v1:ConfigMap": "observability-dashboard-elastic-inference-overview"}
    by_catalog = [r for r in diff.changed if catalog_wide.get(r.type) == r.name]
    assert {(r.type, c.path, c.before, c.after) for r in diff.changed for c in r.changes if r not in by_catalog} == changes
    assert len(by_catalog) == (2 if added == "beta" else 0)
    assert not any(r.replaces for r in diff.changed)
    assert diff.added and all(added in r["name"] for r in diff.added), [r["name"] for r in diff.added]
    markdown = render([diff])
    for type_, path, before, after in changes:
        assert f"| `{path}` | `{before}` | `{after}` |" in markdown
    assert f"**{len(diff.added)} to add, {len(changes) + len(by_catalog)} to change (0 likely replaced), 0 to remove**" in markdown


def resource(type_: str, inputs: dict[str, Any], name: str = "r", protect: bool = False,
             ignore_changes: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"urn": f"urn:pulumi:s::p::{type_}::{name}", "type": type_, "name": name, "protect": protect,
            "ignoreChanges": list(ignore_changes), "inputs": inputs}


def one_stack(*resources: dict[str, Any]) -> dict[str, Any]:
    return {"stack": "s", "resources": list(resources)}


def test_replacement_heuristic_flags_create_only_properties():
    deployment = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "a", "labels": {"x": "1"}},
                  "spec": {"selector": {"matchLabels": {"app": "a"}}, "replicas": 1}}
    changed = {**deployment, "metadata": {"name": "a", "labels": {"x": "2"}},
               "spec": {"selector": {"matchLabels": {"app": "b"}}, "replicas": 1}}
    diff = diff_plans("s", one_stack(resource("kubernetes:apps/v1:Deployment", deployment)),
                      one_stack(resource("kubernetes:apps/v1:Deployment", changed)))
    flags = {c.path: c.replaces for c in diff.changed[0].changes}
    assert flags == {"metadata.labels.x": False, "spec.selector.matchLabels.app": True}
    bucket = diff_plans("s", one_stack(resource("alicloud:oss/bucket:Bucket", {"bucket": "a", "tags": {}})),
                        one_stack(resource("alicloud:oss/bucket:Bucket", {"bucket": "b", "tags": {"k": "v"}})))
    assert {c.path: c.replaces for c in bucket.changed[0].changes} == {"bucket": True, "tags.k": False}
    assert ":warning: `alicloud:oss/bucket:Bucket` **r**: `bucket`" in render([bucket])


@pytest.mark.parametrize("type_, path, before, after, replaces", [
    # Marked before, though the provider updates them in place (or not at all).
    ("alicloud:cs/managedKubernetes:ManagedKubernetes", "podVswitchIds", ["vsw-a"], ["vsw-b"], False),
    ("alicloud:cs/managedKubernetes:ManagedKubernetes", "resourceGroupId", "rg-a", "rg-b", False),
    # Missed before, though ForceNew in the provider.
    ("alicloud:cs/managedKubernetes:ManagedKubernetes", "proxyMode", "ipvs", "nftables", True),
    ("alicloud:vpc/natGateway:NatGateway", "vpcId", "vpc-a", "vpc-b", True),
    ("alicloud:vpc/natGateway:NatGateway", "internetChargeType", "PayByLcu", "PayBySpec", True),
    ("alicloud:vpc/snatEntry:SnatEntry", "sourceVswitchId", "vsw-a", "vsw-b", True),
    ("alicloud:ecs/eipAddress:EipAddress", "internetChargeType", "PayByTraffic", "PayByBandwidth", True),
    ("alicloud:ecs/eipAssociation:EipAssociation", "instanceId", "ngw-a", "ngw-b", True),
    ("alicloud:cs/nodePool:NodePool", "securityGroupIds", ["sg-a"], ["sg-b"], True),
    ("aws:ec2/natGateway:NatGateway", "subnetId", "subnet-a", "subnet-b", True),
    ("aws:ec2/eip:Eip", "domain", "vpc", "standard", True),
    ("aws:eks/cluster:Cluster", "kubernetesNetworkConfig.serviceIpv4Cidr", "10.100.0.0/16", "172.20.0.0/16", True),
    ("aws:eks/cluster:Cluster", "vpcConfig.subnetIds", ["subnet-a"], ["subnet-b"], False),  # updated in place
    ("aws:ec2/subnet:Subnet", "cidrBlock", "10.0.0.0/22", "10.0.4.0/22", True),
    ("aws:kms/key:Key", "customerMasterKeySpec", "SYMMETRIC_DEFAULT", "RSA_2048", True),
    ("aws:kms/key:Key", "enableKeyRotation", False, True, False),
    # In place.
    ("alicloud:vpc/natGateway:NatGateway", "natGatewayName", "a", "b", False),
    ("alicloud:ecs/eipAddress:EipAddress", "bandwidth", "100", "200", False),
])
def test_replacements_are_the_providers_force_new_attributes(type_, path, before, after, replaces):
    def nested(value: Any) -> dict[str, Any]:
        for key in reversed(path.split(".")):
            value = {key: value}
        return value
    diff = diff_plans("s", one_stack(resource(type_, nested(before))), one_stack(resource(type_, nested(after))))
    assert [(c.path.split("[")[0], c.replaces) for c in diff.changed[0].changes] == [(path, replaces)]


def test_nested_force_new_attributes_match_inside_lists():
    type_ = "alicloud:cs/kubernetesAddon:KubernetesAddon"
    assert diff_plans("s", one_stack(resource(type_, {"name": "a"})), one_stack(resource(type_, {"name": "b"}))).changed[0].replaces
    nat = "alicloud:vpc/natGateway:NatGateway"
    diff = diff_plans("s", one_stack(resource(nat, {"accessMode": [{"modeValue": "route"}]})),
                      one_stack(resource(nat, {"accessMode": [{"modeValue": "tunnel"}]})))
    assert [(c.path, c.replaces) for c in diff.changed[0].changes] == [("accessMode[0].modeValue", True)]


def test_removing_eks_secrets_encryption_replaces_the_cluster_while_adding_or_changing_it_does_not():
    eks = "aws:eks/cluster:Cluster"
    encrypted = {"name": "c", "encryptionConfig": {"provider": {"keyArn": "arn:aws:kms:us-east-1:1:key/a"}, "resources": ["secrets"]}}
    other_key = {"name": "c", "encryptionConfig": {"provider": {"keyArn": "arn:aws:kms:us-east-1:1:key/b"}, "resources": ["secrets"]}}
    plain = {"name": "c"}

    def changes(before: dict[str, Any], after: dict[str, Any]) -> list[tuple[str, bool]]:
        diff = diff_plans("s", one_stack(resource(eks, before)), one_stack(resource(eks, after)))
        return [(c.path, c.replaces) for c in diff.changed[0].changes]
    assert changes(encrypted, plain) == [("encryptionConfig", True)]
    assert changes(plain, encrypted) == [("encryptionConfig", False)]
    assert changes(encrypted, other_key) == [("encryptionConfig.provider.keyArn", False)]


def test_a_change_of_a_create_only_cluster_input_is_flagged_as_not_applied():
    ack = "alicloud:cs/managedKubernetes:ManagedKubernetes"
    ignored = ("addons", "podVswitchIds", "slbInternetEnabled", "newNatGateway")
    before = resource(ack, {"slbInternetEnabled": True, "addons": [{"name": "terway-eniip"}], "name": "a"}, ignore_changes=ignored)
    after = resource(ack, {"slbInternetEnabled": False, "addons": [{"name": "terway-eniip", "config": "{}"}], "name": "b"},
                     ignore_changes=ignored)
    diff = diff_plans("s", one_stack(before), one_stack(after))
    assert {c.path: (c.ignored, c.replaces) for c in diff.changed[0].changes} == {
        "slbInternetEnabled": (True, False), "addons[0].config": (True, False), "name": (False, False)}
    markdown = render([diff])
    assert ("- :no_entry: `alicloud:cs/managedKubernetes:ManagedKubernetes` **r**: `slbInternetEnabled`: read only when "
            "the cluster is created; to change it, create a new cluster") in markdown
    assert "`name`: read only" not in markdown


def test_diff_keeps_secrets_hidden_and_reports_protect_and_dotted_keys():
    before = resource("kubernetes:core/v1:Secret", {"stringData": SECRET_MARK, "metadata": {"labels": {"app.kubernetes.io/name": "a"}}})
    after = resource("kubernetes:core/v1:Secret", {"metadata": {"labels": {"app.kubernetes.io/name": "b"}}}, protect=True)
    changes = {c.path: (c.before, c.after) for c in diff_plans("s", one_stack(before), one_stack(after)).changed[0].changes}
    assert changes == {"stringData": (SECRET_MARK, MISSING), 'metadata.labels["app.kubernetes.io/name"]': ("a", "b"),
                       "(protect)": (False, True)}


def test_diff_of_folders_covers_new_and_unchanged_stacks(tmp_path, capsys):
    (tmp_path / "base").mkdir()
    (tmp_path / "head").mkdir()
    same = one_stack(resource("alicloud:vpc/network:Network", {"cidrBlock": "10.0.0.0/16"}))
    (tmp_path / "base" / "dev.json").write_text(json.dumps(same))
    (tmp_path / "head" / "dev.json").write_text(json.dumps(same))
    (tmp_path / "head" / "qa.json").write_text(json.dumps(same))
    assert main(["diff", str(tmp_path / "base"), str(tmp_path / "head"), "--output", str(tmp_path / "diff.md")]) == 0
    markdown = (tmp_path / "diff.md").read_text()
    dev, qa = markdown.split("### Stack `dev`")[1].split("### Stack `qa`")
    assert "No changes." in dev
    assert "New stack: everything is added." in qa and "**1 to add, 0 to change (0 likely replaced), 0 to remove**" in qa


def test_json_in_strings_is_compared_as_documents_and_multi_line_strings_line_by_line():
    from planner.diff import render_stack
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "*"}]}
    widened = {**policy, "Statement": [{**policy["Statement"][0], "Action": ["s3:GetObject", "s3:PutObject"]}]}
    config = "model_config_list {\n  config {\n    name: 'bert'\n    model_version_policy { specific { versions: 1 } }\n  }\n}\n"

    def plan(document, text):
        return {"resources": [
            {"urn": "urn:pulumi:dev::p::aws:iam/rolePolicy:RolePolicy::reader", "type": "aws:iam/rolePolicy:RolePolicy",
             "name": "reader", "parent": None, "protect": False, "inputs": {"policy": json.dumps(document)}},
            {"urn": "urn:pulumi:dev::p::kubernetes:core/v1:ConfigMap::tfserving", "type": "kubernetes:core/v1:ConfigMap",
             "name": "tfserving", "parent": None, "protect": False, "inputs": {"data": {"models.config": text}}}]}

    diff = diff_plans("dev", plan(policy, config), plan(widened, config.replace("versions: 1", "versions: 2")))
    paths = {c.path for r in diff.changed for c in r.changes}
    assert paths == {"policy(json).Statement[0].Action", 'data["models.config"]'}
    lines = render_stack(diff).splitlines()
    assert "-    model_version_policy { specific { versions: 1 } }" in lines
    assert "+    model_version_policy { specific { versions: 2 } }" in lines
    assert any(line.startswith("| `aws:iam/rolePolicy:RolePolicy` **reader** | `policy(json).Statement[0].Action`")
               and '"s3:PutObject"' in line for line in lines)


def test_a_value_from_a_resource_being_added_shows_as_computed():
    from planner.diff import render_stack
    vpc = {"urn": "urn:pulumi:dev::p::alicloud:vpc/network:Network::vpc-2", "type": "alicloud:vpc/network:Network",
           "name": "vpc-2", "parent": None, "protect": False, "inputs": {}}

    def switch(vpc_id, sources):
        return {"urn": "urn:pulumi:dev::p::alicloud:vpc/switch:Switch::s", "type": "alicloud:vpc/switch:Switch",
                "name": "s", "parent": None, "protect": False, "inputs": {"vpcId": vpc_id, "cidrBlock": "10.0.0.0/24"},
                "inputDependencies": sources}

    base = {"resources": [switch("vpc-1-id", {})]}
    head = {"resources": [vpc, switch("vpc-2-id", {"vpcId": [vpc["urn"]]})]}
    [change] = diff_plans("dev", base, head).changed[0].changes
    assert change.path == "vpcId" and change.computed
    assert "| `vpcId` :warning: | `\"vpc-1-id\"` | *(computed)* |" in render_stack(diff_plans("dev", base, head))
