"""The two signers of the engine's member tokens: a KMS asymmetric key in AWS (the private key
never leaves KMS) and a local RSA key for `make run` and the tests."""

from __future__ import annotations

import base64
import contextlib
import hashlib
from collections.abc import Iterator
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from ..domain.errors import UpstreamUnavailable


@contextlib.contextmanager
def _key_service() -> Iterator[None]:
    """KMS (or SSM, for the local key) not answering, throttling or refusing is a 503 to the
    caller, as WeChat not answering is: a login can be tried again; nothing was written."""
    failed = False
    try:
        yield
    except (ClientError, BotoCoreError):
        failed = True
    if failed:
        raise UpstreamUnavailable("the engine's signing key is not available, try again", {"upstream": "signing_key"})


def _b64int(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _jwk(public: rsa.RSAPublicKey, kid: str) -> dict[str, Any]:
    numbers = public.public_numbers()
    return {"kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid, "n": _b64int(numbers.n), "e": _b64int(numbers.e)}


def _kid_of(public: rsa.RSAPublicKey) -> str:
    # Derived from the key itself so a rotated key gets a new kid without anyone choosing one.
    der = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest()[:16]


class LocalSigner:
    def __init__(self, private_pem: bytes) -> None:
        key = serialization.load_pem_private_key(private_pem, password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError("the local signing key must be an RSA key")
        self._key = key
        self.kid = _kid_of(key.public_key())

    @staticmethod
    def generate_pem() -> bytes:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption())

    def sign(self, signing_input: bytes) -> bytes:
        return self._key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())

    def public_jwk(self) -> dict[str, Any]:
        return _jwk(self._key.public_key(), self.kid)


class KmsSigner:
    def __init__(self, client: Any, key_id: str) -> None:
        self._client = client
        self._key_id = key_id
        self._public: rsa.RSAPublicKey | None = None
        self._kid = ""

    def _load(self) -> rsa.RSAPublicKey:
        if self._public is None:
            with _key_service():
                der = self._client.get_public_key(KeyId=self._key_id)["PublicKey"]
            public = serialization.load_der_public_key(der)
            if not isinstance(public, rsa.RSAPublicKey):
                raise ValueError("the KMS signing key must be RSA")
            self._public, self._kid = public, _kid_of(public)
        return self._public

    @property
    def kid(self) -> str:
        self._load()
        return self._kid

    def sign(self, signing_input: bytes) -> bytes:
        with _key_service():
            answer = self._client.sign(KeyId=self._key_id, Message=signing_input, MessageType="RAW",
                                       SigningAlgorithm="RSASSA_PKCS1_V1_5_SHA_256")
        return bytes(answer["Signature"])

    def public_jwk(self) -> dict[str, Any]:
        return _jwk(self._load(), self.kid)


def signer_of(*, key_id: str = "", pem_parameter: str = "", kms_client: Any = None, ssm_client: Any = None
              ) -> KmsSigner | LocalSigner:
    """The engine's signer as the template configures it: the KMS key (SigningKey=KMS), else the
    PEM of an SSM SecureString the local stack wrote (SigningKey=LOCAL_SSM)."""
    import boto3

    if key_id:
        return KmsSigner(kms_client or boto3.client("kms"), key_id)
    if not pem_parameter:
        raise ValueError("no signing key: set SIGNING_KEY_ID (KMS) or SIGNING_KEY_PARAMETER (local)")
    ssm = ssm_client or boto3.client("ssm")
    with _key_service():
        pem = ssm.get_parameter(Name=pem_parameter, WithDecryption=True)["Parameter"]["Value"]
    return LocalSigner(pem.encode())
