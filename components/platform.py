"""The platform of a stack's ``cloud``: the one place that knows every cloud's platform."""

from __future__ import annotations

from stackconfig import StackConfig

from .outputs import PlatformOutputs


def build_platform(config: StackConfig) -> PlatformOutputs:
    """Register the platform of ``config.cloud`` (the component ``platform``) and return its stack outputs.

    Each cloud's module is imported only when its cloud is chosen, so a stack loads the SDKs it uses.
    """
    if config.cloud == "aws":
        from .aws.platform import AwsPlatform, AwsPlatformArgs
        return AwsPlatform("platform", AwsPlatformArgs(config=config)).outputs
    if config.cloud == "existing":
        from .existing.platform import ExistingClusterPlatform, ExistingClusterPlatformArgs
        return ExistingClusterPlatform("platform", ExistingClusterPlatformArgs(config=config)).outputs
    from .alicloud.platform import AlicloudPlatform, AlicloudPlatformArgs
    return AlicloudPlatform("platform", AlicloudPlatformArgs(config=config)).outputs
