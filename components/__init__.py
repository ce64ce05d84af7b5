"""Pulumi components of the elastic-inference platform: a cloud-neutral Kubernetes layer (``kubernetes``), one folder
per cloud (``alicloud``, ``aws``, ``existing``), S3 model buckets any cloud can read (``s3``), and the contracts
between them (``kubernetes.context``, ``outputs``). See ARCHITECTURE.md."""
