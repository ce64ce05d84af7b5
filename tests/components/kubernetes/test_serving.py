"""Server profiles: ports, command lines, probes and TF Serving's model config per server kind."""

from __future__ import annotations

import pytest
from google.protobuf import text_format

from components.kubernetes import serving
from service_factories import BERT, CIFAR, FASHION, service


def test_tfserving_serves_grpc_8500_rest_8501_from_its_config_file():
    bert = service(BERT)
    command, args = serving.server_command(bert, None)
    assert command == ["/usr/bin/tensorflow_model_server"]
    assert args == ["--port=8500", "--rest_api_port=8501",
                    "--model_config_file=/etc/tfserving/models.config",
                    "--monitoring_config_file=/etc/tfserving/monitoring.config"]
    assert serving.container_ports(bert) == [
        {"name": "grpc", "containerPort": 8500, "protocol": "TCP"},
        {"name": "rest", "containerPort": 8501, "protocol": "TCP"}]


@pytest.mark.parametrize("policy, expected", [
    ({"latest": 2}, "model_version_policy { latest { num_versions: 2 } }"),
    ({"specific": [1623831335, 1623831400]},
     "model_version_policy { specific { versions: 1623831335 versions: 1623831400 } }"),
    ({"all": True}, "model_version_policy { all {} }"),
])
def test_tfserving_model_config_carries_the_version_policy(policy, expected):
    bert = service(BERT, model={"versionPolicy": policy})
    text = serving.tfserving_model_config(bert)
    assert 'name: "chnsenticorp"' in text
    assert 'base_path: "/models/models/tensorflow/chnsenticorp"' in text
    assert 'model_platform: "tensorflow"' in text
    assert expected in text
    assert text.count("{") == text.count("}")


def test_a_hostile_model_path_stays_inside_its_text_proto_string():
    hostile = 'models/x" } config { name: "evil" base_path: "/\\'
    text = serving.tfserving_model_config(service(BERT, model={"path": hostile}))
    tokenizer = text_format.Tokenizer(text.splitlines())
    strings = []
    while not tokenizer.AtEnd():
        if tokenizer.TryConsume("base_path"):
            tokenizer.Consume(":")
            strings.append(tokenizer.ConsumeString())
        else:
            tokenizer.NextToken()
    assert strings == [f"/models/{hostile}"]


def test_tfserving_monitoring_exposes_prometheus_metrics_on_the_profile_path():
    text = serving.tfserving_monitoring_config()
    assert "enable: true" in text and f'path: "{serving.TFSERVING.metrics_path}"' in text
    assert serving.TFSERVING.metrics_port == serving.TFSERVING.rest_port


def test_tfserving_probes_ask_for_the_model_on_the_rest_port():
    probes = serving.probes(service(BERT))
    for name in ("readinessProbe", "livenessProbe", "startupProbe"):
        assert probes[name]["httpGet"] == {"path": "/v1/models/chnsenticorp", "port": 8501}
    startup = probes["startupProbe"]
    assert startup["periodSeconds"] * startup["failureThreshold"] >= 600  # room for a GPU model load


def test_triton_loads_only_its_model_from_the_store_or_s3():
    triton = service(FASHION, seldon={"implementation": "triton"}, model={"name": "cifar10-pytorch"})
    command, args = serving.server_command(triton, None)
    assert command == ["tritonserver"]
    assert "--model-repository=/models/models/fashion-mnist" in args
    assert {"--model-control-mode=explicit", "--load-model=cifar10-pytorch",
            "--http-port=8000", "--grpc-port=8001", "--metrics-port=8002"} <= set(args)
    assert not any(a.startswith("--strict-model-config") for a in args)

    _, s3_args = serving.server_command(service(CIFAR), "acme-triton-models")
    assert "--model-repository=s3://acme-triton-models/cifar10-model" in s3_args


def test_triton_ports_and_health_probes():
    cifar = service(CIFAR)
    assert [p["containerPort"] for p in serving.container_ports(cifar)] == [8000, 8001, 8002]
    assert [p["name"] for p in serving.container_ports(cifar)] == ["rest", "grpc", "metrics"]
    probes = serving.probes(cifar)
    assert probes["readinessProbe"]["httpGet"] == {"path": "/v2/health/ready", "port": 8000}
    assert probes["livenessProbe"]["httpGet"] == {"path": "/v2/health/live", "port": 8000}


def test_a_seldon_service_uses_its_implementations_profile():
    assert serving.profile(service(FASHION)) is serving.TFSERVING
    assert serving.profile(service(CIFAR)) is serving.TRITON


def test_s3_location_without_a_repository_is_an_error():
    with pytest.raises(ValueError, match="no S3 model repository"):
        serving.model_location(service(CIFAR), None)
