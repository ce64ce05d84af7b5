"""The cloud-neutral Kubernetes layer: what runs on any cluster, given a ``ClusterContext`` (``context``).
Imports no cloud SDK."""
