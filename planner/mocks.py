"""Plausible provider answers for the mock engine, so every code path that reads an output runs.

A resource's mock state is its inputs plus an id and the outputs the program reads, shaped as
the provider returns them (camelCase). Ids and ARNs are derived from the resource name, so two
runs of the same stack produce the same plan.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from typing import Any, Callable

import pulumi

from components.kubernetes.addons import QPS_METRICS_ADAPTER
from components.outputs import outputs_type

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


ACCOUNT_ROLES = ["AliyunCSManagedAutoScalerRole", "AliyunCSManagedSecurityRole"]
"""RAM roles the mock account already has: the ACK service roles a stack expects to find."""


def _roles(args: dict[str, Any]) -> dict[str, Any]:
    names = [n for n in ACCOUNT_ROLES if re.search(args.get("nameRegex") or "", n)]
    return {
        "id": digest(",".join(names)),
        "ids": [digest(n, 18) for n in names],
        "names": names,
        "roles": [{"id": digest(n, 18), "name": n, "arn": f"acs:ram::{ACCOUNT_ID}:role/{n.lower()}"} for n in names],
    }


def _eks_cluster(args: pulumi.runtime.MockResourceArgs) -> dict[str, Any]:
    """An EKS cluster as the provider returns it: endpoint, CA, service CIDR, cluster security group, OIDC issuer."""
    name = args.inputs.get("name", args.name)
    region = args.inputs.get("region", "us-east-1")  # only set when a resource overrides its provider's region
    oidc_id = digest(name, 32).upper()
    return {
        "id": name,
        "arn": f"arn:aws:eks:{region}:{AWS_ACCOUNT_ID}:cluster/{name}",
        "endpoint": f"https://{oidc_id}.gr7.{region}.eks.amazonaws.com",
        "certificateAuthority": {"data": "b2ZmbGluZS1wbGFuLWNh"},
        "identities": [{"oidcs": [{"issuer": f"https://oidc.eks.{region}.amazonaws.com/id/{oidc_id}"}]}],
        "kubernetesNetworkConfig": {"serviceIpv4Cidr": "172.20.0.0/16", "ipFamily": "ipv4"},
        "vpcConfig": {**args.inputs.get("vpcConfig", {}), "clusterSecurityGroupId": "sg-" + digest(name + "cluster")},
    }


def _kms_key(args: pulumi.runtime.MockResourceArgs) -> dict[str, Any]:
    """A KMS key as the provider returns it: a UUID key id, and its ARN in the provider's region."""
    hex_id = digest(args.name, 32)
    key_id = "-".join((hex_id[:8], hex_id[8:12], hex_id[12:16], hex_id[16:20], hex_id[20:]))
    region = args.inputs.get("region", "us-east-1")
    return {"id": key_id, "keyId": key_id, "arn": f"arn:aws:kms:{region}:{AWS_ACCOUNT_ID}:key/{key_id}"}


def _iam_arn(kind: str) -> Callable[[pulumi.runtime.MockResourceArgs], dict[str, Any]]:
    def outputs(args: pulumi.runtime.MockResourceArgs) -> dict[str, Any]:
        name = args.inputs.get("name", args.name)
        return {"id": name, "arn": f"arn:aws:iam::{AWS_ACCOUNT_ID}:{kind}/{name}"}
    return outputs


def _with_id(prefix: str) -> Callable[[pulumi.runtime.MockResourceArgs], dict[str, Any]]:
    return lambda args: {"id": f"{prefix}-{digest(args.name)}"}


EXAMPLE_OUTPUTS: dict[str, Any] = {
    "model_claim_name": "model-store",
    "model_claim_namespace": "inference",
    "addons": [QPS_METRICS_ADAPTER],
    "services": {},
    "cluster_id": "c" + digest("platform", 32),
    "kubeconfig": PLACEHOLDER_KUBECONFIG,
    "log_project": "k8s-log-c" + digest("platform", 32),
    "model_bucket": "elastic-inference-dev-models",
    "node_pool_ids": {},
    "oidc_provider_arn": f"acs:ram::{ACCOUNT_ID}:oidc-provider/ack-rrsa-c{digest('platform', 32)}",
    "cluster_name": "ei-dev-eks",
    "gpu_auto_scaling_group": "ei-dev-eks-gpu",
    "vpc_id": "vpc-" + digest("network-vpc"),
    "context": "kind-kind",
    "region": "cn-beijing",
    "metrics": {"queryUrl": "http://kube-prometheus-stack-prometheus.monitoring.svc:9090",
                "scraperNamespace": "monitoring", "objectLabels": {}, "monitoringCrds": True},
}
"""A plausible value of every field of the platform outputs types, by field name."""


