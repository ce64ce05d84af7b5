"""The stack configuration: typed model, loading from Pulumi config, and error reporting."""

from .errors import ConfigIssue, StackConfigError
from .load import load_from_pulumi, load_stack_config, secret_keys
from .model import PROJECT, StackConfig

__all__ = ["ConfigIssue", "PROJECT", "StackConfig", "StackConfigError", "load_from_pulumi", "load_stack_config", "secret_keys"]
