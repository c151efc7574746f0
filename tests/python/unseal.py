"""Decrypts SealedSecrets as the sealed-secrets controller does, independently of kubricate's Rust code.

stdin: {"private_key": "<path to a PEM private key>", "docs": [<SealedSecret objects>]}
stdout: {"<namespace>/<name>": {"<key>": "<base64 of the plaintext>"}}

The format (bitnami-labs/sealed-secrets pkg/crypto/crypto.go, HybridDecrypt): a big-endian u16 length
of the RSA part, the RSA-OAEP (SHA-256, MGF1-SHA-256) encryption of a 32-byte session key under the
scope label, then AES-256-GCM of the value under that key with a zero 12-byte nonce. The label
follows the SealedSecret's scope annotations (EncryptionLabel): cluster-wide "", namespace-wide
"<namespace>", strict "<namespace>/<name>".
"""
import base64
import json
import sys

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM


def label(meta):
    annotations = meta.get("annotations") or {}
    if annotations.get("sealedsecrets.bitnami.com/cluster-wide") == "true":
        return b""
    if annotations.get("sealedsecrets.bitnami.com/namespace-wide") == "true":
        return meta["namespace"].encode()
    return f"{meta['namespace']}/{meta['name']}".encode()


def unseal(private_key, ciphertext, lbl):
    rsa_len = int.from_bytes(ciphertext[:2], "big")
    session_key = private_key.decrypt(
        ciphertext[2 : 2 + rsa_len],
        padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=lbl),
    )
    assert len(session_key) == 32, "the session key is AES-256"
    return AESGCM(session_key).decrypt(b"\0" * 12, ciphertext[2 + rsa_len :], None)


def main():
    request = json.load(sys.stdin)
    with open(request["private_key"], "rb") as f:
        private_key = serialization.load_pem_private_key(f.read(), password=None)
    out = {}
    for doc in request["docs"]:
        assert doc["apiVersion"] == "bitnami.com/v1alpha1" and doc["kind"] == "SealedSecret"
        meta = doc["metadata"]
        lbl = label(meta)
        values = {}
        for key, sealed in doc["spec"]["encryptedData"].items():
            values[key] = base64.b64encode(unseal(private_key, base64.b64decode(sealed), lbl)).decode()
        out[f"{meta['namespace']}/{meta['name']}"] = values
    json.dump(out, sys.stdout, sort_keys=True)


if __name__ == "__main__":
    main()
