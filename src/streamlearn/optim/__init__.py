"""Online optimisers for the linear learners: SGD, Adam and FTRL-Proximal.

The optimiser objects describe hyper-parameters; the compiled updates live in
:mod:`streamlearn.optim.kernels` and work in place on a learner's weight and
state arrays. Learners pick one by name (``optimizer="sgd" | "adam" |
"ftrl"``) with :func:`make_optimizer`.
"""

from streamlearn.optim.adam import Adam
from streamlearn.optim.base import Optimizer
from streamlearn.optim.factory import DEFAULT_LR, EXTRA_PARAMS, OPTIMIZERS, make_optimizer
from streamlearn.optim.ftrl import FTRLProximal
from streamlearn.optim.sgd import SGD

__all__ = [
    "DEFAULT_LR",
    "EXTRA_PARAMS",
    "OPTIMIZERS",
    "SGD",
    "Adam",
    "FTRLProximal",
    "Optimizer",
    "make_optimizer",
]
