"""The ``aws`` section's rules: access entries are least privilege and the API server private unless the stack spells out more."""

from __future__ import annotations

from cloud_factories import AWS, CPU_BURST_SERVICE, GPU_SERVICE, issues, load, merge

ADMINS = "arn:aws:iam::123456789012:role/admins"


def entries(*items: dict) -> dict:
    return {"aws": {**AWS["aws"], "accessEntries": list(items)}}


def test_an_entry_that_names_only_its_principal_views_the_catalogs_namespaces():
    config = load(AWS, **entries({"principalArn": ADMINS}),
                  services=[GPU_SERVICE, merge(CPU_BURST_SERVICE, {"namespace": "team-b"})])
    [entry] = config.aws.access_entries
    assert entry.policy == "AmazonEKSViewPolicy"
    assert config.catalog_namespaces == ["inference", "team-b"]
    assert entry.scope_namespaces(config.catalog_namespaces) == ["inference", "team-b"]


def test_the_whole_cluster_needs_namespaces_empty_and_an_explicit_policy():
    config = load(AWS, **entries({"principalArn": ADMINS, "policy": "AmazonEKSClusterAdminPolicy", "namespaces": []},
                                 {"principalArn": ADMINS, "policy": "AmazonEKSViewPolicy", "namespaces": []}))
    assert [e.scope_namespaces(["inference"]) for e in config.aws.access_entries] == [[], []]
    found = issues(AWS, **entries({"principalArn": ADMINS, "namespaces": []}))
    assert [i for i in found if i.startswith("aws.accessEntries")] == [
        "aws.accessEntries[0].namespaces: namespaces [] grants the whole cluster, but no policy says what "
        "(hint: name the cluster-wide policy (e.g. policy: AmazonEKSViewPolicy), or list namespaces)"]


def test_cluster_admin_is_refused_within_namespaces_or_by_default():
    for scope in ({}, {"namespaces": ["inference"]}):
        found = issues(AWS, **entries({"principalArn": ADMINS, "policy": "AmazonEKSClusterAdminPolicy", **scope}))
        assert [i.split(":")[0] for i in found if i.startswith("aws.accessEntries")] == ["aws.accessEntries[0].policy"], found
    config = load(AWS, **entries({"principalArn": ADMINS, "policy": "AmazonEKSAdminPolicy", "namespaces": ["inference"]}))
    assert config.aws.access_entries[0].scope_namespaces(["x"]) == ["inference"]


def test_a_public_api_server_needs_networks_and_never_the_whole_internet():
    [missing] = [i for i in issues(AWS, aws={**AWS["aws"], "publicApiServer": True}) if "publicAccessCidrs" in i]
    assert "aws.publicAccessCidrs" in missing and "none are listed" in missing
    found = issues(AWS, aws={**AWS["aws"], "publicApiServer": True, "publicAccessCidrs": ["203.0.113.0/24", "0.0.0.0/0"]})
    assert any("aws.publicAccessCidrs[1]" in i and "whole internet" in i for i in found), found
    assert not any("publicAccessCidrs[0]" in i for i in found)
    found = issues(AWS, aws={**AWS["aws"], "publicAccessCidrs": ["203.0.113.0/24"]})
    assert any("aws.publicAccessCidrs" in i and "publicApiServer is false" in i for i in found), found
    found = issues(AWS, aws={**AWS["aws"], "publicApiServer": True, "publicAccessCidrs": ["203.0.113.300/24"]})
    assert any("aws.publicAccessCidrs[0]" in i for i in found), found


def test_the_api_server_is_private_by_default():
    config = load(AWS)
    assert config.aws.public_api_server is False and config.aws.public_access_cidrs == []


def test_an_existing_bucket_may_have_dots_and_refuses_the_created_buckets_options():
    config = load(AWS, aws={**AWS["aws"], "modelStore": {"existingBucket": "acme.models", "prefix": "nlp/"}})
    assert config.bucket_name == "acme.models" and config.aws.model_store.key_prefix == "nlp/"
    found = issues(AWS, aws={**AWS["aws"], "modelStore": {"existingBucket": "acme.models", "bucketName": "b-models",
                                                          "forceDestroy": False}})
    assert [i.split(":")[0] for i in found] == ["aws.modelStore.bucketName", "aws.modelStore.forceDestroy"]
    assert "forceDestroy False only applies to a bucket the stack creates" in found[1]


def test_with_a_prefix_s3_readers_read_inside_it():
    found = issues(AWS, aws={**AWS["aws"], "modelStore": {"prefix": "nlp/"}}, services=[GPU_SERVICE, CPU_BURST_SERVICE])
    assert found == ["services[1].model.path: 'cifar10-model' is outside aws.modelStore.prefix 'nlp/', the only part of "
                     "the bucket the stack's IRSA roles may read (model.source s3 paths start at the bucket's root) "
                     "(hint: use a path under the prefix, e.g. nlp/cifar10-model)"]
    # A store-mounted service's path is relative to the prefix: no rule.
    load(AWS, aws={**AWS["aws"], "modelStore": {"prefix": "nlp/"}}, services=[GPU_SERVICE])


KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def encryption(**settings: object) -> dict:
    return {"aws": {**AWS["aws"], "secretsEncryption": settings}}


def test_secrets_are_encrypted_with_a_created_key_unless_a_key_is_given_or_encryption_is_off():
    default = load(AWS).aws.secrets_encryption
    assert default.enabled and default.kms_key_arn is None
    given = load(AWS, **encryption(kmsKeyArn=KEY_ARN)).aws.secrets_encryption
    assert given.enabled and given.kms_key_arn == KEY_ARN
    off = load(AWS, **encryption(enabled=False)).aws.secrets_encryption
    assert not off.enabled and off.kms_key_arn is None


def test_a_given_key_is_a_key_arn_of_the_stacks_region_and_needs_encryption_on():
    def found(**settings: object) -> list[str]:
        return [i for i in issues(AWS, **encryption(**settings)) if i.startswith("aws.secretsEncryption")]
    assert [i.split(":")[0] for i in found(kmsKeyArn=KEY_ARN, enabled=False)] == ["aws.secretsEncryption.kmsKeyArn"]
    for wrong in ("alias/eks", "arn:aws:kms:us-east-1:123456789012:alias/eks", "1234abcd-12ab-34cd-56ef-1234567890ab"):
        assert [i.split(":")[0] for i in found(kmsKeyArn=wrong)] == ["aws.secretsEncryption.kmsKeyArn"], wrong
    [other_region] = found(kmsKeyArn=KEY_ARN.replace("us-east-1", "eu-west-1"))
    assert other_region.startswith("aws.secretsEncryption.kmsKeyArn: the key is in eu-west-1, but the cluster in us-east-1")


def test_production_keeps_secrets_encrypted():
    production = {"production": True, "zones": ["us-east-1a", "us-east-1b", "us-east-1c"],
                  "aws": {**AWS["aws"], "publicSubnetCidrs": ["10.0.0.0/22", "10.0.4.0/22", "10.0.8.0/22"],
                          "privateSubnetCidrs": ["10.0.64.0/18", "10.0.128.0/18", "10.0.192.0/18"]}}
    assert load(AWS, **production).aws.secrets_encryption.enabled
    found = issues(AWS, **merge(production, {"aws": {"secretsEncryption": {"enabled": False}}}))
    assert [i for i in found if i.startswith("aws.secretsEncryption")] == [
        "aws.secretsEncryption.enabled: a production stack encrypts Kubernetes Secrets with a KMS key, but this turns "
        "it off (hint: remove enabled: false)"]


# ----------------------------------------------------------------------------- an adopted cluster

def test_an_adopted_cluster_needs_its_name_and_the_region():
    from cloud_factories import ADOPTED_EKS
    config = load(ADOPTED_EKS)
    assert config.adopts_cluster and config.aws.existing_cluster.subnet_ids == []
    assert [i for i in issues({**ADOPTED_EKS, "region": None}) if i.startswith("region:")]


def test_options_of_a_created_cluster_and_network_are_errors_when_adopting():
    from cloud_factories import ADOPTED_EKS
    found = issues(ADOPTED_EKS, zones=["us-east-1a", "us-east-1b"], aws={**ADOPTED_EKS["aws"], **AWS["aws"],
                   "upgradePolicy": "STANDARD", "publicApiServer": False, "secretsEncryption": {"enabled": True},
                   "vpcCniVersion": "v1.19.0-eksbuild.1"})
    paths = {i.split(":")[0] for i in found}
    assert paths == {"zones", "aws.vpcCidr", "aws.publicSubnetCidrs", "aws.privateSubnetCidrs", "aws.upgradePolicy",
                     "aws.publicApiServer", "aws.secretsEncryption", "aws.vpcCniVersion"}
    assert all("aws.existingCluster adopts cluster ml-platform" in i for i in found)


def test_what_an_adopted_cluster_shares_with_a_created_one_is_accepted():
    from cloud_factories import ADOPTED_EKS
    config = load(ADOPTED_EKS, aws={**ADOPTED_EKS["aws"], "kubernetesVersion": "1.35", "accessEntries": [
        {"principalArn": ADMINS}], "existingCluster": {"name": "ml-platform", "subnetIds": ["subnet-0abc1234def567890"]}})
    assert config.aws.existing_cluster.subnet_ids == ["subnet-0abc1234def567890"]


def test_a_subnet_id_that_is_not_one_is_refused():
    from cloud_factories import ADOPTED_EKS
    assert [i for i in issues(ADOPTED_EKS, aws={"existingCluster": {"name": "ml-platform", "subnetIds": ["sn-1"]}})
            if i.startswith("aws.existingCluster.subnetIds[0]:")]
