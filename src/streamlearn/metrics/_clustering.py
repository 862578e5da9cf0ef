"""Shared input handling of the clustering metrics.

Clustering metrics read the rows ``X`` (in the layout of the centres), the
cluster index assigned to each row and the current centres ``(k, d)``:
``update(x, cluster, centers)`` for one row, ``update_many(X, clusters,
centers)`` for a batch. Distances are Euclidean over the coordinates both the
row and the centre have (NaN coordinates are skipped; columns beyond the
centres' width are ignored). Rows assigned to no cluster (index < 0 or not a
row of ``centers``, e.g. before the model learned anything) are not counted.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from streamlearn.base.errors import SchemaError


def as_inputs(X: Any, clusters: Any, centers: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``X`` and ``centers`` cut to a common width, int cluster indices, and the mask of
    rows that were assigned to an existing centre."""
    if isinstance(X, dict):
        raise SchemaError("Clustering metrics take rows as arrays in the centres' layout, not dicts.")
    X = np.asarray(X, dtype=np.float64)
    if X.ndim == 1:
        X = X[None, :]
    C = np.asarray(centers, dtype=np.float64)
    if C.ndim != 2:
        C = C.reshape(len(C), -1) if C.size else np.zeros((0, X.shape[1]))
    a = np.asarray(clusters)
    if a.ndim == 0:
        a = a.reshape(1)
    a = np.where(np.isnan(a.astype(np.float64)), -1, a).astype(np.int64)
    if len(a) != len(X):
        raise SchemaError(f"Got {len(X)} rows but {len(a)} cluster assignments; they must match.")
    d = min(X.shape[1], C.shape[1])
    valid = (a >= 0) & (a < len(C))
    return X[:, :d], a, C[:, :d], valid


def sq_dist(X: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Squared distance of each row of ``X`` to ``c`` (rows of ``c`` if 2-D), NaN skipped."""
    diff = np.nan_to_num(X - c, nan=0.0)
    return np.einsum("ij,ij->i", diff, diff)


def own_sq_dist(X: np.ndarray, a: np.ndarray, C: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Squared distance of each row to its own centre (0 for unassigned rows)."""
    out = np.zeros(len(X))
    if valid.any():
        out[valid] = sq_dist(X[valid], C[a[valid]])
    return out


def all_sq_dist(X: np.ndarray, C: np.ndarray) -> np.ndarray:
    """``(n, k)`` squared distances of every row to every centre."""
    out = np.empty((len(X), len(C)))
    for j in range(len(C)):
        out[:, j] = sq_dist(X, C[j])
    return out
