"""elastic-inference: elastic GPU model inference on Kubernetes, one stack per environment.

The program is :func:`elastic_inference.platform_program.main`, shared with projects started from
``templates/environment``.
"""

from elastic_inference.platform_program import main

main()
