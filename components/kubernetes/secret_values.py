"""How a config value becomes a resource input: a secret field's value (``SecretStr``, see
``stackconfig.secrets``) only ever as a secret Output, so it stays encrypted in state and hidden in previews."""

from __future__ import annotations

import pulumi
from pydantic import SecretStr


def secret_input(value: SecretStr | str) -> pulumi.Output[str]:
    """``value`` as a secret Output: how every value of a secret field, and anything stored beside one in a Kubernetes
    Secret, becomes a resource input."""
    return pulumi.Output.secret(value.get_secret_value() if isinstance(value, SecretStr) else value)