def platform_stack_outputs(cloud: str) -> dict[str, Any]:
    """The outputs of a platform stack of ``cloud`` with :data:`EXAMPLE_OUTPUTS`, generated from its outputs type
    (``components.outputs``), so the mock exports exactly what a real platform stack does."""
    kind = outputs_type(cloud)
    return kind(cloud=cloud, **{f.name: EXAMPLE_OUTPUTS[f.name] for f in dataclasses.fields(kind)
                                if f.name != "cloud"}).exports()


PLATFORM_STACK_OUTPUTS = platform_stack_outputs("alicloud")
"""Outputs of an ACK platform stack with the platform's defaults, for stack references."""

ANY_STACK = "*"
STACK_REFERENCES: dict[str, dict[str, Any]] = {}
"""Answers for ``StackReference``s by stack name: ``{"outputs": {...}, "secretOutputNames": [...]}``. A stack not
listed gets the ``ANY_STACK`` entry, or else ``PLATFORM_STACK_OUTPUTS`` (kubeconfig secret).
``planner.program --platform`` sets ``ANY_STACK`` to the outputs of a platform stack's offline plan."""


def _stack_reference(args: pulumi.runtime.MockResourceArgs) -> dict[str, Any]:
    stack = str(args.inputs.get("name") or args.resource_id)
    default = {"outputs": PLATFORM_STACK_OUTPUTS, "secretOutputNames": ["kubeconfig"]}
    return {"id": stack, **STACK_REFERENCES.get(stack, STACK_REFERENCES.get(ANY_STACK, default))}


def _amp_workspace(args: pulumi.runtime.MockResourceArgs) -> dict[str, Any]:
    """An AMP workspace: id ``ws-`` and a UUID, its ARN, and its endpoint, which ends in ``/`` (terraform-provider-aws
    ``internal/service/amp/workspace.go`` sets DescribeWorkspace's ``prometheusEndpoint`` as AMP returns it)."""
    hexes = digest(args.name, 32)
    workspace_id = f"ws-{hexes[:8]}-{hexes[8:12]}-{hexes[12:16]}-{hexes[16:20]}-{hexes[20:]}"
    return {"id": workspace_id, "arn": f"arn:aws:aps:us-east-1:{AWS_ACCOUNT_ID}:workspace/{workspace_id}",
            "prometheusEndpoint": f"https://aps-workspaces.us-east-1.amazonaws.com/workspaces/{workspace_id}/"}


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
    "pulumi:pulumi:StackReference": _stack_reference,
    "aws:s3/bucket:Bucket": lambda a: {"id": a.inputs.get("bucket", a.name), "arn": f"arn:aws:s3:::{a.inputs.get('bucket', a.name)}"},
    "aws:ec2/vpc:Vpc": _with_id("vpc"),
    "aws:ec2/subnet:Subnet": _with_id("subnet"),
    "aws:ec2/internetGateway:InternetGateway": _with_id("igw"),
    "aws:ec2/eip:Eip": lambda a: {"id": "eipalloc-" + digest(a.name), "publicIp": "3.80.0.1"},
    "aws:ec2/natGateway:NatGateway": _with_id("nat"),
    "aws:ec2/routeTable:RouteTable": _with_id("rtb"),
    "aws:ec2/launchTemplate:LaunchTemplate": lambda a: {"id": "lt-" + digest(a.name), "latestVersion": 1},
    "aws:eks/cluster:Cluster": _eks_cluster,
    "aws:kms/key:Key": _kms_key,
    "aws:iam/role:Role": _iam_arn("role"),
    "aws:iam/instanceProfile:InstanceProfile": _iam_arn("instance-profile"),
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": lambda a: {
        "arn": f"arn:aws:iam::{AWS_ACCOUNT_ID}:oidc-provider/{str(a.inputs.get('url', '')).removeprefix('https://')}"},
    "aws:amp/workspace:Workspace": _amp_workspace,
    "aws:autoscaling/group:Group": lambda a: {"id": a.inputs.get("name", a.name), "arn":
        f"arn:aws:autoscaling:us-east-1:{AWS_ACCOUNT_ID}:autoScalingGroup:{digest(a.name, 8)}:autoScalingGroupName/{a.inputs.get('name', a.name)}"},
}

