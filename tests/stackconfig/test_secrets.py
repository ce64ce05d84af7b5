"""Secret fields and the rules on secure: leaves (stackconfig.secrets), and the sections that hold secrets."""

from __future__ import annotations

import pytest

from stackconfig import ExistingClusterConfig, StackConfig
from stackconfig.secrets import leaves, secret_field_paths

from factories import config_issues, issues_at
from service_factories import BERT, KEDA


def test_the_secret_fields_of_a_stack_are_exactly_its_credentials():
    values = {"services": [{**BERT, "secretEnv": {"HF_TOKEN": "t"}, "env": {"MODE": "fast"},
                            "autoscaling": {"keda": {**KEDA["keda"], "authentication": {"mode": "basic", "username": "u", "password": "p"}}}}],
              "s3Credentials": {"accessKeyId": "a", "secretAccessKey": "s"}, "tags": {"team": "ml"}}
    assert secret_field_paths(StackConfig, values) == {
        "services[0].secretEnv.HF_TOKEN", "services[0].autoscaling.keda.authentication.password",
        "s3Credentials.accessKeyId", "s3Credentials.secretAccessKey"}
    by_path = {leaf.path: leaf for leaf in leaves(StackConfig, values)}
    assert by_path["services[0].env.MODE"].free_key == "MODE" and by_path["tags.team"].free_key == "team"
    assert by_path["services[0].name"].free_key is None  # a field of the schema, not a name the user chose
    assert by_path["services[0].autoscaling.keda.authentication.username"].secret_allowed is False


def test_an_inline_kubeconfig_may_be_secure_and_a_path_is_not_contents():
    (leaf,) = leaves(StackConfig, {"existing": {"kubeconfig": "~/.kube/config"}})
    assert leaf.secret_allowed and not leaf.secret_field
    assert not ExistingClusterConfig(kubeconfig="~/.kube/config").holds_kubeconfig
    assert ExistingClusterConfig(kubeconfig="apiVersion: v1\nkind: Config\n").holds_kubeconfig
    assert ExistingClusterConfig(kubeconfig='{"apiVersion": "v1"}').holds_kubeconfig


@pytest.mark.parametrize("authentication, wrong", [
    ({"mode": "bearer"}, ["bearerToken: mode bearer needs bearerToken"]),
    ({"mode": "basic", "username": "u"}, ["password: mode basic needs password"]),
    ({"mode": "custom", "headerName": "X-Scope-OrgID", "headerValue": "v", "password": "p"},
     ["password: password is not used by mode custom"]),
    ({"mode": "custom", "headerName": "X Scope", "headerValue": "v"}, ["headerName: 'X Scope' is not an HTTP header name"]),
])
def test_keda_authentication_takes_what_its_mode_sends_and_nothing_else(authentication, wrong):
    issues = config_issues(services=[{**BERT, "autoscaling": {"maxReplicas": 4, "keda": {**KEDA["keda"], "authentication": authentication}}}])
    found = issues_at("services[0].autoscaling.keda.authentication." + wrong[0].split(":")[0], issues)
    assert found and all(w.split(": ", 1)[1] in found[0] for w in wrong), issues


def test_a_variable_is_either_plain_or_secret():
    issues = config_issues(services=[{**BERT, "env": {"HF_TOKEN_FILE": "/x", "MODE": "a"}, "secretEnv": {"MODE": "b"}}])
    assert issues_at("services[0].secretEnv.MODE", issues) and "also set in env" in issues_at("services[0].secretEnv.MODE", issues)[0]
