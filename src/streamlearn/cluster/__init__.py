"""Streaming clustering."""

from streamlearn.cluster.kmeans import KMeans

__all__ = ["KMeans"]
