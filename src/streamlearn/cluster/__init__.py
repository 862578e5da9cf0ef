"""Streaming clustering."""

from streamlearn.cluster.clustream import CluStream
from streamlearn.cluster.denstream import DenStream
from streamlearn.cluster.kmeans import KMeans

__all__ = ["CluStream", "DenStream", "KMeans"]
