"""An existing cluster (``cloud: existing``): only the catalog, onto a kubeconfig context."""