ADOPTED_ACK_VERSION = "1.35.2-aliyun.1"
ADOPTED_ACK_ADDONS = {"csi-plugin": "v1.33.1-67e8986-aliyun", "csi-provisioner": "v1.33.1-67e8986-aliyun",
                      "logtail-ds": "v1.8.3.0-aliyun", "nginx-ingress-controller": "v1.12.1-aliyun.1",
                      "ack-virtual-node": "v2.13.2", "terway-eniip": "v1.13.3", "metrics-server": ""}
"""Add-ons of the mock adopted ACK cluster by name, with their versions (``""``: available, not installed)."""


def _adopted_ack_cluster(args: dict[str, Any]) -> dict[str, Any]:
    """``cs.get_clusters`` of an existing ACK Pro cluster (``alicloud.cluster.existing``): found, running, two
    vSwitches in its VPC."""
    ids = [args["clusterId"]] if args.get("clusterId") else []
    clusters = [{
        "id": cluster_id, "clusterId": cluster_id, "clusterName": "ml-platform", "clusterSpec": "ack.pro.small",
        "clusterType": "ManagedKubernetes", "profile": "Default", "currentVersion": ADOPTED_ACK_VERSION,
        "state": "running", "regionId": "cn-beijing", "vpcId": "vpc-" + digest(cluster_id + "vpc"),
        "vswitchIds": ["vsw-" + digest(cluster_id + "vsw-a"), "vsw-" + digest(cluster_id + "vsw-b")],
        "securityGroupId": "sg-" + digest(cluster_id + "sg"), "serviceCidr": "172.16.0.0/16", "podCidr": "",
        "proxyMode": "ipvs", "ipStack": "ipv4", "deletionProtection": True, "clusterDomain": "cluster.local",
        "nodeCidrMask": "26", "resourceGroupId": "rg-" + digest(cluster_id), "tags": {}, "timezone": "Asia/Shanghai",
        "autoMode": {"enabled": False}, "maintenanceWindow": {"duration": "", "enable": False, "maintenanceTime": "",
                                                              "recurrence": "", "weeklyPeriod": ""},
        "operationPolicy": {"clusterAutoUpgrade": {"channel": "", "enabled": False}},
    } for cluster_id in ids]
    return {"id": ",".join(ids), "ids": ids, "names": ["ml-platform"] * len(ids), "clusters": clusters,
            "enableDetails": args.get("enableDetails")}


def _adopted_ack_rrsa(args: dict[str, Any]) -> dict[str, Any]:
    """``cs.get_managed_kubernetes_clusters`` of the same cluster: RRSA on, with its OIDC provider."""
    ids = args.get("ids") or []
    clusters = [{
        "id": cluster_id, "name": "ml-platform", "availabilityZone": "cn-beijing-h", "natGatewayId": "ngw-" + digest(cluster_id),
        "securityGroupId": "sg-" + digest(cluster_id + "sg"), "state": "running", "vpcId": "vpc-" + digest(cluster_id + "vpc"),
        "connections": [], "workerNodes": [],
        "rrsaConfig": {"enabled": True, "ramOidcProviderName": f"ack-rrsa-{cluster_id}",
                       "ramOidcProviderArn": f"acs:ram::{ACCOUNT_ID}:oidc-provider/ack-rrsa-{cluster_id}",
                       "rrsaOidcIssuerUrl": f"https://oidc-ack-cn-beijing.oss-cn-beijing.aliyuncs.com/{cluster_id}"},
    } for cluster_id in ids]
    return {"id": ",".join(ids), "ids": ids, "names": ["ml-platform"] * len(ids), "clusters": clusters}


def _adopted_ack_addons(args: dict[str, Any]) -> dict[str, Any]:
    cluster_id = args.get("clusterId", "")
    addons = [{"name": name, "currentVersion": version, "currentConfig": "{}", "nextVersion": "", "required": False,
               "supportedActions": []} for name, version in ADOPTED_ACK_ADDONS.items()]
    return {"id": cluster_id, "clusterId": cluster_id, "ids": [f"{cluster_id}:{a['name']}" for a in addons],
            "names": [a["name"] for a in addons], "addons": addons}


