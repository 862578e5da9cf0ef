"""Readable views of a fitted tree: summary, text and Graphviz dot.

These work on any learner built on :class:`~streamlearn.tree._nodes.TreeStore`
and has ``schema_`` and ``classes_``; they read the arrays, never the kernels.
A tree of a stack (a forest's member) is shown through a :class:`TreeView`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from streamlearn.tree._nodes import (
    EQUALS,
    LEAF,
    MULTIWAY,
    N_ACTIVE,
    N_INACTIVE,
    N_NODES,
    NUMERIC,
    TreeStore,
)


class TreeView(TreeStore):
    """Member ``m`` of a stacked store, with the attributes of a single tree
    (views of the stack's arrays), its schema and its classes."""

    def __init__(self, model: Any, m: int):
        layout = {}
        for name, (dt, roles) in model._layout.items():
            a = getattr(model, name + "_")
            stacked = roles[:1] == ("member",)
            setattr(self, name + "_", a[m] if stacked else a)
            layout[name] = (dt, roles[1:] if stacked else roles)
        self._layout = layout
        self.schema_ = model.schema_
        self.classes_ = getattr(model, "classes_", [])

    def _state(self) -> dict[str, Any]:
        return {name + "_": getattr(self, name + "_") for name in self._layout}


def summary(model: Any) -> dict[str, Any]:
    """``depth``, ``n_nodes``, ``n_leaves``, ``n_active_leaves``, ``n_inactive_leaves``
    (of the tree reached from its root), ``bytes`` (memory held by the learned
    arrays, capacity included) and ``estimated_bytes`` (the size the memory
    bound compares, over every node held)."""
    if not getattr(model, "_built", False):
        return {
            "depth": 0, "n_nodes": 0, "n_leaves": 0, "n_active_leaves": 0, "n_inactive_leaves": 0,
            "bytes": 0, "estimated_bytes": 0.0,
        }  # fmt: skip
    from streamlearn.tree._kernels import size_estimate

    c = model.counters_
    n = int(c[N_NODES])
    depth, n_nodes, leaves, active = 0, 0, 0, 0
    for node, d, _ in _walk(model):  # the tree from its root (alternates, if any, aside)
        n_nodes += 1
        if model.kind_[node] == LEAF:
            leaves += 1
            active += int(model.slot_[node] >= 0)
            depth = max(depth, d)
    all_active, all_inactive = int(c[N_ACTIVE]), int(c[N_INACTIVE])
    if hasattr(model, "_estimated_bytes"):
        estimated = float(model._estimated_bytes())
    else:
        t = model._tree(np.zeros(model._size("feature"), dtype=bool))
        estimated = float(size_estimate(t, all_active, all_inactive, n - all_active - all_inactive))
    return {
        "depth": depth,
        "n_nodes": n_nodes,
        "n_leaves": leaves,
        "n_active_leaves": active,
        "n_inactive_leaves": leaves - active,
        "bytes": int(sum(a.nbytes for a in model._state().values() if isinstance(a, np.ndarray))),
        "estimated_bytes": estimated,
    }


def _fmt(v: float) -> str:
    return f"{v:.6g}"


def _category(model: Any, j: int, code: int) -> str:
    cats = model.schema_.categories[j]
    return str(cats[code]) if 0 <= code < len(cats) else f"#{code}"


def branch_label(model: Any, n: int, b: int) -> str:
    """The condition of branch ``b`` of split node ``n`` (feature name from the schema)."""
    j = int(model.feature_[n])
    name = str(model.schema_.names[j])
    kind = int(model.kind_[n])
    if kind == NUMERIC:
        op = "<=" if b == 0 else ">"
        text = f"{name} {op} {_fmt(float(model.threshold_[n]))}"
    elif kind == EQUALS:
        op = "=" if b == 0 else "!="
        text = f"{name} {op} {_category(model, j, int(model.threshold_[n]))}"
    elif kind == MULTIWAY:
        text = f"{name} = {_category(model, j, b)}"
    else:
        raise ValueError(f"node {n} is a leaf")
    if b == int(model.missing_branch_[n]):
        text += " (or missing)" if kind != MULTIWAY else " (or missing/unseen)"
    return text


def leaf_label(model: Any, n: int) -> str:
    """The majority class and class weights of node ``n`` (a regressor's own label)."""
    if hasattr(model, "_leaf_text"):
        return str(model._leaf_text(n))
    counts = model.class_counts_[n]
    labels = model.classes_
    parts = [f"{labels[c]}: {_fmt(float(w))}" for c, w in enumerate(counts.tolist()) if w > 0]
    top = labels[int(np.argmax(counts))] if counts.sum() > 0 else None
    state = "" if model.slot_[n] >= 0 else " (inactive)"
    return f"class {top} {{{', '.join(parts)}}}{state}"


def _walk(model: Any) -> Iterator[tuple[int, int, int]]:
    """``(node, depth, branch)`` in depth-first order (branch -1 for the root)."""
    stack = [(0, 0, -1)]
    while stack:
        n, d, b = stack.pop()
        yield n, d, b
        if model.kind_[n] != LEAF:
            start, m = int(model.child_start_[n]), int(model.n_children_[n])
            for bb in range(m - 1, -1, -1):
                stack.append((start + bb, d + 1, bb))


def to_text(model: Any) -> str:
    """The tree as indented text: one line per branch condition, leaves as class counts."""
    if not getattr(model, "_built", False):
        return "(empty tree)"
    lines = []
    for n, d, b in _walk(model):
        if b >= 0:
            parent = int(model.parent_[n])
            lines.append("|   " * (d - 1) + branch_label(model, parent, b))
        if model.kind_[n] == LEAF:
            lines.append("|   " * d + leaf_label(model, n))
    return "\n".join(lines)


def _dot_escape(s: str) -> str:
    return s.replace("\\", "\\\\").replace('"', '\\"')


def to_dot(model: Any) -> str:
    """The tree in Graphviz dot: split nodes name their feature, edges carry the
    conditions, leaves their class counts."""
    out = ["digraph HoeffdingTree {", '  node [shape=box, fontname="Helvetica"];']
    if getattr(model, "_built", False):
        for n, _, b in _walk(model):
            if model.kind_[n] == LEAF:
                label = leaf_label(model, n)
                out.append(f'  n{n} [label="{_dot_escape(label)}", shape=ellipse];')
            else:
                name = str(model.schema_.names[int(model.feature_[n])])
                out.append(f'  n{n} [label="{_dot_escape(name)}"];')
            if b >= 0:
                parent = int(model.parent_[n])
                edge = _dot_escape(branch_label(model, parent, b))
                out.append(f'  n{parent} -> n{n} [label="{edge}"];')
    out.append("}")
    return "\n".join(out)
