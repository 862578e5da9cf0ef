"""Drift detectors: detection positions, false alarms, exactness of update_many, state, errors."""

from __future__ import annotations

import itertools
import math
import os
import tempfile

import numpy as np
import pytest

from streamlearn import digest, load, save
from streamlearn.base.errors import InvalidParameterError, SchemaError
from streamlearn.base.registry import make, registry
from streamlearn.drift import ADWIN, DDM, EDDM, HDDM_A, HDDM_W, KSWIN, PageHinkley
from streamlearn.drift._ks import critical_count, ks_statistic, pvalue_table

ALL = [
    ADWIN(),
    DDM(),
    EDDM(),
    HDDM_A(),
    HDDM_A(two_sided_test=True),
    HDDM_W(),
    HDDM_W(two_sided_test=True),
    PageHinkley(),
    PageHinkley(mode="up"),
    KSWIN(seed=3),
]
IDS = [repr(d) for d in ALL]


def error_stream(seed: int, n: int = 6000, change: int = 3000, before: float = 0.1, after: float = 0.5):
    rng = np.random.default_rng(seed)
    return (rng.random(n) < np.where(np.arange(n) < change, before, after)).astype(np.float64)


def gauss_stream(seed: int, n: int = 6000, change: int = 3000, before: float = 0.3, after: float = 0.6):
    rng = np.random.default_rng(seed)
    return np.clip(rng.normal(np.where(np.arange(n) < change, before, after), 0.1), 0.0, 1.0)


def loop(det, values):
    drifts, warnings = [], []
    for i, v in enumerate(values):
        if det.update(v):
            drifts.append(i)
        if det.warning_detected:
            warnings.append(i)
    return drifts, warnings


# -- registry ---------------------------------------------------------------------------------
def test_registry_names():
    names = registry()
    for name, cls in [
        ("adwin", ADWIN),
        ("ddm", DDM),
        ("eddm", EDDM),
        ("hddm_a", HDDM_A),
        ("hddm_w", HDDM_W),
        ("page_hinkley", PageHinkley),
        ("kswin", KSWIN),
    ]:
        assert names[name] is cls
        assert cls().task == "drift"
    assert make("hddm_w", lambda_val=0.1).lambda_val == 0.1


# -- detection at known positions --------------------------------------------------------------
@pytest.mark.parametrize(
    ("det", "tolerance", "max_early"),
    [
        (ADWIN(), 300, 0),
        (DDM(), 400, 2),  # DDM's minimum is noisy over its first values
        (EDDM(), 600, 4),  # so is EDDM's maximum, right after the start
        (HDDM_A(), 300, 1),
        (HDDM_W(), 300, 1),
        (PageHinkley(), 400, 1),
    ],
    ids=lambda p: repr(p) if not isinstance(p, int) else str(p),
)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_detects_error_rate_jump(det, tolerance, max_early, seed):
    det = det.clone()
    got = det.update_many(error_stream(seed))
    after = got[got >= 3000]
    assert len(after) and after[0] < 3000 + tolerance, f"first detection after the change: {after[:1]}"
    assert (got < 3000).sum() <= max_early


DETECT_SHIFT = [ADWIN(), DDM(), HDDM_A(), HDDM_W(), PageHinkley(), KSWIN(alpha=1e-4, seed=0)]


@pytest.mark.parametrize("det", DETECT_SHIFT, ids=repr)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_detects_gaussian_mean_shift(det, seed):
    det = det.clone()
    got = det.update_many(gauss_stream(seed, before=0.2, after=0.8))
    assert (got < 3000).sum() == 0
    assert len(got) and 3000 <= got[0] < 3200


@pytest.mark.parametrize(
    "det",
    [
        ADWIN(),
        HDDM_A(two_sided_test=True),
        HDDM_W(two_sided_test=True),
        PageHinkley(),
        KSWIN(alpha=1e-4, seed=0),
    ],
    ids=repr,
)
def test_two_sided_detectors_see_decreases(det):
    det = det.clone()
    got = det.update_many(gauss_stream(0, before=0.8, after=0.2))
    assert len(got) and 3000 <= got[0] < 3200 and (got < 3000).sum() == 0


@pytest.mark.parametrize("det", [HDDM_A(), HDDM_W(), PageHinkley(mode="up"), DDM()], ids=repr)
def test_one_sided_detectors_ignore_decreases(det):
    det = det.clone()
    assert len(det.update_many(gauss_stream(0, before=0.8, after=0.2))) == 0


