"""The stack configuration: typed model, loading from Pulumi config, and error reporting.

Consumers import every config type from here, not from the modules that define them.
"""

from .errors import ConfigIssue, StackConfigError
from .load import load_from_pulumi, load_stack_config
from .addons import AddonsConfig, HelmChartConfig
from .alicloud import GPU_TAINT, AckSecretsEncryptionConfig, AlicloudConfig, ClusterConfig, ModelStoreConfig, NetworkConfig, NodePoolConfig
from .aws import AwsAccessEntry, AwsConfig, AwsGpuCapacityConfig, AwsModelStoreConfig, AwsSecretsEncryptionConfig
from .existing import ClaimRef, ExistingClusterConfig
from .fit import TFSERVING_PROXY_RESOURCES, cpu_cores, memory_gib
from .instances import INSTANCE_TYPES, InstanceSpec
from .base import PROJECT
from .s3 import S3Credentials, S3ModelRepositoryConfig
from .services import AutoscalingConfig, BehaviorConfig, KedaAuthentication, ScalingRules, ServiceConfig, VersionPolicy
from .stack import StackConfig

__all__ = [
    "AckSecretsEncryptionConfig",
    "AddonsConfig",
    "AlicloudConfig",
    "AutoscalingConfig",
    "KedaAuthentication",
    "AwsAccessEntry",
    "AwsConfig",
    "AwsGpuCapacityConfig",
    "AwsModelStoreConfig",
    "AwsSecretsEncryptionConfig",
    "BehaviorConfig",
    "ClaimRef",
    "ClusterConfig",
    "ExistingClusterConfig",
    "ConfigIssue",
    "GPU_TAINT",
    "HelmChartConfig",
    "INSTANCE_TYPES",
    "InstanceSpec",
    "ModelStoreConfig",
    "NetworkConfig",
    "NodePoolConfig",
    "PROJECT",
    "S3Credentials",
    "S3ModelRepositoryConfig",
    "ScalingRules",
    "ServiceConfig",
    "StackConfig",
    "StackConfigError",
    "TFSERVING_PROXY_RESOURCES",
    "VersionPolicy",
    "cpu_cores",
    "load_from_pulumi",
    "load_stack_config",
    "memory_gib",
]