def _existing_oss_buckets(args: dict[str, Any]) -> dict[str, Any]:
    """``oss.get_buckets`` filtered by an exact-name regex (``^name$``): that bucket, private, in cn-beijing."""
    name = re.sub(r"\\(.)", r"\1", str(args.get("nameRegex", "")).strip("^$"))
    bucket = {"name": name, "location": "oss-cn-beijing", "acl": "private", "corsRules": [], "creationDate": "2025-01-01",
              "extranetEndpoint": "oss-cn-beijing.aliyuncs.com", "intranetEndpoint": "oss-cn-beijing-internal.aliyuncs.com",
              "lifecycleRules": [], "logging": {"targetBucket": "", "targetPrefix": ""}, "owner": ACCOUNT_ID, "policy": "",
              "redundancyType": "ZRS", "refererConfig": {"allowEmpty": True, "referers": []},
              "serverSideEncryptionRule": {"kmsMasterKeyId": "", "sseAlgorithm": "AES256"}, "storageClass": "Standard",
              "tags": {}, "versioning": {"status": "Enabled"}, "website": {"errorDocument": "", "indexDocument": ""}}
    return {"id": name, "names": [name], "buckets": [bucket], "nameRegex": args.get("nameRegex")}


ADOPTED_EKS_VERSION = "1.35"


def _adopted_eks_cluster(args: dict[str, Any]) -> dict[str, Any]:
    """``eks.get_cluster`` of an existing EKS cluster (``aws.existingCluster``): active, access entries admitted
    (``API_AND_CONFIG_MAP``), in three private subnets."""
    name = args.get("name", "")
    oidc_id = digest(name, 32).upper()
    return {
        "id": name, "name": name, "arn": f"arn:aws:eks:us-east-1:{AWS_ACCOUNT_ID}:cluster/{name}", "clusterId": "",
        "status": "ACTIVE", "version": ADOPTED_EKS_VERSION, "platformVersion": "eks.5", "createdAt": "2025-06-01T00:00:00Z",
        "endpoint": f"https://{oidc_id}.gr7.us-east-1.eks.amazonaws.com", "region": "us-east-1",
        "roleArn": f"arn:aws:iam::{AWS_ACCOUNT_ID}:role/{name}-cluster", "deletionProtection": True,
        "accessConfigs": [{"authenticationMode": "API_AND_CONFIG_MAP", "bootstrapClusterCreatorAdminPermissions": False}],
        "certificateAuthorities": [{"data": "b2ZmbGluZS1hZG9wdGVkLWNh"}],
        "identities": [{"oidcs": [{"issuer": f"https://oidc.eks.us-east-1.amazonaws.com/id/{oidc_id}"}]}],
        "kubernetesNetworkConfigs": [{"elasticLoadBalancings": [], "ipFamily": "ipv4", "serviceIpv4Cidr": "10.100.0.0/16",
                                      "serviceIpv6Cidr": ""}],
        "vpcConfig": {"clusterSecurityGroupId": "sg-" + digest(name + "cluster"), "controlPlaneEgressMode": "",
                      "endpointPrivateAccess": True, "endpointPublicAccess": False, "publicAccessCidrs": [],
                      "securityGroupIds": [], "subnetIds": ["subnet-" + digest(name + zone, 17) for zone in "abc"],
                      "vpcId": "vpc-" + digest(name + "vpc", 17)},
        "enabledClusterLogTypes": [], "tags": {}, "computeConfigs": [], "controlPlaneScalingConfigs": [],
        "kubeApiServerConfigs": [], "kubeControllerManagerConfigs": [], "kubeSchedulerConfigs": [], "outpostConfigs": [],
        "remoteNetworkConfigs": [], "storageConfigs": [], "upgradePolicies": [{"supportType": "STANDARD"}],
        "zonalShiftConfigs": [],
    }


def _open_id_connect_provider(args: dict[str, Any]) -> dict[str, Any]:
    """``iam.get_open_id_connect_provider`` by URL: the adopted cluster's IRSA provider exists."""
    host = str(args.get("url", "")).removeprefix("https://")
    arn = f"arn:aws:iam::{AWS_ACCOUNT_ID}:oidc-provider/{host}"
    return {"id": arn, "arn": arn, "url": host, "clientIdLists": ["sts.amazonaws.com"], "thumbprintLists": [], "tags": {}}


