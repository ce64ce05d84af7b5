"""The one credential detector: the names and value shapes it must flag, and the lookalikes it must not."""

from __future__ import annotations

import pytest

from policypack.credentials import SHAPE_NEEDLES, VALUE_SHAPES, _secret_key_like, credential_name, credential_value
from policypack.sentinels import SECRET_MARK, UNKNOWN_MARK

CREDENTIAL_NAMES = [
    "ACCESS_KEY", "accessKey", "AWS_ACCESS_KEY_ID", "accessKeyId", "AccessKeyID", "accesskeyid",
    "secret_access_key", "AWS_SECRET_ACCESS_KEY", "RCLONE_CONFIG_S3_SECRET_ACCESS_KEY", "secretKey",
    "ALICLOUD_ACCESS_KEY", "ALICLOUD_SECRET_KEY", "ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
    "akId", "AK_ID", "akSecret", "AK_SECRET", "SECRET", "clientSecret",
    "password", "PASSWORD", "DB_PASSWORD", "passwd", "adminPasswd", "passphrase",
    "TOKEN", "AWS_SESSION_TOKEN", "ALIBABA_CLOUD_SECURITY_TOKEN", "githubToken", "HF_TOKEN",
    "API_KEY", "apiKey", "x-api-key", "PRIVATE_KEY", "privateKey", "CREDENTIAL", "s3Credentials",
]
"""Names whose value is the credential: snake_case, camelCase, kebab-case and run-together."""

NOT_CREDENTIAL_NAMES = [
    # Kubernetes fields that refer to a credential, configure one or switch one on
    "secretKeyRef", "secretRef", "secretName", "tlsSecretName", "envSecretRefName", "imagePullSecrets",
    "passwordSecretRef", "automountServiceAccountToken", "tokenExpirationSeconds",
    # the program's other inputs that merely contain a credential word
    "httpTokens", "skipCredentialsValidation", "key", "keyId", "kmsKeyId", "topologyKey", "publicKey",
    # environment variables that hold a path or a setting, not a credential
    "SECRET_ACCESS_KEY_FILE", "AWS_SHARED_CREDENTIALS_FILE", "TOKENIZERS_PARALLELISM", "MODEL_NAME",
    "", "_",
]


@pytest.mark.parametrize("name", CREDENTIAL_NAMES)
def test_credential_names_are_flagged(name):
    assert credential_name(name)


@pytest.mark.parametrize("name", NOT_CREDENTIAL_NAMES)
def test_names_about_credentials_are_not(name):
    assert not credential_name(name)


CREDENTIAL_VALUES = [
    ("LTAI5tQ3Xk9vB2mN8pR4sW7z", "an access key id"),
    ("key LTAI5tQ3Xk9vB2mN8pR4sW7z here", "an access key id"),
    ("AKIAIOSFODNN7EXAMPLE", "an access key id"),
    ("ASIAIOSFODNN7EXAMPLE", "an access key id"),
    ("https://reader:hunter2@models.example.com/bert", "a password in a URL"),
    ("redis://:hunter2@redis.inference:6379/0", "a password in a URL"),
    ("-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----", "a private key"),
    ("-----BEGIN OPENSSH PRIVATE KEY-----", "a private key"),
    ("-----BEGIN PRIVATE KEY-----", "a private key"),
    ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
     "a JSON web token"),
    ("Authorization: Bearer 0123456789abcdefABCDEF", "a bearer token"),
    ("https://ghp0123456789abcdefghij@charts.example.com/keda", "a token in a URL"),
    ("https://prometheus.example.com/api/v1?access_token=9f8e7d6c5b4a", "a credential in a URL's query"),
    ("https://bucket.s3.amazonaws.com/m?X-Amz-Signature=abcdef0123456789", "a credential in a URL's query"),
    ("users:\n- name: ci\n  user:\n    token: sha256~abcdefghijkl", "a kubeconfig credential"),
    ('{"users": [{"user": {"client-key-data": "LS0tLS1CRUdJTi"}}]}', "a kubeconfig credential"),
    ("ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8", "a service token"),
    ("hf_" + "AbCdEfGhIjKlMnOpQrStUvWxYz01234567", "a service token"),
    ("xoxb-1234567890-abcdefghij", "a service token"),
    ("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "a secret-key-like string"),  # AWS's documented example secret
    ("q3Vb8LmZ2xK9sT4wR7yP1nH6jD5fGc", "a secret-key-like string"),  # the shape of an Alibaba Cloud AccessKey secret
]


@pytest.mark.parametrize("text, kind", CREDENTIAL_VALUES)
def test_credential_shaped_values_are_named(text, kind):
    assert credential_value(text) == kind


LOOKALIKE_VALUES = [
    SECRET_MARK, UNKNOWN_MARK, "",
    "LTAI5tQ3", "XLTAI5tQ3Xk9vB2mN8pR4sW7z", "AKIAIOSFODNN7EXAMPL", "akiaiosfodnn7example",
    "https://models.example.com:8443/bert@v1", "s3://acme-models/bert@2", "git@github.com:acme/models.git",
    "postgres://app:$(DB_PASSWORD)@db:5432/app", "redis://${REDIS_USER}:${REDIS_PASSWORD}@redis:6379",
    "registry.example.com:5000/team/server:1.2", "nvcr.io/nvidia/tritonserver@sha256:" + "a" * 64,
    "arn:aws:iam::123456789012:role/ei-dev-model-reader", "ecs.gn7i-c8g1.2xlarge",
    "Bearer token authentication", "Bearer $(TOKEN)",
    "-----BEGIN CERTIFICATE-----", "-----BEGIN PUBLIC KEY-----",
    # identifiers, digests and settings that share a shape with a credential
    "nvidiaTritonServer2405Py3Image", "a" * 40, "0123456789abcdef0123456789abcdef01234567",
    "sha256:" + "0123456789abcdef" * 4, "https://kedacore.github.io/charts", "https://user@example.com/x",
    "tokenExpirationSeconds: 3600", "token: $(TOKEN)", "password: ${PASSWORD}",
    "https://prometheus.example.com/api?query=sum(rate(x[1m]))",
]


@pytest.mark.parametrize("text", LOOKALIKE_VALUES)
def test_lookalike_values_are_not_credentials(text):
    assert credential_value(text) is None


def test_every_value_shape_has_needles():
    assert list(SHAPE_NEEDLES) == [what for what, _ in VALUE_SHAPES]


def _every_shape(text: str) -> str | None:
    """credential_value without its needles: every shape's pattern on every text."""
    found = next((what for what, shape in VALUE_SHAPES if shape.search(text)), None)
    return found or ("a secret-key-like string" if _secret_key_like(text) else None)


@pytest.mark.parametrize("text", [text for text, _ in CREDENTIAL_VALUES] + LOOKALIKE_VALUES + [
    "AUTHORIZATION: BEARER 0123456789abcdefABCDEF", "authorization: bEaReR 0123456789abcdefABCDEF",
    "https://PROM.example.com/api/v1?ACCESS_TOKEN=9f8e7d6c5b4a", "Password: hunter2hunter2",
    '{"panels": [{"targets": [{"expr": "sum(rate(http_requests_total{service=\\"bert\\"}[1m]))"}]}]}',
])
def test_needles_skip_only_shapes_that_cannot_match(text):
    """The needles are a shortcut: with or without them, every text gets the same answer."""
    assert credential_value(text) == _every_shape(text)
