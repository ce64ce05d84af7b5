"""The offline plan: the real program under Pulumi's mock engine, for machines without a cloud account."""
