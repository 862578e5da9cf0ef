"""Default preprocessing for a learner: what the CLI adds in front of a model.

Learners that need standardised inputs (``needs_scaling``) get an online
StandardScaler; learners that cannot take categorical columns get a
OneHotEncoder. Others are returned as they are.

>>> from streamlearn.linear_model import LogisticRegression
>>> with_preprocessing(LogisticRegression())
StandardScaler() | OneHotEncoder() | LogisticRegression()
"""

from __future__ import annotations

from streamlearn.base.learner import Learner
from streamlearn.compose.pipeline import Pipeline


def with_preprocessing(model: Learner) -> Learner:
    """``model`` behind the scaling and encoding it needs, as a Pipeline."""
    from streamlearn.preprocessing import OneHotEncoder, StandardScaler

    if isinstance(model, Pipeline):
        return model
    steps: list[Learner] = []
    if model.needs_scaling:
        steps.append(StandardScaler())
    if not model.accepts_categorical:
        steps.append(OneHotEncoder())
    return Pipeline([*steps, model]) if steps else model
