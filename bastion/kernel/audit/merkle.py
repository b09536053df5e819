"""RFC 6962 / RFC 9162 Merkle tree hashes, tree heads and inclusion proofs. Pure standard library.

- leaf hash: ``SHA-256(0x00 || entry)``; interior node: ``SHA-256(0x01 || left || right)``;
  the hash of the empty tree is ``SHA-256("")``.
- A tree of ``n`` leaves splits at ``k``, the largest power of two smaller than ``n``.

The "frontier" (a compact range) of a tree of ``n`` leaves is the list of the roots of its
perfect subtrees, left to right, one per set bit of ``n``. Appending a leaf merges at most
log2(n) of them, and folding it from the right gives the tree head, so the head of a log of
any size is kept in O(log n) space and every append costs O(1) hashes on average.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(LEAF_PREFIX + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two strictly smaller than ``n`` (``n`` >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def append(frontier: list[bytes], size: int, leaf: bytes) -> None:
    """Add ``leaf`` (a leaf hash) to the frontier of a tree of ``size`` leaves, in place."""
    node = leaf
    while size & 1:
        node = node_hash(frontier.pop(), node)
        size >>= 1
    frontier.append(node)


def frontier_root(frontier: Sequence[bytes]) -> bytes:
    """The tree head (RFC 6962 MTH) of the tree whose frontier is ``frontier``."""
    if not frontier:
        return EMPTY_ROOT
    root = frontier[-1]
    for left in reversed(frontier[:-1]):
        root = node_hash(left, root)
    return root


def root(leaves: Sequence[bytes]) -> bytes:
    """The tree head of ``leaves`` (leaf hashes)."""
    frontier: list[bytes] = []
    for size, leaf in enumerate(leaves):
        append(frontier, size, leaf)
    return frontier_root(frontier)


def inclusion_path(index: int, leaves: Sequence[bytes]) -> list[bytes]:
    """RFC 6962 PATH(index, D[n]): the audit path of leaf ``index`` in the tree of ``leaves``."""
    if not 0 <= index < len(leaves):
        raise IndexError(f"leaf {index} is not in a tree of {len(leaves)} leaves")
    path: list[bytes] = []
    low, high = 0, len(leaves)
    # Walk down from the root; each level contributes the sibling subtree's head.
    siblings: list[bytes] = []
    while high - low > 1:
        k = _split(high - low)
        if index < low + k:
            siblings.append(root(leaves[low + k : high]))
            high = low + k
        else:
            siblings.append(root(leaves[low : low + k]))
            low += k
    path.extend(reversed(siblings))
    return path


def verify_inclusion(index: int, size: int, leaf: bytes, path: Sequence[bytes], expected_root: bytes) -> bool:
    """RFC 9162 §2.1.3.2: does ``path`` prove that ``leaf`` is leaf ``index`` of the tree ``expected_root``?"""
    if not 0 <= index < size:
        return False
    fn, sn, result = index, size - 1, leaf
    for sibling in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            result = node_hash(sibling, result)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            result = node_hash(result, sibling)
        fn >>= 1
        sn >>= 1
    return sn == 0 and result == expected_root


def frontier_nodes(frontier: Sequence[bytes], size: int) -> dict[tuple[int, int], bytes]:
    """The ranges ``(start, end)`` of leaves that the roots in the frontier of a ``size``-leaf tree cover."""
    nodes, start = {}, 0
    for bit, root_hash in zip([b for b in range(size.bit_length() - 1, -1, -1) if size >> b & 1], frontier, strict=True):
        nodes[(start, start + (1 << bit))] = root_hash
        start += 1 << bit
    return nodes


def inclusion_path_after_prefix(
    index: int, size: int, prefix: dict[tuple[int, int], bytes], prefix_size: int, leaves: Sequence[bytes]
) -> list[bytes]:
    """PATH(index, D[size]) when the first ``prefix_size`` leaves are known only by their frontier.

    ``prefix`` comes from :func:`frontier_nodes` (e.g. an archive row's frontier); ``leaves`` are
    the leaf hashes ``prefix_size``..``size - 1``. Every subtree of the RFC 6962 split that lies
    inside the prefix is one of the frontier's perfect subtrees, so the path can be computed
    without the archived leaves; ``index`` must not be archived itself.
    """
    if not prefix_size <= index < size:
        raise IndexError(f"leaf {index} is not after the first {prefix_size} of a tree of {size} leaves")

    def subtree(low: int, high: int) -> bytes:
        if high <= prefix_size:
            if (low, high) not in prefix:
                raise ValueError(f"leaves {low}-{high - 1} are archived and not one subtree of the frontier")
            return prefix[(low, high)]
        if high - low == 1:
            return leaves[low - prefix_size]
        k = _split(high - low)
        return node_hash(subtree(low, low + k), subtree(low + k, high))

    siblings: list[bytes] = []
    low, high = 0, size
    while high - low > 1:
        k = _split(high - low)
        if index < low + k:
            siblings.append(subtree(low + k, high))
            high = low + k
        else:
            siblings.append(subtree(low, low + k))
            low += k
    return list(reversed(siblings))