def test_hddm_w_needs_a_shift_beyond_its_bound():
    # McDiarmid's bound is distribution-free: at steady state an EWMA's sum of squared weights
    # is lambda / (2 - lambda), so a shift below sqrt(lambda / (2 - lambda) * ln(1 / delta))
    # is never significant on low-noise values, one above it is found at once
    lam, delta = 0.05, 0.001
    bound = math.sqrt(lam / (2 - lam) * math.log(1 / delta))
    assert bound == pytest.approx(0.4209, abs=1e-4)
    for seed in range(3):
        assert len(HDDM_W().update_many(gauss_stream(seed, before=0.3, after=0.3 + bound - 0.17))) == 0
        got = HDDM_W().update_many(gauss_stream(seed, before=0.2, after=0.2 + bound + 0.13))
        assert 3000 <= got[0] < 3050
    # a smaller lambda averages more values: the same small shift becomes detectable
    assert len(HDDM_W(lambda_val=0.005).update_many(gauss_stream(0, before=0.3, after=0.6))) >= 1


def test_page_hinkley_down_mode():
    down = PageHinkley(mode="down")
    assert len(down.update_many(gauss_stream(0))) == 0
    got = PageHinkley(mode="down").update_many(gauss_stream(0, before=0.6, after=0.3))
    assert 3000 <= got[0] < 3400


def test_kswin_sees_a_change_of_spread():
    # the mean stays 0; only the spread changes
    rng = np.random.default_rng(0)
    values = rng.normal(0.0, 1.0, 4000) * np.where(np.arange(4000) < 2000, 1.0, 5.0)
    got = KSWIN(alpha=1e-4, window_size=300, stat_size=100, seed=0).update_many(values)
    assert len(got) and 2000 <= got[got >= 2000][0] < 2150 and (got < 2000).sum() <= 1


# -- false alarms on stationary streams -----------------------------------------------------------
@pytest.mark.parametrize(
    ("det", "bound"),
    [(ADWIN(), 0), (DDM(), 2), (HDDM_A(), 3), (HDDM_W(), 15), (PageHinkley(), 10), (EDDM(), 25)],
    ids=lambda p: repr(p) if not isinstance(p, int) else str(p),
)
def test_false_alarms_on_stationary_errors(det, bound):
    det = det.clone()  # parametrized instances are shared between tests
    for seed in range(3):
        values = (np.random.default_rng(seed).random(50_000) < 0.2).astype(np.float64)
        assert len(det.clone().update_many(values)) <= bound


@pytest.mark.parametrize("det", [ADWIN(), DDM(), HDDM_A(), HDDM_W(), PageHinkley()], ids=repr)
def test_no_false_alarm_on_stationary_gaussian(det):
    det = det.clone()  # parametrized instances are shared between tests
    for seed in range(3):
        values = np.clip(np.random.default_rng(seed).normal(0.5, 0.1, 50_000), 0, 1)
        assert len(det.clone().update_many(values)) == 0


def test_kswin_false_alarm_rate_matches_alpha():
    # one test per value at level alpha; alarms are rare but not absent on continuous data
    values = np.random.default_rng(0).normal(size=50_000)
    n = len(KSWIN(alpha=0.005, seed=0).update_many(values))
    assert 20 < n < 150
    assert len(KSWIN(alpha=1e-6, seed=0).update_many(values)) == 0


# -- exactness: update_many == loop of update -------------------------------------------------------
@pytest.mark.parametrize("det", ALL, ids=IDS)
def test_update_many_equals_update_loop(det):
    det = det.clone()  # parametrized instances are shared between tests
    rng = np.random.default_rng(11)
    values = np.concatenate([error_stream(4), gauss_stream(5)])
    values[rng.integers(0, len(values), 50)] = np.nan
    a, b = det.clone(), det.clone()
    drifts, warnings = a.update_many(values, return_warnings=True)
    exp_d, exp_w = loop(b, values.tolist())
    assert drifts.dtype == np.int64 and warnings.dtype == np.int64
    assert drifts.tolist() == exp_d
    assert warnings.tolist() == exp_w
    assert len(exp_d) >= 1
    assert digest(a) == digest(b)
    assert a.drift_detected == b.drift_detected and a.warning_detected == b.warning_detected


