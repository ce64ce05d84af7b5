"""The existing cluster (``cloud: existing``): reached through a kubeconfig context; this program creates nothing of it."""

from __future__ import annotations

from typing import Any

from stackconfig import ExistingClusterConfig


def provider_args(existing: ExistingClusterConfig) -> dict[str, Any]:
    """``kubernetes.Provider`` arguments for ``existing.context`` in ``existing.kubeconfig``.

    Unset values are left out, so the provider falls back to its own defaults (SDK docstring of
    ``kubeconfig``/``context``): ``$KUBECONFIG`` or ``~/.kube/config``, and its current context.
    """
    args: dict[str, Any] = {"enable_server_side_apply": True}
    if existing.kubeconfig:
        args["kubeconfig"] = existing.kubeconfig
    if existing.context:
        args["context"] = existing.context
    return args
