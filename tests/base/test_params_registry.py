import pytest

import streamlearn
from streamlearn.base.errors import InvalidParameterError, UnknownNameError
from streamlearn.base.params import AnyOf, InstanceOf, Interval, OneOf, validate
from streamlearn.base.registry import get, make, registry, snake_case


def test_error_message_format():
    with pytest.raises(InvalidParameterError) as e:
        validate("HoeffdingTreeClassifier", {"grace_period": -3}, {"grace_period": Interval(int, 1)})
    assert str(e.value) == (
        "The 'grace_period' parameter of HoeffdingTreeClassifier must be an int >= 1. Got -3."
    )
    assert isinstance(e.value, ValueError)


@pytest.mark.parametrize(
    ("rule", "good", "bad"),
    [
        (Interval(float, 0, 1, open_low=True), [0.5, 1, 1.0], [0, -1, 2, "x", True, float("nan")]),
        (Interval(int, 1), [1, 10], [0, 1.5, "1", None]),
        (OneOf("sgd", "adam"), ["sgd"], ["SGD", 1, None]),
        (InstanceOf(str), ["a"], [1, None]),
        (AnyOf(OneOf(None), Interval(int, 0)), [None, 0, 5], [-1, "x"]),
    ],
)
def test_rules(rule, good, bad):
    assert all(rule.ok(v) for v in good)
    assert not any(rule.ok(v) for v in bad)


def test_snake_case():
    assert snake_case("GaussianNB") == "gaussian_nb"
    assert snake_case("LogisticRegression") == "logistic_regression"
    assert snake_case("KMeans") == "k_means"


def test_registry_lookup_and_errors():
    names = registry()
    assert "logistic_regression" in names and "gaussian_nb" in names
    assert get("GaussianNB") is names["gaussian_nb"]
    with pytest.raises(UnknownNameError, match="Known models"):
        make("no_such_model")
    with pytest.raises(InvalidParameterError, match="has no parameter 'nope'"):
        make("gaussian_nb", nope=1)
    assert streamlearn.make("logistic_regression", lr=0.05).lr == 0.05


def test_clone_and_unknown_override():
    m = make("logistic_regression", lr=0.05)
    assert m.clone().lr == 0.05 and m.clone(lr=0.1).lr == 0.1
    with pytest.raises(InvalidParameterError):
        m.clone(nope=1)
