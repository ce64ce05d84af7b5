"""S3 buckets for models, which a cluster of any cloud can read: the EKS model store's bucket, and the model
repository ACK and existing clusters read with access keys. Imported by cloud platforms, never by the Kubernetes layer."""
