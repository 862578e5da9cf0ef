"""The check suite over every registered learner: no ignore list."""

import pytest

from streamlearn.checks import CHECKS, instances

CASES = [(name, learner, check) for name, learner in instances() for check in CHECKS]


@pytest.mark.parametrize(
    ("learner", "check"),
    [(learner, check) for _, learner, check in CASES],
    ids=[f"{name}-{check.__name__}" for name, _, check in CASES],
)
def test_check(learner, check):
    check(learner.clone())
