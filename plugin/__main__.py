"""Provider of the elastic-inference component package, launched by the Pulumi language host.

Hosts ``elastic_inference.COMPONENTS``; their schema is inferred from the argument classes' type annotations
and docstrings (``pulumi.provider.experimental``). The components are this repository's code, imported from
the checkout this folder belongs to, so the package and the platform program are always the same version.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pulumi.provider.experimental import component_provider_host  # noqa: E402

from elastic_inference import COMPONENTS, PACKAGE_NAME, VERSION  # noqa: E402

if __name__ == "__main__":
    component_provider_host(COMPONENTS, name=PACKAGE_NAME, version=VERSION)
