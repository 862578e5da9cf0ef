"""The estimator-check suite: generic checks every registered learner must pass.

>>> from streamlearn.checks import check_learner
>>> from streamlearn.naive_bayes import GaussianNB
>>> check_learner(GaussianNB())  # raises AssertionError on the first failure
"""

from streamlearn.checks.suite import CHECKS, check_learner, instances, yield_checks

__all__ = ["CHECKS", "check_learner", "instances", "yield_checks"]
