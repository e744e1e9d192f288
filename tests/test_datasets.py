import numpy as np

from kerasnqs.datasets import two_gaussians


def test_two_gaussians_has_100_finite_float64_values():
    data = two_gaussians()
    assert data.shape == (100,)
    assert data.dtype == np.float64
    assert np.all(np.isfinite(data))


def test_two_gaussians_matches_the_course_numbers():
    data = two_gaussians()
    assert data[0] == -3.61078109e-01
    assert data[-1] == 7.02255988e-01
    assert data.min() == -1.35821066e00
    assert data.max() == 1.07054311e00
    assert int(np.sum(data < 0)) == 43


def test_two_gaussians_returns_a_fresh_copy():
    first = two_gaussians()
    first[:] = 0.0
    assert two_gaussians()[0] == -3.61078109e-01
