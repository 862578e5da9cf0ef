"""Adam: adaptive moment estimation.

For each weight, with gradient ``g`` at step ``t`` (counted over the
learner's updates, as River does)::

    m <- beta1 * m + (1 - beta1) * g
    v <- beta2 * v + (1 - beta2) * g**2
    w <- w - lr * sqrt(1 - beta2**t) / (1 - beta1**t) * m / (sqrt(v) + eps)

The bias correction is folded into the step size (Kingma and Ba 2015,
section 2, last paragraph), which is also River's formulation. State per
weight: ``m`` and ``v``; one step counter per learner.

>>> import numpy as np
>>> from streamlearn.optim import Adam
>>> opt = Adam(lr=0.1)
>>> w = np.zeros(2)
>>> state = opt.init_state(w.shape)
>>> opt.step(w, np.array([1.0, -2.0]), state)
1
>>> w.round(6)
array([-0.1,  0.1])

References
----------
Kingma, D.P. and Ba, J., 2015. Adam: a method for stochastic optimization.
ICLR. arXiv:1412.6980.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from streamlearn.base.params import Interval, Rule
from streamlearn.optim import kernels
from streamlearn.optim.base import Optimizer


class Adam(Optimizer):
    """Adam optimiser.

    Parameters
    ----------
    lr
        Step size (River's default: 0.1).
    beta1
        Decay of the first-moment estimate.
    beta2
        Decay of the second-moment estimate.
    eps
        Added to ``sqrt(v)`` for numerical stability.
    """

    name = "adam"
    kind = kernels.ADAM
    n_slots = 2
    _param_rules: ClassVar[dict[str, Rule]] = {
        "lr": Interval(float, 0, None, open_low=True),
        "beta1": Interval(float, 0, 1, open_high=True),
        "beta2": Interval(float, 0, 1, open_high=True),
        "eps": Interval(float, 0, None, open_low=True),
    }

    def __init__(self, lr: float = 0.1, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8):
        self.lr = lr
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self._validate_params()

    def hyper(self) -> np.ndarray:
        return np.array([self.lr, self.beta1, self.beta2, self.eps], dtype=np.float64)
