"""PauliSum: building operators from Pauli strings, their matrices and matrix elements."""

import json
import math

import numpy as np
import pytest
import tensorflow as tf

from kerasnqs import operators
from kerasnqs.hilbert import SpinHalf
from kerasnqs.operators import PauliSum, configs_to_indices, indices_to_configs

PAULI = {
    "I": np.eye(2),
    "X": np.array([[0, 1], [1, 0]], dtype=complex),
    "Y": np.array([[0, -1j], [1j, 0]]),
    "Z": np.diag([1.0, -1.0]).astype(complex),
}


def kron_string(n_sites, factors):
    """The matrix of a Pauli string `{site: letter}`, by Kronecker products (site 0 first)."""
    matrix = np.eye(1)
    for site in range(n_sites):
        matrix = np.kron(matrix, PAULI[factors.get(site, "I")])
    return matrix


def kron_sum(n_sites, terms):
    """The matrix of `[(coefficient, {site: letter}), ...]`."""
    return sum(c * kron_string(n_sites, factors) for c, factors in terms)


def random_configs(n_sites, batch=16, seed=0):
    return np.random.default_rng(seed).integers(0, 2, size=(batch, n_sites)).astype(np.int32)


def dense_rows(operator, configs, dtype="float64"):
    """The rows `<s|H|.>` assembled from `connected`, as a dense array."""
    connected, mels = operator.connected(configs, dtype=dtype)
    columns = configs_to_indices(connected.numpy().reshape(-1, operator.n_sites))
    columns = columns.reshape(len(configs), -1)
    rows = np.zeros((len(configs), 2**operator.n_sites), dtype=complex)
    for row, (cols, values) in enumerate(zip(columns, mels.numpy(), strict=True)):
        np.add.at(rows[row], cols, values)
    return rows


COMPLEX_TERMS = [
    (0.7, {0: "Y", 2: "Y"}),
    (0.3 - 1.2j, {1: "X", 3: "Y"}),
    (2.0j, {0: "Z"}),
    (-0.4, {0: "Y", 1: "Z", 2: "X", 3: "Y"}),
    (1.5, {}),
    (0.25, {1: "X", 3: "Y", 2: "Z"}),
]


def as_label(factors):
    return " ".join(f"{letter}{site}" for site, letter in factors.items()) or "I"


@pytest.fixture
def complex_operator():
    return PauliSum(4, [(c, as_label(factors)) for c, factors in COMPLEX_TERMS])


# --- Building operators -------------------------------------------------------------


def test_terms_and_parse_build_the_same_operator():
    from_terms = PauliSum(4, [(2.0, "X0 Z3"), (-0.5, "Y1 Y2")])
    assert PauliSum.parse(4, "2.0 * X0 Z3 - 0.5 * Y1 Y2") == from_terms


def test_repeated_strings_merge_and_cancelling_terms_vanish():
    operator = PauliSum(3, [(1.0, "X0 X1"), (0.5, "X1 X0"), (2.0, "Z2"), (-2.0, "Z2")])
    assert operator.terms == [(1.5, "X0 X1")]


@pytest.mark.parametrize(
    "text,expected",
    [
        ("X0 * Y0", [(1j, "Z0")]),
        ("Y0 X0", [(-1j, "Z0")]),
        ("Z0 X0", [(1j, "Y0")]),
        ("X0 * X0", [(1.0, "I")]),
        ("(X0 + Y0) * (X0 - Y0)", [(-2j, "Z0")]),
        ("2 * -X0 + 3", [(-2.0, "X0"), (3.0, "I")]),
        ("(1 + 2j) * Z1 I", [((1 + 2j), "Z1")]),
        ("1e-3 * X0 X1 - 1e-3 * X1 X0", []),
    ],
    ids=["XY=iZ", "YX=-iZ", "ZX=iY", "XX=I", "product-of-sums", "unary-minus", "complex", "zero"],
)
def test_parse_multiplies_with_pauli_phases(text, expected):
    assert PauliSum.parse(2, text).terms == expected


def test_operator_arithmetic_matches_matrix_arithmetic():
    a = PauliSum.parse(2, "X0 + 0.5 * Z1")
    b = PauliSum.parse(2, "Y0 Y1 - 2")
    combined = 2 * a * b - b / 4 + 1 - a
    expected = 2 * a.to_sparse() @ b.to_sparse() - b.to_sparse() / 4 + np.eye(4) - a.to_sparse()
    np.testing.assert_allclose(combined.to_sparse().toarray(), expected, atol=1e-12)


def test_text_round_trips_through_str(complex_operator):
    assert PauliSum.parse(4, str(complex_operator)) == complex_operator


def test_config_round_trips_through_json(complex_operator):
    config = json.loads(json.dumps(complex_operator.get_config()))
    assert operators.from_config(config) == complex_operator


# --- Matrices -----------------------------------------------------------------------


