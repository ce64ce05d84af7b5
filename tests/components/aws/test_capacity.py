"""EKS capacity under mocks: every node, system or GPU, keeps instance metadata from its pods."""

from __future__ import annotations

from cloud_factories import AWS, GPU_SERVICE, load
from components.platform import build_platform
from planner.engine import run
from planner.mocks import digest

TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
IMDSV2_ONE_HOP = {"httpEndpoint": "enabled", "httpTokens": "required", "httpPutResponseHopLimit": 1}


def test_system_and_gpu_nodes_allow_only_imdsv2_one_hop_away():
    config = load(AWS, aws={**AWS["aws"], "systemNodes": {"diskSizeGib": 80}}, services=[GPU_SERVICE])
    plan = run(lambda: build_platform(config), "elastic-inference", "test", {}, [])
    templates = plan.by_type(TEMPLATE)
    assert {t.name for t in templates} >= {"capacity-system", "capacity-gpu"}
    assert all(t.inputs["metadataOptions"] == IMDSV2_ONE_HOP for t in templates)

    [group] = plan.by_type(NODE_GROUP)
    system = plan.get(TEMPLATE, "capacity-system")
    assert group.inputs["launchTemplate"] == {"id": "lt-" + digest("capacity-system"), "version": "1"}
    # With a launch template, EKS refuses diskSize on the group: the size is the template's root volume.
    assert "diskSize" not in group.inputs
    assert system.inputs["blockDeviceMappings"] == [{"deviceName": "/dev/xvda", "ebs": {
        "volumeSize": 80, "volumeType": "gp3", "encrypted": "true", "deleteOnTermination": "true"}}]
    # EKS picks the AMI and joins the nodes: the template names no image and no user data.
    assert not {"imageId", "userData", "instanceType"} & system.inputs.keys()
    assert group.inputs["instanceTypes"] == ["m6i.large", "m5.large"] and group.inputs["amiType"] == "AL2023_x86_64_STANDARD"
    # Replacing the group (adding the template does) must not clash with the old group's name.
    assert group.inputs["nodeGroupNamePrefix"] == "system-" and "nodeGroupName" not in group.inputs
