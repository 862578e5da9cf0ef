"""Naive Bayes classifiers: Gaussian (with native categorical features), multinomial and Bernoulli."""

from streamlearn.naive_bayes.bernoulli import BernoulliNB
from streamlearn.naive_bayes.gaussian import GaussianNB
from streamlearn.naive_bayes.multinomial import MultinomialNB

__all__ = ["BernoulliNB", "GaussianNB", "MultinomialNB"]
