"""Canaries: recognisable secret values on every key that takes ``secure:``, handed to the program decrypted the way
``pulumi preview`` hands them over, never reach stdout, stderr, the JSON plan, the manifests, the outputs or the
policy report; and plaintext canaries in each free-text field are refused, naming the key and not the value."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from planner.cli import PROJECT_DIR, report_plan
from planner.engine import run_program
from planner.policies import check_plan, render_violations
from planner.stackfile import parse_stack_document
from policypack.sentinels import SECRET_MARK
from stackconfig import PROJECT, StackConfigError, load_stack_config

from factories import BASE, merge
from service_factories import BERT, CIFAR, FASHION, KEDA

CANARIES = {
    "s3-key-id": "CANARY-s3-key-id-4e1d",
    "s3-secret": "CANARY-s3-secret-8a2f",
    "hf-token": "CANARY-hf-token-93b0",
    "seldon-env": "CANARY-seldon-env-27c4",
    "bearer": "CANARY-bearer-5d6e",
    "password": "CANARY-password-0f9a",
    "header": "CANARY-header-b7c3",
    "backend-token": "CANARY-backend-token-c41d",
    "kubeconfig": "apiVersion: v1\nkind: Config\nusers:\n- name: ci\n  user:\n    token: CANARY-kubeconfig-61aa\n",
}
"""One value per secret-capable key; each is searched for in everything the run writes."""


def secure(name: str) -> dict[str, str]:
    """A ``secure:`` leaf as the stack file holds it; :func:`decrypted` puts the canary in its place."""
    return {"secure": f"v1:{name}"}


def keda(authentication: dict[str, Any]) -> dict[str, Any]:
    return {"qps": None, "keda": {**KEDA["keda"], "authentication": authentication}}


ALICLOUD_STACK = merge(BASE, {
    "services": [
        merge(BERT, {"secretEnv": {"HF_TOKEN": secure("hf-token")},
                     "autoscaling": keda({"mode": "bearer", "bearerToken": secure("bearer")})}),
        merge(FASHION, {"name": "fashion", "secretEnv": {"API_TOKEN": secure("seldon-env")},
                        "autoscaling": keda({"mode": "basic", "username": "keda", "password": secure("password")})}),
        merge(BERT, {"name": "bert-custom", "ingress": {"host": "custom.example.com"},
                     "autoscaling": keda({"mode": "custom", "headerName": "X-Scope-OrgID", "headerValue": secure("header")})}),
        CIFAR,
    ],
    "s3ModelRepository": {"bucketName": "acme-triton-models", "region": "us-east-1"},
    "s3Credentials": {"accessKeyId": secure("s3-key-id"), "secretAccessKey": secure("s3-secret")},
})
EXISTING_STACK = {
    "cloud": "existing", "environment": "canary",
    "existing": {"kubeconfig": secure("kubeconfig"), "modelClaim": {"namespace": "seldon", "name": "models"}},
    # The backend's credentials reach the KEDA trigger of a service that names no Prometheus of its own.
    "observability": {"backend": "external", "external": {
        "url": "https://prometheus.example.com", "scraperNamespace": "monitoring",
        "authentication": {"mode": "bearer", "bearerToken": secure("backend-token")}}},
    "services": [merge(CIFAR, {"namespace": "seldon", "model": {"source": "store"}}),
                 merge(CIFAR, {"name": "cifar10-keda", "namespace": "seldon", "model": {"source": "store"},
                               "autoscaling": {"cpu": None, "keda": {"query": "sum(rate(x[1m]))", "threshold": 5}}})],
}


def decrypted(values: Any) -> Any:
    """``values`` with each ``secure:`` leaf replaced by its canary, as the CLI decrypts config for the program."""
    if isinstance(values, dict):
        if set(values) == {"secure"}:
            return CANARIES[values["secure"].removeprefix("v1:")]
        return {key: decrypted(value) for key, value in values.items()}
    if isinstance(values, list):
        return [decrypted(value) for value in values]
    return values


def as_cli_hands_it_over(values: dict[str, Any]) -> tuple[dict[str, str], list[str], frozenset[str]]:
    """(decrypted config, the secret top-level keys, the ``secure:`` leaves) of a stack file holding ``values``."""
    document = {"config": {f"{PROJECT}:{key}": value for key, value in values.items()}}
    with_placeholders, secret_keys = parse_stack_document(copy.deepcopy(document), "canary")
    plain, _ = parse_stack_document(decrypted(document), "canary")
    return dict(plain), secret_keys, with_placeholders.secure_paths


@pytest.mark.parametrize("values, canaries", [
    (ALICLOUD_STACK, ["s3-key-id", "s3-secret", "hf-token", "seldon-env", "bearer", "password", "header"]),
    (EXISTING_STACK, ["kubeconfig", "backend-token"]),
], ids=["alicloud", "existing"])
def test_secure_canaries_never_leave_the_program(values, canaries, tmp_path, capfd):
    config, secret_keys, secure_paths = as_cli_hands_it_over(values)
    assert all(CANARIES[name].splitlines()[-1].strip() in json.dumps(config) for name in canaries)  # the program gets them
    load_stack_config(config, secret_keys, secure_paths=secure_paths)
    load_stack_config(config, secret_keys)  # as under `pulumi preview`, knowing only the top-level keys
    plan = run_program(PROJECT_DIR, PROJECT, values["environment"], config, secret_keys)
    report_plan(plan, "canary", tmp_path / "plan.json", tmp_path / "manifests")
    print(render_violations(check_plan(plan, None), None))
    out, err = capfd.readouterr()
    written = [tmp_path / "plan.json", *sorted((tmp_path / "manifests").glob("*.yaml"))]
    everything = "\n".join([out, err, json.dumps(plan.outputs), *(path.read_text() for path in written)])
    for name in canaries:
        for line in CANARIES[name].splitlines():
            if "CANARY" in line:
                assert line.split(": ")[-1] not in everything, name


def test_secret_env_reaches_the_server_through_a_secret_key_reference():
    config, secret_keys, _ = as_cli_hands_it_over(ALICLOUD_STACK)
    plan = run_program(PROJECT_DIR, PROJECT, "test", config, secret_keys)
    secret = next(r for r in plan.by_type("kubernetes:core/v1:Secret") if r.name == "inference-bert-env")
    assert secret.inputs["stringData"] == SECRET_MARK and "name" not in secret.inputs["metadata"]
    deployment = plan.get("kubernetes:apps/v1:Deployment", "inference-bert-deployment")
    (server,) = [c for c in deployment.inputs["spec"]["template"]["spec"]["containers"] if c["name"] == "server"]
    (variable,) = [v for v in server["env"] if v["name"] == "HF_TOKEN"]
    assert variable == {"name": "HF_TOKEN", "valueFrom": {"secretKeyRef": {"name": variable["valueFrom"]["secretKeyRef"]["name"],
                                                                            "key": "HF_TOKEN"}}}
    assert variable["valueFrom"]["secretKeyRef"]["name"].startswith("inference-bert-env-")
    auth = plan.get("kubernetes:keda.sh/v1alpha1:TriggerAuthentication", "inference-bert-trigger-authentication")
    (reference,) = auth.inputs["spec"]["secretTargetRef"]
    assert reference["parameter"] == reference["key"] == "bearerToken"
    assert reference["name"].startswith("inference-bert-keda-auth-")
    keda_secret = plan.get("kubernetes:core/v1:Secret", "inference-bert-keda-auth")
    assert keda_secret.inputs["stringData"] == SECRET_MARK and keda_secret.urn in auth.depends_on


def test_an_inline_kubeconfig_is_a_secret_provider_input():
    config, secret_keys, _ = as_cli_hands_it_over(EXISTING_STACK)
    plan = run_program(PROJECT_DIR, PROJECT, "canary", config, secret_keys)
    (provider,) = plan.by_type("pulumi:providers:kubernetes")
    assert provider.inputs["kubeconfig"] == SECRET_MARK
    backend_secret = plan.get("kubernetes:core/v1:Secret", "seldon-cifar10-keda-keda-auth")
    assert backend_secret.inputs["stringData"] == SECRET_MARK


def refused(values: dict[str, Any]) -> tuple[list[tuple[str, str]], str]:
    config, secret_keys, secure_paths = as_cli_hands_it_over(values)
    with pytest.raises(StackConfigError) as caught:
        load_stack_config(config, secret_keys, secure_paths=secure_paths)
    return [(issue.path, issue.message) for issue in caught.value.issues], caught.value.report()


PLAINTEXT = "ghp_" + "Canary0123456789abcdefghijklmnopqrstuv"
"""A GitHub personal access token's shape."""


