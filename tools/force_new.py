"""Regenerate ``planner/force_new.json``, the inputs whose change replaces a cloud resource, from the Terraform
providers' schemas that the Pulumi providers wrap.

``python -m tools.force_new --provider alicloud CHECKOUT`` reads a checkout of aliyun/terraform-provider-alicloud,
``--provider aws CHECKOUT`` one of hashicorp/terraform-provider-aws (pulumi-aws 7 wraps its v6), and rewrites that
provider's entries: for every resource type in :data:`SOURCES`, the attributes marked ``ForceNew: true`` (SDKv2) or
``RequiresReplace()`` (plugin framework), nested blocks as dotted paths, in the engine's camelCase (the names the
plan JSON uses). The checkout's ``git describe`` and commit are recorded per type. It needs a checkout, so the tests
never run it; they read the committed table.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

from .generated import ROOT

TABLE = ROOT / "planner" / "force_new.json"

SOURCES: dict[str, dict[str, str]] = {
    "alicloud": {
        "alicloud:arms/prometheusAlertRule:PrometheusAlertRule": "alicloud/resource_alicloud_arms_prometheus_alert_rule.go",
        "alicloud:arms/prometheusMonitoring:PrometheusMonitoring": "alicloud/resource_alicloud_arms_prometheus_monitoring.go",
        "alicloud:cs/managedKubernetes:ManagedKubernetes": "alicloud/resource_alicloud_cs_managed_kubernetes.go",
        "alicloud:cs/nodePool:NodePool": "alicloud/resource_alicloud_cs_kubernetes_node_pool.go",
        "alicloud:cs/kubernetesAddon:KubernetesAddon": "alicloud/resource_alicloud_cs_kubernetes_addon.go",
        "alicloud:ecs/eipAddress:EipAddress": "alicloud/resource_alicloud_eip_address.go",
        "alicloud:ecs/eipAssociation:EipAssociation": "alicloud/resource_alicloud_eip_association.go",
        "alicloud:oss/bucket:Bucket": "alicloud/resource_alicloud_oss_bucket.go",
        "alicloud:oss/bucketAcl:BucketAcl": "alicloud/resource_alicloud_oss_bucket_acl.go",
        "alicloud:oss/bucketPolicy:BucketPolicy": "alicloud/resource_alicloud_oss_bucket_policy.go",
        "alicloud:oss/bucketPublicAccessBlock:BucketPublicAccessBlock": "alicloud/resource_alicloud_oss_bucket_public_access_block.go",
        "alicloud:oss/bucketServerSideEncryption:BucketServerSideEncryption": "alicloud/resource_alicloud_oss_bucket_server_side_encryption.go",
        "alicloud:oss/bucketVersioning:BucketVersioning": "alicloud/resource_alicloud_oss_bucket_versioning.go",
        "alicloud:ram/policy:Policy": "alicloud/resource_alicloud_ram_policy.go",
        "alicloud:ram/role:Role": "alicloud/resource_alicloud_ram_role.go",
        "alicloud:ram/rolePolicyAttachment:RolePolicyAttachment": "alicloud/resource_alicloud_ram_role_policy_attachment.go",
        "alicloud:vpc/natGateway:NatGateway": "alicloud/resource_alicloud_nat_gateway.go",
        "alicloud:vpc/network:Network": "alicloud/resource_alicloud_vpc.go",
        "alicloud:vpc/snatEntry:SnatEntry": "alicloud/resource_alicloud_snat_entry.go",
        "alicloud:vpc/switch:Switch": "alicloud/resource_alicloud_vswitch.go",
    },
    "aws": {
        "aws:amp/ruleGroupNamespace:RuleGroupNamespace": "internal/service/amp/rule_group_namespace.go",
        "aws:amp/workspace:Workspace": "internal/service/amp/workspace.go",
        "aws:autoscaling/group:Group": "internal/service/autoscaling/group.go",
        "aws:ec2/eip:Eip": "internal/service/ec2/ec2_eip.go",
        "aws:ec2/internetGateway:InternetGateway": "internal/service/ec2/vpc_internet_gateway.go",
        "aws:ec2/launchTemplate:LaunchTemplate": "internal/service/ec2/ec2_launch_template.go",
        "aws:ec2/natGateway:NatGateway": "internal/service/ec2/vpc_nat_gateway.go",
        "aws:ec2/route:Route": "internal/service/ec2/vpc_route.go",
        "aws:ec2/routeTable:RouteTable": "internal/service/ec2/vpc_route_table.go",
        "aws:ec2/routeTableAssociation:RouteTableAssociation": "internal/service/ec2/vpc_route_table_association.go",
        "aws:ec2/subnet:Subnet": "internal/service/ec2/vpc_subnet.go",
        "aws:ec2/vpc:Vpc": "internal/service/ec2/vpc_.go",
        "aws:eks/accessEntry:AccessEntry": "internal/service/eks/access_entry.go",
        "aws:eks/accessPolicyAssociation:AccessPolicyAssociation": "internal/service/eks/access_policy_association.go",
        "aws:eks/addon:Addon": "internal/service/eks/addon.go",
        "aws:eks/cluster:Cluster": "internal/service/eks/cluster.go",
        "aws:eks/fargateProfile:FargateProfile": "internal/service/eks/fargate_profile.go",
        "aws:eks/nodeGroup:NodeGroup": "internal/service/eks/node_group.go",
        "aws:iam/instanceProfile:InstanceProfile": "internal/service/iam/instance_profile.go",
        "aws:iam/openIdConnectProvider:OpenIdConnectProvider": "internal/service/iam/openid_connect_provider.go",
        "aws:iam/role:Role": "internal/service/iam/role.go",
        "aws:iam/rolePolicy:RolePolicy": "internal/service/iam/role_policy.go",
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment": "internal/service/iam/role_policy_attachment.go",
        "aws:kms/key:Key": "internal/service/kms/key.go",
        "aws:s3/bucket:Bucket": "internal/service/s3/bucket.go",
        "aws:s3/bucketOwnershipControls:BucketOwnershipControls": "internal/service/s3/bucket_ownership_controls.go",
        "aws:s3/bucketPolicy:BucketPolicy": "internal/service/s3/bucket_policy.go",
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": "internal/service/s3/bucket_public_access_block.go",
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration":
            "internal/service/s3/bucket_server_side_encryption_configuration.go",
        "aws:s3/bucketVersioning:BucketVersioning": "internal/service/s3/bucket_versioning.go",
    },
}
"""Every cloud resource type the committed stacks plan, and the file of the Terraform resource behind it (the AWS
paths checked against the provider's tree in the code index)."""

AWS_NAMES = "names/attr_consts_gen.go"
"""Where terraform-provider-aws defines the ``names.AttrX`` constants its schemas use as keys."""

_KEY = re.compile(r'(?:"([a-z0-9_]+)"|names\.(Attr[A-Za-z0-9]+))\s*:\s*[^,{}]*\{$')
_REPLACES = re.compile(r"ForceNew:\s*true|RequiresReplace\(\)")


def camel(snake: str) -> str:
    """Terraform's ``snake_case`` attribute name as the Pulumi engine's input name (``pod_vswitch_ids`` → ``podVswitchIds``)."""
    first, *rest = snake.split("_")
    return first + "".join(part[:1].upper() + part[1:] for part in rest)


def name_constants(text: str) -> dict[str, str]:
    return dict(re.findall(r'\b(Attr[A-Za-z0-9]+)\s*=\s*"([a-z0-9_]+)"', text))


def force_new_paths(go_source: str, constants: dict[str, str] | None = None) -> list[str]:
    """Dotted camelCase paths of the attributes a Terraform resource's schema marks as replacing.

    Braces are followed one by one; a brace opened on a line ``"name": ...{`` (or ``names.AttrName: ...{``) names an
    attribute, any other brace (``&schema.Resource{``, ``map[...]{``) only nests. Comments and strings are dropped
    first so their braces do not count."""
    constants = constants or {}
    stack: list[str | None] = []
    found: set[str] = set()
    for raw in go_source.splitlines():
        line = re.sub(r"//.*$", "", raw).strip()
        line_body = re.sub(r"`[^`]*`", "``", line)
        key = _KEY.search(line_body)
        if _REPLACES.search(line_body):
            path = [k for k in stack if k]
            if path:
                found.add(".".join(path))
        bare = re.sub(r'"(?:\\.|[^"\\])*"', '""', line_body)
        for i, char in enumerate(bare):
            if char == "{":
                name = None
                if key and i == len(bare) - 1:
                    name = key.group(1) or constants.get(key.group(2) or "", None)
                stack.append(camel(name) if name else None)
            elif char == "}" and stack:
                stack.pop()
    return sorted(found)


def describe(checkout: Path) -> dict[str, str]:
    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(checkout), *args], capture_output=True, text=True, check=True).stdout.strip()
    return {"version": git("describe", "--tags", "--always"), "commit": git("rev-parse", "HEAD")}


def regenerate(provider: str, checkout: Path) -> dict[str, dict]:
    table = json.loads(TABLE.read_text()) if TABLE.exists() else {}
    origin = describe(checkout)
    constants = name_constants((checkout / AWS_NAMES).read_text()) if provider == "aws" else {}
    repository = {"alicloud": "aliyun/terraform-provider-alicloud", "aws": "hashicorp/terraform-provider-aws"}[provider]
    for resource_type, path in SOURCES[provider].items():
        table[resource_type] = {"source": f"{repository}@{origin['version']} ({origin['commit']}) {path}",
                                "replaces": force_new_paths((checkout / path).read_text(), constants)}
    return dict(sorted(table.items()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.force_new", description=__doc__.split("\n\n")[0])
    parser.add_argument("--provider", choices=sorted(SOURCES), required=True)
    parser.add_argument("checkout", type=Path, help="a git checkout of the provider's Terraform source")
    args = parser.parse_args(argv)
    TABLE.write_text(json.dumps(regenerate(args.provider, args.checkout), indent=2) + "\n")
    print(f"wrote {TABLE.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
