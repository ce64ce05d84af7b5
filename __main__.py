"""elastic-inference: elastic GPU model inference on Kubernetes, one stack per environment.

Loads and validates the whole stack config before registering anything, builds the platform,
and exports its outputs. A config mistake ends the run with every error listed and no traceback.
"""

import pulumi

from components.platform import AlicloudPlatform, AlicloudPlatformArgs
from stackconfig import StackConfigError, load_from_pulumi

try:
    config = load_from_pulumi()
except StackConfigError as error:
    raise pulumi.RunError(error.report()) from None

platform = AlicloudPlatform("platform", AlicloudPlatformArgs(config=config))
for name, value in platform.exports.items():
    pulumi.export(name, value)