@pytest.mark.parametrize("overrides, path", [
    ({"services": [merge(BERT, {"env": {"LOADER": PLAINTEXT}})]}, "services[0].env.LOADER"),
    ({"services": [merge(BERT, {"env": {"DB_PASSWORD": "hunter2hunter2"}})]}, "services[0].env.DB_PASSWORD"),
    ({"services": [merge(BERT, {"env": {"UPSTREAM": "CanaryUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}})]}, "services[0].env.UPSTREAM"),
    ({"services": [merge(BERT, {"autoscaling": {"qps": None, "keda": {
        **KEDA["keda"], "serverAddress": "https://keda:Canary-pass@prometheus.example.com"}}})]},
     "services[0].autoscaling.keda.serverAddress"),
    ({"services": [merge(BERT, {"autoscaling": {"qps": None, "keda": {
        **KEDA["keda"], "serverAddress": "https://prometheus.example.com/api?access_token=Canary-token-1"}}})]},
     "services[0].autoscaling.keda.serverAddress"),
    ({"addons": {"keda": {"repository": f"https://{PLAINTEXT}@charts.example.com/keda"}}}, "addons.keda.repository"),
    ({"tags": {"ci": PLAINTEXT}}, "tags.ci"),
    ({"tags": {"apiToken": "Canary-tag"}}, "tags.apiToken"),
    ({"s3ModelRepository": {"bucketName": "acme-triton-models", "region": "us-east-1"},
      "services": [CIFAR],
      "s3Credentials": {"accessKeyId": secure("s3-key-id"), "secretAccessKey": "Canary-plaintext-secret"}},
     "s3Credentials.secretAccessKey"),
    ({"services": [merge(BERT, {"secretEnv": {"HF_TOKEN": "Canary-plaintext"}})]}, "services[0].secretEnv.HF_TOKEN"),
])
def test_plaintext_credentials_are_refused_in_every_free_text_field(overrides, path):
    issues, report = refused(merge(BASE, overrides))
    assert path in [p for p, _ in issues], issues
    assert "Canary" not in report


def test_a_plaintext_kubeconfig_with_a_token_is_refused():
    issues, report = refused({**EXISTING_STACK, "existing": {**EXISTING_STACK["existing"], "kubeconfig": CANARIES["kubeconfig"]}})
    assert issues == [("existing.kubeconfig", issues[0][1])] and "kubeconfig credential" in issues[0][1]
    assert "CANARY" not in report


def test_secure_on_a_key_that_is_not_secret_is_refused_offline_and_under_the_cli_alike():
    values = merge(BASE, {"services": [merge(BERT, {"ingress": {"host": secure("hf-token")}})]})
    config, secret_keys, secure_paths = as_cli_hands_it_over(values)
    for known in (secure_paths, None):
        with pytest.raises(StackConfigError) as caught:
            load_stack_config(config, secret_keys, secure_paths=known)
        paths = [issue.path for issue in caught.value.issues]
        # Offline the placeholder's own type error is left out; under the CLI the decrypted value's error counts too.
        assert paths == (["services[0].ingress.host"] if known else ["services", "services[0].ingress.host"])
        assert "secure:" in caught.value.issues[0].message and "written in plain text" in caught.value.issues[0].message
        assert CANARIES["hf-token"] not in caught.value.report()


def test_secure_on_a_plain_key_beside_a_secret_field_is_refused_once_where_it_is():
    values = merge(BASE, {"services": [merge(BERT, {"secretEnv": {"HF_TOKEN": secure("hf-token")},
                                                    "autoscaling": {"maxReplicas": secure("bearer")}})]})
    issues, report = refused(values)
    assert issues == [("services[0].autoscaling.maxReplicas", issues[0][1])]
    assert CANARIES["bearer"] not in report and CANARIES["hf-token"] not in report
