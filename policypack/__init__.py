"""Guardrails: the Pulumi policy pack (``pulumi preview --policy-pack policypack``) and its rules.

The rules (``policypack.rules``) are plain functions the offline plan imports too.
"""
