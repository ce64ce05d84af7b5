"""${DESCRIPTION}

One inference service on an existing elastic-inference platform stack (ACK, EKS or an existing cluster). The service
is the platform's own ``InferenceService`` (pip package ``elastic-inference``, see requirements.txt): the same
workload as an entry of a platform stack's ``services`` catalog, placed by the platform stack's outputs (kubeconfig,
model store claim and namespace, burst target, log project). Every key of the catalog entry can be added to the dictionary below in snake_case (or camelCase, as stack files spell it),
e.g. ``"burst": {"mode": "overflow", "eci_gpu_specs": ["ecs.gn6i-c4g1.xlarge"]}``; the README's configuration
reference (``services[]``) documents them.
"""

import pulumi

from elastic_inference import InferenceService
from stackconfig import StackConfigError

config = pulumi.Config()
name = config.require("serviceName")
# qps: ingress requests per second (ACK platforms); cpu: CPU utilisation (any platform).
autoscaler = config.get("autoscaler") or "qps"
if autoscaler not in ("qps", "cpu"):
    raise pulumi.RunError(f"autoscaler: '{autoscaler}' is not qps or cpu (pulumi config set autoscaler cpu)")
metric = ({"qps": {"target_per_pod": config.require_float("qpsTargetPerPod")}} if autoscaler == "qps"
          else {"cpu": {"target_utilization": config.require_int("cpuTargetUtilization")}})

try:
    service = InferenceService(name, {
        "platform_stack": config.require("platformStack"),
        "name": name,
        "server": config.require("server"),
        "model": {"name": config.require("modelName"), "path": config.require("modelPath")},
        "resources": {"gpus": config.require_int("gpus")},
        "autoscaling": {
            "min_replicas": config.require_int("minReplicas"),
            "max_replicas": config.require_int("maxReplicas"),
            **metric,
        },
        "ingress": {"host": config.require("ingressHost"), "tls_secret_name": config.require("tlsSecretName")},
    })
except StackConfigError as error:
    raise pulumi.RunError(error.report()) from None

pulumi.export("namespace", service.namespace)
pulumi.export("serviceName", service.service_name)
pulumi.export("url", service.host.apply(lambda host: f"https://{host}/"))