@pytest.mark.parametrize("det", ALL, ids=IDS)
def test_chunked_update_many_equals_one_call(det):
    det = det.clone()  # parametrized instances are shared between tests
    values = np.concatenate([error_stream(6), gauss_stream(7)])
    whole = det.clone()
    exp = whole.update_many(values).tolist()
    rng = np.random.default_rng(0)
    cuts = np.sort(rng.choice(np.arange(1, len(values)), 40, replace=False))
    parts = np.split(values, cuts)
    chunked = det.clone()
    got, offset = [], 0
    for p in parts:
        got += (offset + chunked.update_many(p)).tolist()
        offset += len(p)
    assert got == exp
    assert digest(chunked) == digest(whole)


def test_warnings_come_before_drifts():
    values = error_stream(0, before=0.1, after=0.3)
    for det in (DDM(), HDDM_A(), HDDM_W(), EDDM()):
        drifts, warnings = det.update_many(values, return_warnings=True)
        first = drifts[drifts >= 3000][0]
        assert ((warnings >= 3000) & (warnings < first)).any(), type(det).__name__
        assert not np.isin(drifts, warnings).any()  # a drift value is not also a warning


def test_detectors_without_warnings_never_warn():
    values = np.concatenate([error_stream(1), gauss_stream(2)])
    for det in (ADWIN(), PageHinkley(), KSWIN(seed=0)):
        assert not det.has_warnings
        assert len(det.update_many(values, return_warnings=True)[1]) == 0


# -- flags, reset and state --------------------------------------------------------------------------
@pytest.mark.parametrize("det", ALL, ids=IDS)
def test_flags_before_data_and_reset(det):
    det = det.clone()  # parametrized instances are shared between tests
    assert det.drift_detected is False and det.warning_detected is False
    assert det.update_many([]).tolist() == [] and not det.is_fitted
    fresh = digest(det.clone())
    det.update_many(np.concatenate([error_stream(3), gauss_stream(3)]))
    assert det.is_fitted and det.n_drifts_ >= 1
    assert det.reset() is det
    assert digest(det) == fresh and not det.drift_detected and not det.warning_detected
    # after reset() it behaves as a new detector
    values = error_stream(8)
    assert det.update_many(values).tolist() == det.clone().update_many(values).tolist()


def test_drift_flag_follows_last_value():
    det = DDM()
    values = error_stream(0)
    pos = det.update_many(values)
    det2 = DDM()
    det2.update_many(values[: pos[0] + 1])
    assert det2.drift_detected
    det2.update(0.0)
    assert not det2.drift_detected


def test_ddm_resets_after_drift_and_matches_formula():
    values = error_stream(2)
    det = DDM()
    first = int(det.update_many(values)[0])
    tail = values[first + 1 :]
    det2 = DDM()
    det2.update_many(values[: first + 1])
    assert det2.stats_[0] == 0  # statistics restarted at the drift
    k = 100
    det2.update_many(tail[:k])
    p = tail[:k].mean()
    n, p_got, s_got = det2.stats_[:3]
    assert n == k and p_got == pytest.approx(p, abs=1e-12)
    assert s_got == pytest.approx(math.sqrt(p * (1 - p) / k), abs=1e-12)


def test_ddm_min_and_levels_by_hand():
    det = DDM(min_instances=3, warning_level=1.0, drift_level=2.0)
    got = [(det.update(v), det.warning_detected) for v in [1.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0]]
    # n=3: p=1/3, s=sqrt(p(1-p)/3)=0.2722, p+s=0.6055 is the first minimum: no warning (not >)
    # n=4: p=0.25, s=0.2165, p+s=0.4665: the new minimum
    # n=5: p=0.4, s=0.2191, p+s=0.6191 > 0.25 + 0.2165 (warning) but < 0.25 + 2 * 0.2165 = 0.6830
    # n=6: p=0.5, s=0.2041, p+s=0.7041 > 0.6830: drift, and a reset
    # n=7: one value since the reset: below min_instances
    F, T = False, True
    assert got == [(F, F), (F, F), (F, F), (F, F), (F, T), (T, F), (F, F)]
    assert det.stats_[:2].tolist() == [1.0, 1.0]


def test_page_hinkley_statistic_by_hand():
    rng = np.random.default_rng(0)
    values = rng.normal(0.0, 1.0, 200)
    det = PageHinkley(threshold=1e9, delta=0.01, alpha=0.99)
    det.update_many(values)
    mean, up, up_min = 0.0, 0.0, np.inf
    for t, x in enumerate(values, 1):
        mean += (x - mean) / t
        up = 0.99 * up + (x - mean - 0.01)
        up_min = min(up_min, up)
    assert det.stats_[1] == pytest.approx(mean, abs=1e-12)
    assert det.stats_[2] == pytest.approx(up, abs=1e-9)
    assert det.stats_[3] == pytest.approx(up_min, abs=1e-9)


