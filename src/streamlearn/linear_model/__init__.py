"""Online linear learners with compiled test-then-train loops.

- :class:`LogisticRegression`: sigmoid (two classes) / softmax (more); SGD, Adam or FTRL.
- :class:`LinearRegression`: squared loss; SGD, Adam or FTRL.
- :class:`PassiveAggressiveClassifier`, :class:`PassiveAggressiveRegressor`: PA, PA-I, PA-II.
- :class:`Perceptron`: binary and multiclass perceptron.

Every learner keeps its weights in ``weights_`` (one row per score, one
column per feature) and ``intercepts_``; a NaN feature is missing: it adds
nothing to a score and its weight is not updated.
"""

from streamlearn.linear_model.linear_regression import LinearRegression
from streamlearn.linear_model.logistic_regression import LogisticRegression
from streamlearn.linear_model.passive_aggressive import (
    PassiveAggressiveClassifier,
    PassiveAggressiveRegressor,
)
from streamlearn.linear_model.perceptron import Perceptron

__all__ = [
    "LinearRegression",
    "LogisticRegression",
    "PassiveAggressiveClassifier",
    "PassiveAggressiveRegressor",
    "Perceptron",
]
