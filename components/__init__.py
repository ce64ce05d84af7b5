"""Pulumi components of the elastic-inference platform, one concept per module."""