def test_hddm_a_bound_by_hand():
    # the first drift must be the first n at which the Hoeffding test passes against the best cut
    values = error_stream(5, n=4000, change=2000, before=0.1, after=0.6)
    d = HDDM_A(drift_confidence=0.001)
    first = int(d.update_many(values)[0])
    log_d = math.log(1 / 0.001)
    cum = np.cumsum(values)
    n_cut = 0
    for i in range(first + 1):
        n = i + 1
        mean = cum[i] / n
        if n_cut == 0 or mean + math.sqrt(log_d / (2 * n)) <= cum[n_cut - 1] / n_cut + math.sqrt(
            log_d / (2 * n_cut)
        ):
            n_cut = n
        if n_cut < n:
            gap = mean - cum[n_cut - 1] / n_cut
            bound = math.sqrt((n - n_cut) / (2 * n_cut * n) * log_d)
            if gap >= bound:
                assert i == first
                return
    pytest.fail("the hand computation found no drift")


def test_hddm_w_ewma_by_hand():
    values = np.array([0.0, 1.0, 1.0, 0.0, 1.0])
    det = HDDM_W(lambda_val=0.2)
    det.update_many(values)
    ewma, w2 = values[0], 1.0
    for x in values[1:]:
        ewma = 0.2 * x + 0.8 * ewma
        w2 = 0.04 + 0.64 * w2
    assert det.estimation == pytest.approx(ewma, abs=1e-12)
    assert det.stats_[1] == pytest.approx(w2, abs=1e-12)


def test_eddm_distances_by_hand():
    values = np.zeros(100)
    pos = [4, 9, 11, 30, 31, 60]
    values[pos] = 1.0
    det = EDDM()
    det.update_many(values)
    dists = np.diff([-1, *pos])  # positions are 0-based; the first distance counts from the start
    n, errors, last, mean, m2 = det.stats_[:5]
    assert (n, errors, last) == (100, 6, pos[-1] + 1)
    assert mean == pytest.approx(dists.mean(), abs=1e-12)
    assert m2 == pytest.approx(((dists - dists.mean()) ** 2).sum(), abs=1e-9)


def test_adwin_window_statistics_and_buckets():
    rng = np.random.default_rng(0)
    values = rng.normal(0.5, 0.2, 5000)
    det = ADWIN(max_buckets=3)
    assert len(det.update_many(values)) == 0
    assert det.width == 5000
    assert det.estimation == pytest.approx(values.mean(), abs=1e-10)
    assert det.variance == pytest.approx(values.var(), rel=1e-8)
    lens = det.bucket_len_
    sizes = 2 ** np.arange(len(lens))
    assert int((lens * sizes).sum()) == 5000
    assert lens.max() <= 3 + 1
    # bucket sums are sums of consecutive values, oldest first
    rows = np.flatnonzero(lens)
    oldest = det.bucket_sum_[rows[-1], 0]
    assert oldest == pytest.approx(values[: sizes[rows[-1]]].sum(), abs=1e-9)


def test_adwin_shrinks_to_the_new_concept():
    values = gauss_stream(0, n=8000, change=4000, before=0.2, after=0.7)
    det = ADWIN()
    got = det.update_many(values)
    assert 4000 <= got[0] < 4200
    assert det.width < 4100  # the old concept left the window
    assert det.estimation == pytest.approx(0.7, abs=0.02)


def test_kswin_window_is_cut_to_stat_size():
    # zeros, then ones: k values after the change, the recent sample holds k ones and the older
    # sample none, so D = k / 20 and the drift comes at the first k with P(D >= k / 20) <= alpha
    values = np.concatenate([np.zeros(200), np.ones(200)])
    det = KSWIN(window_size=60, stat_size=20, seed=0)
    h = critical_count(20, 0.005)
    drifts = det.update_many(values[:221])
    assert drifts.tolist() == [199 + h]
    assert det.stats_[0] == 20 + (220 - (199 + h))  # kept 20 values, refilling: no test since
    assert det.p_value == pvalue_table(20)[h]
    assert det.stats_[2] == h / 20


