"""RFC 6962 hashes against vectors computed by hand from the RFC's definitions."""

from __future__ import annotations

import hashlib

import pytest

from bastion.kernel.audit import merkle

# The eight leaf inputs of the Certificate Transparency test suite.
INPUTS = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    b"\x50\x51\x52\x53\x54\x55\x56\x57",
    b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
]


def sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def mth(entries: list[bytes]) -> bytes:
    """RFC 6962 §2.1, written out literally: MTH({}) = SHA-256(), MTH({d0}) = SHA-256(0x00 || d0),
    MTH(D[n]) = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n])) with k the largest power of 2 < n."""
    if not entries:
        return sha(b"")
    if len(entries) == 1:
        return sha(b"\x00" + entries[0])
    k = 1
    while k * 2 < len(entries):
        k *= 2
    return sha(b"\x01" + mth(entries[:k]) + mth(entries[k:]))


def test_leaf_and_node_hashes_use_the_rfc_prefixes() -> None:
    assert merkle.leaf_hash(b"") == bytes.fromhex("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d")
    assert merkle.node_hash(b"a" * 32, b"b" * 32) == sha(b"\x01" + b"a" * 32 + b"b" * 32)
    assert merkle.EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def test_two_and_three_leaf_trees_by_hand() -> None:
    l0, l1, l2 = (sha(b"\x00" + d) for d in INPUTS[:3])
    assert merkle.root([l0, l1]) == sha(b"\x01" + l0 + l1)
    # n = 3 splits at k = 2: (l0 l1) then l2 alone.
    assert merkle.root([l0, l1, l2]) == sha(b"\x01" + sha(b"\x01" + l0 + l1) + l2)


def test_the_eight_leaf_certificate_transparency_vector() -> None:
    leaves = [merkle.leaf_hash(d) for d in INPUTS]
    expected = "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"
    assert merkle.root(leaves).hex() == expected == mth(INPUTS).hex()


@pytest.mark.parametrize("size", range(0, 40))
def test_incremental_frontier_equals_the_recursive_definition(size: int) -> None:
    entries = [bytes([i % 256, i // 256]) for i in range(size)]
    assert merkle.root([merkle.leaf_hash(e) for e in entries]) == mth(entries)


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7, 8, 13, 33])
def test_every_inclusion_proof_verifies_and_wrong_ones_do_not(size: int) -> None:
    leaves = [merkle.leaf_hash(bytes([i])) for i in range(size)]
    head = merkle.root(leaves)
    for index in range(size):
        path = merkle.inclusion_path(index, leaves)
        assert merkle.verify_inclusion(index, size, leaves[index], path, head)
        assert not merkle.verify_inclusion(index, size, merkle.leaf_hash(b"forged"), path, head)
        if size > 1:
            assert not merkle.verify_inclusion((index + 1) % size, size, leaves[index], path, head)


def test_rfc_path_of_leaf_zero_in_three_leaves() -> None:
    l0, l1, l2 = (merkle.leaf_hash(d) for d in INPUTS[:3])
    # PATH(0, D[3]) = PATH(0, D[0:2]) : MTH(D[2:3]) = [l1, l2]
    assert merkle.inclusion_path(0, [l0, l1, l2]) == [l1, l2]
    assert merkle.inclusion_path(2, [l0, l1, l2]) == [sha(b"\x01" + l0 + l1)]


@pytest.mark.parametrize("size", range(1, 40))
def test_a_path_from_an_archived_prefix_s_frontier_equals_the_full_path(size: int) -> None:
    """Proofs after archiving: the archived leaves are known only by the frontier of their prefix."""
    leaves = [merkle.leaf_hash(str(n).encode()) for n in range(size)]
    for prefix_size in range(size):
        frontier: list[bytes] = []
        for position, leaf in enumerate(leaves[:prefix_size]):
            merkle.append(frontier, position, leaf)
        prefix = merkle.frontier_nodes(frontier, prefix_size)
        for index in range(prefix_size, size):
            path = merkle.inclusion_path_after_prefix(index, size, prefix, prefix_size, leaves[prefix_size:])
            assert path == merkle.inclusion_path(index, leaves), (size, prefix_size, index)
    with pytest.raises(IndexError):
        merkle.inclusion_path_after_prefix(0, size, {}, 1, leaves[1:])
