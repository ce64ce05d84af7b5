"""elastic-inference for app teams and other environments: the Pulumi component package.

``InferenceService`` deploys one inference service onto an existing platform stack. Python programs
import it from here (``pip install`` this repository); programs in other languages use it through the
component package in ``plugin/`` (``pulumi package add``), which hosts ``COMPONENTS``.
"""

from .service import InferenceService, InferenceServiceArgs

VERSION = "0.3.0"
"""Version of the distribution (pyproject.toml) and of the component package's schema."""

PACKAGE_NAME = "elastic-inference"
"""Name of the component package: type tokens are ``elastic-inference:index:<Component>``."""

COMPONENTS = [InferenceService]
"""Components the package exposes to every Pulumi language."""

__all__ = ["COMPONENTS", "InferenceService", "InferenceServiceArgs", "PACKAGE_NAME", "VERSION"]
