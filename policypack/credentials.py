"""One credential detector: names that hold a credential, and values shaped like one.

The policy pack (``no-credentials-in-inputs``, over every resource input), the config validation (every plaintext
value and free-form key of a stack, ``stackconfig.secrets``) and the tests use it; it needs the standard library only, as the policy pack's virtualenv has ``pulumi_policy`` alone.

A name (an input key or an environment variable) is split into words at underscores, dashes, dots and
camelCase humps, and names a credential when its last words are a credential: ``AWS_SESSION_TOKEN``,
``accessKeyId``, ``secret_access_key``, ``akSecret``, ``apiKey``, ``DB_PASSWORD``. A name ending in any other
word is about a credential, not one (``secretKeyRef``, ``tlsSecretName``, ``tokenExpirationSeconds``,
``SECRET_ACCESS_KEY_FILE``), and one opening with a verb is a switch (``automountServiceAccountToken``).
"""

from __future__ import annotations

import functools
import re

_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")

CREDENTIAL_ENDINGS = frozenset({
    "password", "passwd", "passphrase", "secret", "token", "credential", "credentials",
    "accesskey", "secretkey", "privatekey", "apikey", "accesskeyid", "akid",
})
"""The last words of a credential's name, run together: ``accessKeyId``, ``ACCESS_KEY_ID`` and ``accesskeyid``
all end in ``accesskeyid``. A bare ``key`` or ``id`` is left out: ConfigMap keys and resource ids are not secret."""

SWITCH_VERBS = frozenset({"allow", "automount", "create", "disable", "enable", "generate", "mount", "rotate", "use"})
"""First words that make a name a setting about a credential, not the credential itself."""

VALUE_SHAPES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("an access key id",  # Alibaba Cloud (LTAI + 12-28) and AWS (AKIA/ASIA + 16) AccessKey ids
     re.compile(r"(?<![A-Za-z0-9])(?:LTAI[0-9A-Za-z]{12,28}|(?:AKIA|ASIA)[0-9A-Z]{16})(?![A-Za-z0-9])")),
    ("a password in a URL",  # user:password@ in the authority; $(VAR) and ${VAR} are references, not passwords
     re.compile(r"\b[A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]*:(?!\$)[^/\s@]+@")),
    ("a token in a URL",  # https://<token>@host (a user part of 20+ characters is a token, not a user name)
     re.compile(r"\b[A-Za-z][A-Za-z0-9+.-]*://(?!\$)[^/\s:@]{20,}@")),
    ("a credential in a URL's query",  # ?token=..., &password=..., X-Amz-Signature=... (presigned URLs)
     re.compile(r"[?&](?:access_token|api_?key|apikey|auth|key|password|passwd|secret|sig|signature|token|"
                r"x-amz-signature|x-amz-security-token|security-token)=(?!\$)[^&\s]{6,}", re.IGNORECASE)),
    ("a private key", re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----")),
    ("a JSON web token",  # base64url of '{"' opens both the header and the payload
     re.compile(r"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.")),
    ("a bearer token", re.compile(r"\bBearer\s+[A-Za-z0-9._~+/-]{16,}", re.IGNORECASE)),
    ("a kubeconfig credential",  # a user's token, client key or password in kubeconfig YAML or JSON
     re.compile(r"""(?:^|[\s{,"'])"?(?:token|client-key-data|password)"?\s*:\s*"?(?!\$)[^\s"',}]{8,}""", re.MULTILINE)),
    ("a service token",  # GitHub, GitLab, Slack, Hugging Face, npm, Google API keys: prefixes their issuers document
     re.compile(r"(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,}|glpat-[A-Za-z0-9_-]{20,}|"
                r"xox[abpors]-[A-Za-z0-9-]{10,}|hf_[A-Za-z0-9]{30,}|npm_[A-Za-z0-9]{36}|AIza[0-9A-Za-z_-]{35})")),
)
"""What a value looks like when it is a credential, checked in this order."""

SHAPE_NEEDLES: dict[str, tuple[str, ...]] = {
    "an access key id": ("LTAI", "AKIA", "ASIA"),
    "a password in a URL": ("://",),
    "a token in a URL": ("://",),
    "a credential in a URL's query": ("=",),
    "a private key": ("PRIVATE KEY-----",),
    "a JSON web token": ("eyJ",),
    "a bearer token": ("bearer",),  # IGNORECASE: looked for in the lowercased text
    "a kubeconfig credential": ("token", "client-key-data", "password"),
    "a service token": ("gh", "glpat-", "xox", "hf_", "npm_", "AIza"),
}
"""Text each shape cannot match without (one of these substrings), so most values skip most regular expressions:
the offline plan checks every string of every input, Grafana dashboards' JSON included. A shorthand for speed, not
a rule: a value without any needle of a shape cannot match that shape's pattern."""
_CASELESS = frozenset({"a bearer token"})
_ANY_NEEDLE = re.compile("|".join(f"(?i:{re.escape(needle)})" if what in _CASELESS else re.escape(needle)
                                  for what, needles in SHAPE_NEEDLES.items() for needle in needles))
"""Any needle of any shape: one scan that most values (names, images, labels) do not pass."""


def _words(name: str) -> list[str]:
    """``"AWS_SECRET_ACCESS_KEY"`` and ``"awsSecretAccessKey"`` both give ``["aws", "secret", "access", "key"]``."""
    return [word.lower() for word in _WORD.findall(name)]


@functools.lru_cache(maxsize=4096)
def credential_name(name: str) -> bool:
    """Whether a key or environment variable called ``name`` holds a credential."""
    words = _words(name)
    if not words or words[0] in SWITCH_VERBS:
        return False
    return any("".join(words[start:]) in CREDENTIAL_ENDINGS for start in range(len(words)))


SECRET_KEY_LENGTHS = {30: 7, 40: 9}
"""Lengths of AccessKey secrets (Alibaba Cloud: 30 letters and digits; AWS: 40 of base64's alphabet), each with
the fewest upper- and lowercase letters a random one has (each case is about 40 % of a random key; the bound is
met by more than 98 % of them) and a digit, so identifiers written in camelCase are not taken for keys."""
_KEY_RUN = re.compile(r"(?<![A-Za-z0-9/+=_.-])[A-Za-z0-9/+]{30,40}(?![A-Za-z0-9/+=_.-])")


def _secret_key_like(text: str) -> bool:
    """A standalone run of 30 or 40 key characters mixing cases and digits the way a random AccessKey secret does."""
    for run in _KEY_RUN.findall(text):
        fewest = SECRET_KEY_LENGTHS.get(len(run))
        if fewest is None or (len(run) == 30 and not run.isalnum()):
            continue
        upper, lower = sum(c.isupper() for c in run), sum(c.islower() for c in run)
        if upper >= fewest and lower >= fewest and any(c.isdigit() for c in run):
            return True
    return False


def credential_value(text: str) -> str | None:
    """What credential ``text`` holds or contains (e.g. ``"an access key id"``), or None if it looks like none."""
    lowered = None
    found = None
    for what, shape in VALUE_SHAPES if _ANY_NEEDLE.search(text) else ():
        haystack = text
        if what in _CASELESS:
            haystack = lowered = text.lower() if lowered is None else lowered
        if any(needle in haystack for needle in SHAPE_NEEDLES[what]) and shape.search(text):
            found = what
            break
    return found or ("a secret-key-like string" if _secret_key_like(text) else None)
