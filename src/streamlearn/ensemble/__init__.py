"""Ensembles of stream learners.

Learners
--------
:class:`AdaptiveRandomForestClassifier`
    Adaptive random forest (Gomes et al., 2017): Hoeffding trees on random
    feature subsets, online bagging, per-tree drift detection with
    background trees.
:class:`AdaptiveRandomForestRegressor`
    The same with Hoeffding tree regressors (Gomes et al., 2018).
:class:`OnlineBaggingClassifier`
    Online bagging (Oza and Russell, 2001) over any classifier.
:class:`LeveragingBaggingClassifier`
    Leveraging bagging (Bifet et al., 2010): Poisson(6) and ADWIN per member.
:class:`StreamingRandomPatchesClassifier`
    Streaming random patches (Gomes et al., 2019): feature patches, bagging,
    detectors and background learners per member, over any classifier.

Design
------
A forest of Hoeffding trees keeps all its trees in one set of arrays with a
leading *member* axis (``stacked(LAYOUT)`` from
:mod:`streamlearn.tree._nodes`) and runs the tree kernels on each member
(:func:`~streamlearn.ensemble._forest_kernels.member`). Every member draws
its random numbers from its own generator and owns its drift detectors, so
the members are independent given the data: a test-then-train batch runs
them one after the other through the whole batch in one compiled loop,
records each member's vote and weight per row, then combines the votes.
That is exactly what one record at a time gives.
"""

from streamlearn.ensemble.adaptive_random_forest import AdaptiveRandomForestClassifier
from streamlearn.ensemble.adaptive_random_forest_regressor import AdaptiveRandomForestRegressor
from streamlearn.ensemble.leveraging_bagging import LeveragingBaggingClassifier
from streamlearn.ensemble.online_bagging import OnlineBaggingClassifier
from streamlearn.ensemble.streaming_random_patches import StreamingRandomPatchesClassifier

__all__ = [
    "AdaptiveRandomForestClassifier",
    "AdaptiveRandomForestRegressor",
    "LeveragingBaggingClassifier",
    "OnlineBaggingClassifier",
    "StreamingRandomPatchesClassifier",
]
