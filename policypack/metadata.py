"""Instance metadata addresses of the clouds this program runs on: they hand a pod that reaches them the node's
credentials, so NetworkPolicies of inference pods except them (the Kubernetes layer's egress rules) and the policy
pack requires that they do."""

ECS_METADATA_CIDRS = ("100.100.100.200/32",)
"""The ECS instance metadata service, which also hands out the node's RAM role credentials."""
EC2_METADATA_CIDRS = ("169.254.169.254/32", "fd00:ec2::254/128")
"""EC2's instance metadata service (IMDS) on IPv4 and on Nitro instances' IPv6 address."""
METADATA_CIDRS = ECS_METADATA_CIDRS + EC2_METADATA_CIDRS
"""Every cloud's this program knows."""