def test_sparse_matrix_equals_kronecker_products(complex_operator):
    expected = kron_sum(4, COMPLEX_TERMS)
    np.testing.assert_allclose(complex_operator.to_sparse().toarray(), expected, atol=1e-12)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_operators_match_kronecker_products(seed):
    rng = np.random.default_rng(seed)
    n_sites = 5
    terms = []
    for _ in range(8):
        sites = rng.choice(n_sites, size=rng.integers(0, n_sites + 1), replace=False)
        factors = {int(site): str(rng.choice(list("XYZ"))) for site in sites}
        terms.append((complex(rng.normal(), rng.normal()), factors))
    operator = PauliSum(n_sites, [(c, as_label(factors)) for c, factors in terms])
    expected = kron_sum(n_sites, terms)
    np.testing.assert_allclose(operator.to_sparse().toarray(), expected, atol=1e-12)


def test_real_operator_gives_a_float_matrix_and_complex_one_a_complex_matrix(complex_operator):
    assert PauliSum.parse(2, "Y0 Y1 + X0").to_sparse().dtype == np.float64
    assert complex_operator.to_sparse().dtype == np.complex128


@pytest.mark.parametrize(
    "text,is_real,is_hermitian",
    [
        ("Y0 Y1 + X0", True, True),
        ("Y0 + Z1", False, True),
        ("1j * Y0", True, False),
        ("1j * X0", False, False),
    ],
    ids=["YY", "Y", "iY", "iX"],
)
def test_is_real_and_is_hermitian_describe_the_matrix(text, is_real, is_hermitian):
    operator = PauliSum.parse(2, text)
    matrix = operator.to_sparse().toarray()
    assert operator.is_real is is_real
    assert bool(np.all(np.imag(matrix) == 0)) is is_real
    assert operator.is_hermitian is is_hermitian
    assert bool(np.allclose(matrix, matrix.conj().T)) is is_hermitian


# --- Connected configurations -------------------------------------------------------


def test_connected_elements_are_the_rows_of_the_sparse_matrix(complex_operator):
    configs = random_configs(4)
    expected = complex_operator.to_sparse().toarray()[configs_to_indices(configs)]
    np.testing.assert_allclose(dense_rows(complex_operator, configs), expected, atol=1e-12)


@pytest.mark.parametrize("dtype,tolerance", [("float32", 1e-5), ("float64", 1e-12)])
@pytest.mark.parametrize("mode", ["eager", "graph", "xla"])
def test_connected_elements_agree_in_every_mode_and_precision(
    complex_operator, mode, dtype, tolerance
):
    configs = random_configs(4, seed=7)
    connected = complex_operator.connected
    if mode != "eager":
        connected = tf.function(connected, jit_compile=mode == "xla")
    states, mels = connected(tf.constant(configs), dtype)
    expected_states, expected_mels = complex_operator.connected(configs, "float64")
    np.testing.assert_array_equal(states, expected_states)
    np.testing.assert_allclose(mels, expected_mels, atol=tolerance)


def test_connected_puts_the_diagonal_first(complex_operator):
    configs = random_configs(4)
    connected, mels = complex_operator.connected(configs)
    off_connected, off_mels = complex_operator.off_diagonal(configs)
    np.testing.assert_array_equal(connected[:, 0], configs)
    np.testing.assert_allclose(mels[:, 0], complex_operator.diagonal(configs), atol=1e-6)
    np.testing.assert_array_equal(connected[:, 1:], off_connected)
    np.testing.assert_allclose(mels[:, 1:], off_mels, atol=1e-6)


def test_shapes_follow_max_conn(complex_operator):
    configs = random_configs(4, batch=5)
    k = complex_operator.max_conn
    connected, mels = complex_operator.off_diagonal(configs)
    assert (connected.shape, mels.shape) == ((5, k, 4), (5, k))
    connected, mels = complex_operator.connected(configs)
    assert (connected.shape, mels.shape) == ((5, k + 1, 4), (5, k + 1))


@pytest.mark.parametrize(
    "dtype,real_out,complex_out",
    [("float32", tf.float32, tf.complex64), ("float64", tf.float64, tf.complex128)],
    ids=["float32", "float64"],
)
def test_matrix_elements_have_the_requested_precision(dtype, real_out, complex_out):
    configs = random_configs(3)
    assert PauliSum.parse(3, "Y0 Y1 + X2").connected(configs, dtype)[1].dtype == real_out
    assert PauliSum.parse(3, "Y0 + Z1").connected(configs, dtype)[1].dtype == complex_out


@pytest.mark.parametrize("config_dtype", [np.int8, np.int32, np.int64], ids=str)
def test_connected_configurations_keep_the_integer_dtype(config_dtype):
    configs = random_configs(3).astype(config_dtype)
    connected, _ = PauliSum.parse(3, "X0 X1 + Y1 Y2").connected(configs)
    assert connected.dtype == tf.as_dtype(config_dtype)