# -- KS helpers -------------------------------------------------------------------------------------
def test_ks_statistic_brute_force():
    rng = np.random.default_rng(0)
    for _ in range(50):
        a = np.sort(rng.integers(0, 6, 7).astype(np.float64))  # ties on purpose
        b = np.sort(rng.integers(0, 6, 9).astype(np.float64))
        grid = np.union1d(a, b)
        exp = max(abs((a <= g).mean() - (b <= g).mean()) for g in grid)
        assert ks_statistic(a, b) == pytest.approx(exp, abs=1e-12)


@pytest.mark.parametrize("n", [1, 2, 3, 5, 6])
def test_pvalue_table_enumerates_all_orderings(n):
    counts = np.zeros(n + 1)
    total = 0
    for left in itertools.combinations(range(2 * n), n):
        mask = np.zeros(2 * n, dtype=bool)
        mask[list(left)] = True
        h = int(np.abs(np.cumsum(np.where(mask, 1, -1))).max())  # n * D
        counts[h] += 1
        total += 1
    exp = counts[::-1].cumsum()[::-1] / total  # P(D >= h / n)
    np.testing.assert_allclose(pvalue_table(n), exp, atol=1e-12)


def test_pvalue_table_large_n_against_kolmogorov_limit():
    n = 400
    p = pvalue_table(n)
    for d in (0.08, 0.1, 0.15):
        h = math.ceil(d * n)
        lam = (h / n) * math.sqrt(n / 2)
        limit = 2 * sum((-1) ** (j - 1) * math.exp(-2 * j * j * lam * lam) for j in range(1, 100))
        assert p[h] == pytest.approx(limit, abs=0.02)
    h = critical_count(30, 0.005)
    assert pvalue_table(30)[h] <= 0.005 < pvalue_table(30)[h - 1]


# -- persistence ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("det", ALL, ids=IDS)
def test_save_load_mid_stream_continues_identically(det):
    det = det.clone()  # parametrized instances are shared between tests
    values = np.concatenate([error_stream(9), gauss_stream(10)])
    det.update_many(values[:4000])
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "det.npz")
        save(det, path)
        twin = load(path)
    assert type(twin) is type(det) and digest(twin) == digest(det)
    assert twin.update_many(values[4000:]).tolist() == det.update_many(values[4000:]).tolist()
    assert digest(twin) == digest(det)


def test_kswin_seed_determinism():
    values = np.random.default_rng(0).normal(size=5000)
    a = KSWIN(seed=5).update_many(values)
    b = KSWIN(seed=5).update_many(values)
    assert a.tolist() == b.tolist()
    state_a, state_b = KSWIN(seed=5), KSWIN(seed=6)
    state_a.update_many(values[:200])
    state_b.update_many(values[:200])
    assert digest(state_a) != digest(state_b)


# -- missing values and bad input ----------------------------------------------------------------------
@pytest.mark.parametrize("det", ALL, ids=IDS)
def test_nan_values_are_skipped_and_counted(det):
    det = det.clone()  # parametrized instances are shared between tests
    clean = np.concatenate([error_stream(12), gauss_stream(13)])
    rng = np.random.default_rng(1)
    holes = np.sort(rng.choice(len(clean) + 100, 100, replace=False))
    dirty = np.empty(len(clean) + 100)
    mask = np.zeros(len(dirty), dtype=bool)
    mask[holes] = True
    dirty[mask] = np.where(rng.random(100) < 0.5, np.nan, np.inf)
    dirty[~mask] = clean
    a, b = det.clone(), det.clone()
    got = a.update_many(dirty)
    exp = b.update_many(clean)
    assert np.flatnonzero(~mask)[exp].tolist() == got.tolist()  # same drifts, positions in the dirty stream
    assert a.n_missing_ == 100 and b.n_missing_ == 0
    assert a.update(float("nan")) is False and not a.drift_detected and not a.warning_detected
    assert a.update(None) is False and a.n_missing_ == 102


def test_object_arrays_with_none():
    det = DDM()
    assert det.update_many(np.array([0.0, None, 1.0, True], dtype=object)).tolist() == []
    assert det.n_missing_ == 1 and det.stats_[0] == 3


@pytest.mark.parametrize("det", ALL, ids=IDS)
def test_bad_input_raises_schema_error(det):
    det = det.clone()  # parametrized instances are shared between tests
    with pytest.raises(SchemaError, match="1-D"):
        det.update_many(np.zeros((5, 2)))
    with pytest.raises(SchemaError, match="1-D"):
        det.update_many(0.5)
    with pytest.raises(SchemaError):
        det.update_many(["a", "b"])
    with pytest.raises(SchemaError):
        det.update_many(np.array([0.1, "x"], dtype=object))
    with pytest.raises(SchemaError):
        det.update("0.5")
    assert not det.is_fitted  # nothing was consumed


