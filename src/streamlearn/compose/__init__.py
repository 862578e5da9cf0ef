"""Composition of learners: pipelines (``scaler | model``)."""

from streamlearn.compose.pipeline import Pipeline

__all__ = ["Pipeline"]
