"""Plain stochastic gradient descent.

``w <- w - lr * g``. It keeps no state per weight.

>>> import numpy as np
>>> from streamlearn.optim import SGD
>>> opt = SGD(lr=0.1)
>>> w = np.zeros(2)
>>> state = opt.init_state(w.shape)
>>> opt.step(w, np.array([1.0, -2.0]), state)
1
>>> w
array([-0.1,  0.2])

References
----------
Robbins, H. and Monro, S., 1951. A stochastic approximation method. The
Annals of Mathematical Statistics, 22(3), pp.400-407.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from streamlearn.base.params import Interval, Rule
from streamlearn.optim import kernels
from streamlearn.optim.base import Optimizer


class SGD(Optimizer):
    """Stochastic gradient descent with a constant step size.

    Parameters
    ----------
    lr
        The step size (River's default for linear models: 0.01).
    """

    name = "sgd"
    kind = kernels.SGD
    n_slots = 0
    _param_rules: ClassVar[dict[str, Rule]] = {"lr": Interval(float, 0, None, open_low=True)}

    def __init__(self, lr: float = 0.01):
        self.lr = lr
        self._validate_params()

    def hyper(self) -> np.ndarray:
        return np.array([self.lr, 0.0, 0.0, 0.0], dtype=np.float64)
