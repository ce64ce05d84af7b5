"""The platform program: one environment (stack) of elastic-inference.

This repository's ``__main__.py`` and projects started from ``templates/environment`` run :func:`main`,
so every environment, in this repository or in its own project, runs the same program.
"""

import pulumi

from components.platform import build_platform
from stackconfig import StackConfigError, load_from_pulumi


def main() -> None:
    """Load and validate the whole stack config before registering anything, build the platform of its
    cloud, and export its outputs. A config mistake ends the run with every error listed and no traceback."""
    try:
        config = load_from_pulumi()
    except StackConfigError as error:
        raise pulumi.RunError(error.report()) from None

    for name, value in build_platform(config).exports().items():
        pulumi.export(name, value)
