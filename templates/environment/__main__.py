"""${DESCRIPTION}

One environment of the elastic-inference platform: the platform program itself (pip package
``elastic-inference``, see requirements.txt), configured by this project's stack file. Pulumi.example.yaml
explains every config key; its keys live in the ``elastic-inference:`` namespace whatever this project's name.
"""

from elastic_inference.platform_program import main

main()
