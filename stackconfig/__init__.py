"""The stack configuration: typed model, loading from Pulumi config, and error reporting.

Consumers import every config type from here, not from the modules that define them.
"""

from .errors import ConfigIssue, StackConfigError
from .load import load_from_pulumi, load_stack_config, secret_keys
from .model import (
    PROJECT,
    StackConfig,
    AddonsConfig,
    AutoscalingConfig,
    AwsAccessEntry,
    AwsConfig,
    AwsGpuCapacityConfig,
    AwsModelStoreConfig,
    BehaviorConfig,
    ExistingClusterConfig,
    ClaimRef,
    ClusterConfig,
    GPU_TAINT,
    HelmChartConfig,
    ModelStoreConfig,
    NetworkConfig,
    NodePoolConfig,
    S3Credentials,
    S3ModelRepositoryConfig,
    ScalingRules,
    ServiceConfig,
    VersionPolicy,
)

__all__ = [
    "AddonsConfig",
    "AutoscalingConfig",
    "AwsAccessEntry",
    "AwsConfig",
    "AwsGpuCapacityConfig",
    "AwsModelStoreConfig",
    "BehaviorConfig",
    "ClaimRef",
    "ClusterConfig",
    "ExistingClusterConfig",
    "ConfigIssue",
    "GPU_TAINT",
    "HelmChartConfig",
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
    "VersionPolicy",
    "load_from_pulumi",
    "load_stack_config",
    "secret_keys",
]
