"""Plausible provider answers for the mock engine, so every code path that reads an output runs.

A resource's mock state is its inputs plus an id and the outputs the program reads, shaped as
the provider returns them (camelCase). Ids and ARNs are derived from the resource name, so two
runs of the same stack produce the same plan.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any, Callable

import pulumi

ACCOUNT_ID = "1234567890123456"
AWS_ACCOUNT_ID = "123456789012"
PLACEHOLDER_KUBECONFIG = """apiVersion: v1
kind: Config
clusters:
- cluster: {server: 'https://offline-plan.invalid:6443', certificate-authority-data: b2ZmbGluZQ==}
  name: offline
contexts:
- context: {cluster: offline, user: offline}
  name: offline
current-context: offline
users:
- name: offline
  user: {token: offline-plan-placeholder}
"""


def digest(name: str, length: int = 16) -> str:
    return hashlib.sha1(name.encode()).hexdigest()[:length]


def _cluster(args: pulumi.runtime.MockResourceArgs) -> dict[str, Any]:
    cluster_id = "c" + digest(args.name, 32)
    return {
        "id": cluster_id,
        "securityGroupId": "sg-" + digest(args.name + "sg"),
        "natGatewayId": "ngw-" + digest(args.name + "nat"),
        "rrsaMetadata": {
            "enabled": True,
            "ramOidcProviderName": f"ack-rrsa-{cluster_id}",
            "ramOidcProviderArn": f"acs:ram::{ACCOUNT_ID}:oidc-provider/ack-rrsa-{cluster_id}",
            "rrsaOidcIssuerUrl": f"https://oidc-ack-{args.inputs.get('region', 'cn-beijing')}.oss-cn-beijing.aliyuncs.com/{cluster_id}",
        },
    }


ACCOUNT_ROLES = ["AliyunCSManagedAutoScalerRole"]
"""RAM roles the mock account already has: the ACK service roles a stack expects to find."""


def _roles(args: dict[str, Any]) -> dict[str, Any]:
    names = [n for n in ACCOUNT_ROLES if re.search(args.get("nameRegex") or "", n)]
    return {
        "id": digest(",".join(names)),
        "ids": [digest(n, 18) for n in names],
        "names": names,
        "roles": [{"id": digest(n, 18), "name": n, "arn": f"acs:ram::{ACCOUNT_ID}:role/{n.lower()}"} for n in names],
    }


def _with_id(prefix: str) -> Callable[[pulumi.runtime.MockResourceArgs], dict[str, Any]]:
    return lambda args: {"id": f"{prefix}-{digest(args.name)}"}


RESOURCE_OUTPUTS: dict[str, Callable[[pulumi.runtime.MockResourceArgs], dict[str, Any]]] = {
    "alicloud:cs/managedKubernetes:ManagedKubernetes": _cluster,
    "alicloud:cs/nodePool:NodePool": lambda a: {"id": "c:np" + digest(a.name, 30), "nodePoolId": "np" + digest(a.name, 30)},
    "alicloud:cs/kubernetesAddon:KubernetesAddon": lambda a: {"id": f"c:{a.inputs.get('name')}"},
    "alicloud:vpc/network:Network": lambda a: {"id": "vpc-" + digest(a.name), "routeTableId": "vtb-" + digest(a.name)},
    "alicloud:vpc/switch:Switch": _with_id("vsw"),
    "alicloud:vpc/natGateway:NatGateway": lambda a: {"id": "ngw-" + digest(a.name), "snatTableIds": "stb-" + digest(a.name)},
    "alicloud:ecs/eipAddress:EipAddress": lambda a: {"id": "eip-" + digest(a.name), "ipAddress": "47.93.0.1"},
    "alicloud:ecs/securityGroup:SecurityGroup": _with_id("sg"),
    "alicloud:ram/role:Role": lambda a: {
        "id": a.inputs.get("roleName", a.name),
        "arn": f"acs:ram::{ACCOUNT_ID}:role/{str(a.inputs.get('roleName', a.name)).lower()}",
        "roleId": digest(a.name, 18),
    },
    "alicloud:ram/policy:Policy": lambda a: {"id": a.inputs.get("policyName", a.name)},
    "alicloud:oss/bucket:Bucket": lambda a: {
        "id": a.inputs.get("bucket", a.name),
        "intranetEndpoint": "oss-cn-beijing-internal.aliyuncs.com",
        "extranetEndpoint": "oss-cn-beijing.aliyuncs.com",
    },
    "kubernetes:helm.sh/v3:Release": lambda a: {"status": {
        "name": a.inputs.get("name", a.name), "namespace": a.inputs.get("namespace", "default"),
        "chart": a.inputs.get("chart"), "version": a.inputs.get("version"), "status": "deployed", "revision": 1,
    }},
    "aws:s3/bucket:Bucket": lambda a: {"id": a.inputs.get("bucket", a.name), "arn": f"arn:aws:s3:::{a.inputs.get('bucket', a.name)}"},
}

CALL_RESULTS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "alicloud:cs/getClusterCredential:getClusterCredential": lambda args: {
        "id": args.get("clusterId", "cluster"),
        "clusterId": args.get("clusterId"),
        "kubeConfig": PLACEHOLDER_KUBECONFIG,
        "certificateAuthorities": [],
    },
    "alicloud:ram/getRoles:getRoles": _roles,
    "alicloud:index/getCallerIdentity:getCallerIdentity": lambda args: {
        "id": ACCOUNT_ID, "accountId": ACCOUNT_ID, "arn": f"acs:ram::{ACCOUNT_ID}:root", "identityType": "Account",
    },
}


class PlanMocks(pulumi.runtime.Mocks):
    """Mock provider: echoes inputs and adds the outputs listed in RESOURCE_OUTPUTS / CALL_RESULTS."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        extra = RESOURCE_OUTPUTS.get(args.typ, lambda a: {})(args)
        resource_id = extra.pop("id", None) or f"{args.name}-id"
        return resource_id, {**args.inputs, **extra}

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict:
        result = CALL_RESULTS.get(args.token)
        if result is None:
            raise NotImplementedError(f"the offline plan has no mock answer for {args.token}; add one to planner/mocks.py")
        return result(args.args)
