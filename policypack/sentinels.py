"""The markers a plan shows for values it cannot show, and the Pulumi wire sentinels they stand for.

Standard library only, so that the policy pack (whose virtualenv has ``pulumi_policy`` alone) and the offline
plan (``planner.engine``, which reads the wire format of registrations) share one definition.
"""

SECRET_MARK = "[secret]"
"""How a secret value appears in the offline plan; under ``pulumi preview`` the policy SDK decrypts secrets."""
UNKNOWN_MARK = "[unknown]"
"""A value not known before the update (an output of a resource still to be created)."""

SIG_KEY = "4dabf18193072939515e22adb298388d"
"""The key whose value says what a wire-format object is (``pulumi.runtime.rpc._special_sig_key``)."""
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
"""Signature of a secret, whose plaintext is under ``value`` (``pulumi.runtime.rpc._special_secret_sig``)."""
RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
"""Signature of a resource reference, with its ``urn`` (``pulumi.runtime.rpc._special_resource_sig``)."""
WIRE_UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
"""The string the engine sends for an unknown value (``pulumi.runtime.rpc.UNKNOWN``)."""