CALL_RESULTS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "alicloud:cs/getClusterCredential:getClusterCredential": lambda args: {
        "id": args.get("clusterId", "cluster"),
        "clusterId": args.get("clusterId"),
        "kubeConfig": PLACEHOLDER_KUBECONFIG,
        "certificateAuthorities": [],
    },
    "alicloud:ram/getRoles:getRoles": _roles,
    "aws:ssm/getParameter:getParameter": lambda args: {
        "id": args.get("name"), "name": args.get("name"), "type": "String", "value": "ami-" + digest(args.get("name", ""), 17),
        "insecureValue": "ami-" + digest(args.get("name", ""), 17), "version": 1,
        "arn": f"arn:aws:ssm:us-east-1::parameter{args.get('name')}", "withDecryption": True,
    },
    # An existing model bucket (aws.modelStore.existingBucket): found, in the stack's region.
    "aws:s3/getBucket:getBucket": lambda args: {
        "id": args.get("bucket"), "bucket": args.get("bucket"), "arn": f"arn:aws:s3:::{args.get('bucket')}",
        "region": args.get("region") or "us-east-1", "bucketDomainName": f"{args.get('bucket')}.s3.amazonaws.com",
        "bucketRegionalDomainName": f"{args.get('bucket')}.s3.us-east-1.amazonaws.com",
        "hostedZoneId": "Z3AQBSTGFYJSTF", "websiteDomain": "", "websiteEndpoint": "",
    },
    # An existing OSS model bucket (alicloud.modelStore.existingBucket): found, in cn-beijing.
    "alicloud:oss/getBuckets:getBuckets": _existing_oss_buckets,
    # An adopted EKS cluster (aws.existingCluster) and its IAM OIDC provider.
    "aws:eks/getCluster:getCluster": _adopted_eks_cluster,
    "aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider": _open_id_connect_provider,
    # An adopted ACK cluster (alicloud.cluster.existing).
    "alicloud:cs/getClusters:getClusters": _adopted_ack_cluster,
    "alicloud:cs/getManagedKubernetesClusters:getManagedKubernetesClusters": _adopted_ack_rrsa,
    "alicloud:cs/getKubernetesAddons:getKubernetesAddons": _adopted_ack_addons,
    # The ARMS Prometheus instance of an ACK cluster (observability.backend: managed), with its token.
    "alicloud:arms/getPrometheus:getPrometheus": lambda args: {
        "id": "cn-beijing", "ids": args.get("ids", []), "enableDetails": True, "prometheis": [{
            "id": cluster_id, "clusterId": cluster_id, "clusterName": cluster_id, "clusterType": "aliyun-cs",
            "httpApiIntraUrl": f"http://cn-beijing-intranet.arms.aliyuncs.com:9090/api/v1/prometheus/{digest(cluster_id, 32)}/{ACCOUNT_ID}/{cluster_id}/cn-beijing",
            "authToken": "mock-arms-token-" + digest(cluster_id, 12),
        } for cluster_id in args.get("ids", [])]},
    # An existing AMP workspace (observability.managed.workspaceId).
    "aws:amp/getWorkspace:getWorkspace": lambda args: {
        "id": args.get("workspaceId"), "workspaceId": args.get("workspaceId"), "alias": "existing", "status": "ACTIVE",
        "arn": f"arn:aws:aps:us-east-1:{AWS_ACCOUNT_ID}:workspace/{args.get('workspaceId')}",
        "prometheusEndpoint": f"https://aps-workspaces.us-east-1.amazonaws.com/workspaces/{args.get('workspaceId')}/",
        "createdDate": "2026-01-01T00:00:00Z", "kmsKeyArn": "", "tags": {},
    },
    "alicloud:index/getCallerIdentity:getCallerIdentity": lambda args: {
        "id": ACCOUNT_ID, "accountId": ACCOUNT_ID, "arn": f"acs:ram::{ACCOUNT_ID}:root", "identityType": "Account",
    },
}


def kubernetes_autoname(resource_name: str) -> str:
    """The name pulumi-kubernetes gives an object without ``metadata.name``: the resource name, a dash and 8 random
    hex digits (here derived from the resource name, so plans stay deterministic)."""
    return f"{resource_name}-{digest(resource_name, 8)}"


def _kubernetes_autoname(args: pulumi.runtime.MockResourceArgs) -> dict[str, Any]:
    metadata = args.inputs.get("metadata")
    if not args.typ.startswith("kubernetes:") or not isinstance(metadata, dict) or metadata.get("name"):
        return {}
    return {"metadata": {**metadata, "name": kubernetes_autoname(args.name)}}


class PlanMocks(pulumi.runtime.Mocks):
    """Mock provider: echoes inputs and adds the outputs listed in RESOURCE_OUTPUTS / CALL_RESULTS."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        extra = RESOURCE_OUTPUTS.get(args.typ, lambda a: {})(args)
        resource_id = extra.pop("id", None) or f"{args.name}-id"
        return resource_id, {**args.inputs, **_kubernetes_autoname(args), **extra}

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict:
        result = CALL_RESULTS.get(args.token)
        if result is None:
            raise NotImplementedError(f"the offline plan has no mock answer for {args.token}; add one to planner/mocks.py")
        return result(args.args)