@pytest.mark.parametrize("cls", [DDM, EDDM, HDDM_A, HDDM_W])
def test_error_detectors_reject_values_outside_unit_interval(cls):
    det = cls()
    det.update_many([0.0, 1.0])
    before = digest(det)
    with pytest.raises(SchemaError, match=r"\[0, 1\]"):
        det.update_many([0.0, 0.5, 1.5])
    with pytest.raises(SchemaError, match=r"\[0, 1\]"):
        det.update(-0.1)
    assert digest(det) == before  # the batch was rejected whole
    det.update_many([np.inf, -np.inf])  # non-finite values are missing, not out of range
    assert det.n_missing_ == 2


@pytest.mark.parametrize(
    ("cls", "params", "name"),
    [
        (ADWIN, {"delta": 0.0}, "delta"),
        (ADWIN, {"delta": 1.5}, "delta"),
        (ADWIN, {"clock": 0}, "clock"),
        (ADWIN, {"max_buckets": 1}, "max_buckets"),
        (ADWIN, {"min_window_length": 0}, "min_window_length"),
        (DDM, {"min_instances": 0}, "min_instances"),
        (DDM, {"warning_level": -1.0}, "warning_level"),
        (DDM, {"warning_level": 3.0, "drift_level": 2.0}, "drift_level"),
        (EDDM, {"alpha": 1.0}, "alpha"),
        (EDDM, {"beta": 0.0}, "beta"),
        (EDDM, {"alpha": 0.8, "beta": 0.9}, "alpha"),
        (EDDM, {"min_errors": 0}, "min_errors"),
        (HDDM_A, {"drift_confidence": 0.0}, "drift_confidence"),
        (HDDM_A, {"drift_confidence": 0.01, "warning_confidence": 0.001}, "warning_confidence"),
        (HDDM_A, {"two_sided_test": 1}, "two_sided_test"),
        (HDDM_W, {"lambda_val": 0.0}, "lambda_val"),
        (HDDM_W, {"lambda_val": 1.5}, "lambda_val"),
        (PageHinkley, {"threshold": 0.0}, "threshold"),
        (PageHinkley, {"delta": -1.0}, "delta"),
        (PageHinkley, {"alpha": 1.1}, "alpha"),
        (PageHinkley, {"mode": "sideways"}, "mode"),
        (PageHinkley, {"min_instances": 2.5}, "min_instances"),
        (KSWIN, {"alpha": 0.0}, "alpha"),
        (KSWIN, {"window_size": 50, "stat_size": 30}, "window_size"),
        (KSWIN, {"stat_size": 0}, "stat_size"),
        (KSWIN, {"seed": -1}, "seed"),
    ],
)
def test_bad_params(cls, params, name):
    with pytest.raises(InvalidParameterError, match=repr(name)):
        cls(**params)


def test_update_accepts_numpy_scalars_and_bools():
    a, b = DDM(), DDM()
    values = error_stream(0)
    exp = a.update_many(values).tolist()
    got = [
        i
        for i, v in enumerate(values)
        if b.update(np.bool_(v) if i % 3 else np.float32(v) if i % 2 else bool(v))
    ]
    assert got == exp and digest(a) == digest(b)
    assert DDM().update_many(values.astype(bool)).tolist() == exp


@pytest.mark.parametrize(
    "det",
    [
        ADWIN(),
        HDDM_A(two_sided_test=True),
        HDDM_W(two_sided_test=True),
        PageHinkley(),
        KSWIN(alpha=1e-4, seed=0),
    ],
    ids=repr,
)
def test_drift_flags_tell_rises_from_falls(det):
    from streamlearn.drift._base import DRIFT, INCREASE

    det = det.clone()
    for before, after, rise in [(0.2, 0.8, True), (0.8, 0.2, False)]:
        flags = det.clone()._scan(gauss_stream(1, before=before, after=after), stop_at_drift=True)
        assert flags[-1] & DRIFT and len(flags) > 3000
        assert bool(flags[-1] & INCREASE) is rise


def test_error_rate_detectors_flag_rises():
    from streamlearn.drift._base import INCREASE

    for det in (DDM(), EDDM(), HDDM_A(), HDDM_W()):
        flags = det._scan(error_stream(0), stop_at_drift=False)
        drifts = flags[(flags & 1) > 0]
        assert len(drifts) and (drifts & INCREASE).all()
