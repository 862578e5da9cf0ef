import numpy as np
import pytest

from streamlearn.base.errors import SchemaError
from streamlearn.base.schema import CAT, NUM, Schema, as_matrix


def test_row_grows_and_codes_categories():
    s = Schema()
    assert s.row({"a": 1.5, "p": "tcp"}).tolist() == [1.5, 0.0]
    r = s.row({"p": "udp", "b": 2})
    assert np.isnan(r[0]) and r[1:].tolist() == [1.0, 2.0]
    assert s.kinds == [NUM, CAT, NUM]
    assert s.categories[1] == ["tcp", "udp"]


def test_bad_values_become_missing_and_are_counted():
    s = Schema([("a", NUM)])
    r = s.row({"a": "not a number"})
    assert np.isnan(r[0]) and s.n_invalid == 1
    r = s.row({"a": float("inf")})
    assert np.isnan(r[0]) and s.n_invalid == 2
    r = s.row({"a": None})
    assert np.isnan(r[0]) and s.n_invalid == 2  # None is missing, not invalid
    assert s.row({"a": "3.5"})[0] == 3.5


def test_align_matches_columns_by_name_and_translates_codes():
    own = Schema([("b", NUM), ("p", CAT)], categories={"p": ["udp"]})
    src = Schema([("p", CAT), ("a", NUM)], categories={"p": ["tcp", "udp"]})
    X = np.array([[0.0, 1.0], [1.0, 2.0], [np.nan, 3.0]])
    out = own.align(X, src)
    assert own.names == ["b", "p", "a"]
    assert own.categories[1] == ["udp", "tcp"]
    np.testing.assert_array_equal(out[:, 1], [1.0, 0.0, np.nan])
    np.testing.assert_array_equal(out[:, 2], [1.0, 2.0, 3.0])
    assert np.isnan(out[:, 0]).all()


def test_align_never_mutates_input_and_cleans_inf():
    s = Schema()
    X = np.array([[1.0, np.inf]])
    out = s.align(X)
    assert np.isinf(X[0, 1]) and np.isnan(out[0, 1]) and s.n_invalid == 1


@pytest.mark.parametrize("bad", [np.zeros(3), np.zeros((2, 2, 2)), np.array([["a"]])])
def test_align_rejects_bad_shapes_and_dtypes(bad):
    with pytest.raises(SchemaError):
        Schema().align(bad)


def test_align_width_mismatch_with_schema():
    with pytest.raises(SchemaError, match="3 columns"):
        Schema().align(np.zeros((1, 3)), Schema(["a", "b"]))


def test_record_round_trip_and_dict_persistence():
    s = Schema()
    row = s.row({"a": 1.0, "p": "x"})
    assert s.record(row) == {"a": 1.0, "p": "x"}
    assert Schema.from_dict(s.to_dict()) == s


def test_row_rejects_non_mapping():
    with pytest.raises(SchemaError, match="dict"):
        Schema().row([1, 2])  # type: ignore[arg-type]


def test_as_matrix_dataframe_and_records():
    pd = pytest.importorskip("pandas")
    X, s = as_matrix(pd.DataFrame({"a": [1, 2], "b": ["x", None]}))
    assert s.kinds == [NUM, CAT]
    assert X[0, 1] == 0.0 and np.isnan(X[1, 1])
    X, s = as_matrix([{"a": 1.0}, {"b": "y"}])
    assert s.names == ["a", "b"] and X.shape == (2, 2)
    with pytest.raises(SchemaError):
        as_matrix("not a batch")