def test_off_diagonal_compiles_with_xla(complex_operator):
    configs = tf.constant(random_configs(4))
    eager = complex_operator.off_diagonal(configs)
    compiled = tf.function(complex_operator.off_diagonal, jit_compile=True)(configs)
    np.testing.assert_array_equal(compiled[0], eager[0])
    np.testing.assert_allclose(compiled[1], eager[1], atol=1e-6)


def test_connected_compiles_with_xla_without_off_diagonal_terms():
    operator = PauliSum.parse(3, "Z0 Z1 + 0.5 * Z2")
    configs = tf.constant(random_configs(3))
    connected, mels = tf.function(operator.connected, jit_compile=True)(configs)
    assert connected.shape == (16, 1, 3)
    np.testing.assert_allclose(mels[:, 0], operator.diagonal(configs))


# --- Sectors ------------------------------------------------------------------------


def test_sector_matrix_is_the_full_matrix_restricted_to_the_sector():
    operator = PauliSum.parse(5, "X0 X1 + Y0 Y1 + 0.5 * X2 X4 + 0.5 * Y2 Y4 + Z1 Z3 + 0.3 * Z0")
    full = operator.to_sparse().toarray()
    for magnetization in [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5]:
        indices = operators.sector_indices(5, magnetization)
        sector = operator.to_sparse(SpinHalf(5, magnetization)).toarray()
        np.testing.assert_array_equal(sector, full[np.ix_(indices, indices)])


def test_sector_indices_hold_the_configurations_of_that_magnetization():
    indices = operators.sector_indices(6, magnetization=1)
    configs = indices_to_configs(indices, 6)
    assert len(indices) == math.comb(6, 2)
    assert np.all(np.diff(indices) > 0)
    np.testing.assert_array_equal((6 - 2 * configs.sum(axis=1)) / 2, 1)


def test_operator_that_flips_the_magnetization_has_no_sector():
    with pytest.raises(ValueError, match="magnetization.*conserve"):
        PauliSum.parse(3, "X0 + Z1").to_sparse(SpinHalf(3, magnetization=0.5))


def test_magnetization_must_fit_the_number_of_sites():
    with pytest.raises(ValueError, match="`magnetization`.*0.5"):
        PauliSum.parse(4, "Z0 Z1").to_sparse(SpinHalf(4, magnetization=0.5))


def test_matrix_above_the_size_limit_is_refused():
    operator = PauliSum.parse(23, "X0 X22 + Z5")
    with pytest.raises(ValueError, match="exceeds the limit"):
        operator.to_sparse()


# --- Bad input ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "n_sites,terms,argument",
    [
        (0, [(1.0, "X0")], "n_sites"),
        (2.5, [(1.0, "X0")], "n_sites"),
        (3, [(1.0, "X3")], "terms"),
        (3, [(1.0, "A1")], "terms"),
        (3, [(1.0, "X0Z1")], "terms"),
        (3, [(float("nan"), "X0")], "terms"),
        (3, [("1.0", "X0")], "terms"),
        (3, [(1.0, 7)], "terms"),
        (3, [1.0], "terms"),
        (3, "X0 X1", "terms"),
    ],
    ids=[
        "zero-sites",
        "fractional-sites",
        "site-out-of-range",
        "unknown-letter",
        "no-space",
        "nan",
        "string-coefficient",
        "non-string-label",
        "not-a-pair",
        "text-instead-of-list",
    ],
)
def test_bad_constructor_arguments_name_the_argument(n_sites, terms, argument):
    with pytest.raises(ValueError, match=f"`{argument}"):
        PauliSum(n_sites, terms)


@pytest.mark.parametrize(
    "text,match",
    [
        ("X5", "site 5"),
        ("Q1", "unknown Pauli letter 'Q'"),
        ("2 * ", "ends too early"),
        ("X0 )", "unexpected"),
        ("2 $ X0", "unexpected character"),
    ],
    ids=["site-out-of-range", "unknown-letter", "dangling-product", "stray-paren", "bad-char"],
)
def test_bad_text_names_the_text_argument(text, match):
    with pytest.raises(ValueError, match=f"`text`.*{match}"):
        PauliSum.parse(3, text)


@pytest.mark.parametrize(
    "configs",
    [
        np.zeros((2, 4), dtype=np.int32),
        np.full((2, 3), 2, dtype=np.int32),
        np.zeros((2, 3), dtype=np.float32),
        np.zeros(3, dtype=np.int32),
    ],
    ids=["wrong-width", "value-2", "float", "rank-1"],
)
def test_bad_configs_are_refused_eagerly(configs):
    with pytest.raises(ValueError, match="`configs`"):
        PauliSum.parse(3, "X0 X1").connected(configs)


def test_bad_dtype_names_the_argument():
    with pytest.raises(ValueError, match="`dtype`"):
        PauliSum.parse(3, "X0").diagonal(random_configs(3), dtype="int32")


def test_operators_on_different_sites_do_not_combine():
    with pytest.raises(ValueError, match="3 and 4 sites"):
        PauliSum.parse(3, "X0") + PauliSum.parse(4, "X0")
