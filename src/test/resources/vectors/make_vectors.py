#!/usr/bin/env python3
"""Independent computation of coffre vault-format v1 crypto vectors with pyca/cryptography.

Run: python3 src/test/resources/vectors/make_vectors.py
Its output is frozen in src/test/java/dev/coffre/crypto/FormatVectorsTest.java; a change there must be
deliberate (a new format version), never a quiet update.
"""
import hashlib
import struct

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def hkdf(ikm, salt, info):
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(ikm)


vault_id = b"\xaa" * 16
content_key = bytes(range(32))
block_id = bytes(range(16, 32))
block_key = hkdf(content_key, block_id, b"coffre block key v1")
plaintext = bytes(i % 251 for i in range(70000))
sealed = b""
segments = [plaintext[i:i + 65536] for i in range(0, len(plaintext), 65536)]
for index, segment in enumerate(segments):
    last = 1 if index == len(segments) - 1 else 0
    aad = b"coffre segment v1" + vault_id + struct.pack(">qqiB", 7, 3, index, last)
    nonce = b"\0" * 8 + struct.pack(">i", index)
    sealed += AESGCM(block_key).encrypt(nonce, segment, aad)
print("block", len(sealed), hashlib.sha256(sealed).hexdigest())

metadata_key = bytes(range(100, 132))
nonce = bytes(range(12))
aad = b"coffre journal v1" + vault_id + struct.pack(">q", 5)
print("record", (nonce + AESGCM(metadata_key).encrypt(nonce, b"hello metadata", aad)).hex())

kek = bytes(range(200, 232))
raw = bytes(range(50, 82))
print("wrap", (nonce + AESGCM(kek).encrypt(nonce, raw, b"coffre master key v1" + vault_id)).hex())
print("metakey", hkdf(raw, vault_id, b"coffre metadata key v1").hex())
print("contentkey", hkdf(raw, vault_id, b"coffre content key v1").hex())
