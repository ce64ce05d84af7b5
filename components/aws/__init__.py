"""AWS (``cloud: aws``): EKS, the mixed spot/on-demand GPU Auto Scaling group, Fargate burst, the S3 model store."""
