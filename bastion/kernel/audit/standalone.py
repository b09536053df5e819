"""Stand-alone verifier of Bastion audit exports and inclusion proofs.

Needs only Python's standard library, ``cryptography``, an export file (or a proof file) and
the audit public key (PEM) from a trusted source::

    python -m bastion.kernel.audit.standalone --public-key audit.pub export.jsonl
    python -m bastion.kernel.audit.standalone --public-key audit.pub --proof proof.json

(or ``bin/bastion-verify-audit ...``). Exit status 0: verified; 1: the first problem is printed.
It never imports Django: the package ``__init__`` and ``canonical``/``merkle`` are pure.
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from bastion.kernel.audit import canonical, merkle


class Invalid(Exception):
    """The export or proof does not verify; the message says where."""


def load_public_key(path: Path) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(path.read_bytes())
    if not isinstance(key, Ed25519PublicKey):
        raise Invalid(f"{path} is not an Ed25519 public key")
    return key


def check_note(key: Ed25519PublicKey, note: str, signature: str, tree_size: int, root: bytes) -> None:
    """The signed note is by ``key`` and states ``tree_size`` and ``root``."""
    try:
        key.verify(base64.b64decode(signature), note.encode("utf-8"))
    except (InvalidSignature, ValueError) as exc:
        raise Invalid("the checkpoint's signature does not verify with this public key") from exc
    lines = note.split("\n")
    if len(lines) < 4 or lines[1] != str(tree_size) or base64.b64decode(lines[2]) != root:
        raise Invalid(f"the signed checkpoint does not describe a tree of {tree_size} events with this root")


def verify_export(path: Path, key: Ed25519PublicKey) -> str:
    """Check every event's hash and chain, the tree head and its signature; return a summary."""
    with open(path, encoding="utf-8") as handle:
        header = json.loads(handle.readline())
        if header.get("type") != "header" or header.get("format") != "bastion-audit-export":
            raise Invalid("line 1 is not a Bastion audit export header")
        size = int(header["first_sequence"]) - 1
        prev = header["prev"]
        frontier = [bytes.fromhex(h) for h in header["frontier"]]
        checkpoint = None
        for number, line in enumerate(handle, start=2):
            record = json.loads(line)
            if record["type"] == "checkpoint":
                checkpoint = record
                break
            entry = record["entry"]
            if entry["seq"] != size + 1:
                raise Invalid(f"line {number}: event {size + 1} is missing (found {entry['seq']})")
            leaf = merkle.leaf_hash(canonical.encode(entry))
            if leaf.hex() != record["leaf_hash"]:
                raise Invalid(f"line {number}: event {entry['seq']} does not match its hash (altered)")
            if entry["prev"] != prev:
                raise Invalid(f"line {number}: event {entry['seq']} does not follow the previous event")
            merkle.append(frontier, size, leaf)
            size, prev = size + 1, record["leaf_hash"]
    if checkpoint is None:
        raise Invalid("the export has no signed checkpoint at its end (truncated?)")
    if checkpoint["tree_size"] != size:
        raise Invalid(f"the checkpoint covers {checkpoint['tree_size']} events, the export ends at {size}")
    check_note(key, checkpoint["note"], checkpoint["signature"], size, merkle.frontier_root(frontier))
    return f"OK: events {header['first_sequence']}-{size} verified against the signed tree head of {size} events"


def verify_proof(path: Path, key: Ed25519PublicKey) -> str:
    """Check an inclusion proof (``bastion auditlog proof``) of one event."""
    proof: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    entry, size = proof["entry"], int(proof["tree_size"])
    leaf = merkle.leaf_hash(canonical.encode(entry))
    lines = proof["checkpoint"]["note"].split("\n")
    root = base64.b64decode(lines[2]) if len(lines) > 2 else b""
    check_note(key, proof["checkpoint"]["note"], proof["checkpoint"]["signature"], size, root)
    if proof["leaf_index"] != entry["seq"] - 1:
        raise Invalid("the proof's leaf index does not match the event's sequence number")
    path_hashes = [bytes.fromhex(h) for h in proof["path"]]
    if not merkle.verify_inclusion(proof["leaf_index"], size, leaf, path_hashes, root):
        raise Invalid(f"event {entry['seq']} is not in the signed tree of {size} events")
    return f"OK: event {entry['seq']} is included in the signed tree head of {size} events"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Verify a Bastion audit export or inclusion proof.")
    parser.add_argument("--public-key", required=True, type=Path, help="the audit public key (PEM)")
    parser.add_argument("--proof", action="store_true", help="the file is an inclusion proof, not an export")
    parser.add_argument("file", type=Path)
    args = parser.parse_args(argv)
    try:
        key = load_public_key(args.public_key)
        summary = verify_proof(args.file, key) if args.proof else verify_export(args.file, key)
    except (Invalid, KeyError, ValueError, OSError) as exc:
        print(f"FAILED: {exc}", file=sys.stderr)  # noqa: T201 - a command-line tool
        return 1
    print(summary)  # noqa: T201 - a command-line tool
    return 0


if __name__ == "__main__":
    sys.exit(main())
