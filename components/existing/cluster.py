"""The existing cluster (``cloud: existing``): reached through a kubeconfig context; this program creates nothing of it."""

from __future__ import annotations

from typing import Any

import pulumi

from stackconfig import ExistingClusterConfig


def provider_args(existing: ExistingClusterConfig) -> dict[str, Any]:
    """``kubernetes.Provider`` arguments for ``existing.context`` in ``existing.kubeconfig``.

    Unset values are left out, so the provider falls back to its own defaults (SDK docstring of
    ``kubeconfig``/``context``): ``$KUBECONFIG`` or ``~/.kube/config``, and its current context. The provider
    takes a path or the kubeconfig's contents in ``kubeconfig`` (SDK docstring); contents are passed as a secret
    Output, so they stay encrypted in state and hidden in previews whether or not the stack stored them ``secure:``
    (a plaintext one that holds a credential is refused by the config).
    """
    args: dict[str, Any] = {"enable_server_side_apply": True}
    if existing.kubeconfig:
        args["kubeconfig"] = pulumi.Output.secret(existing.kubeconfig) if existing.holds_kubeconfig else existing.kubeconfig
    if existing.context:
        args["context"] = existing.context
    return args
