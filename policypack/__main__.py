"""Entry point Pulumi runs for ``pulumi preview --policy-pack policypack``.

Pulumi runs this file with the pack folder on ``sys.path``. The rules live in the ``policypack`` package,
which the offline plan imports as well, so the repository root goes on the path and the pack imports the
package, not loose modules.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pulumi_policy import PolicyPack  # noqa: E402

from policypack.pack import PACK_NAME, build_policies  # noqa: E402

PolicyPack(name=PACK_NAME, policies=build_policies())
