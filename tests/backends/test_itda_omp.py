"""ITDA against the paper's code: the OMP encoder (scikit-learn's orthogonal_mp_gram as the reference),
one duplicate rule inside a batch and against the dictionary, and the paper's threshold_mse."""

import math

import numpy as np
import pytest
import torch
from sklearn.linear_model import orthogonal_mp_gram

from backends.core.errors import UsageError
from backends.itda.dictionary import (Dictionary, decode, l0, matching_pursuit, select_new_atoms, tau_from_threshold_mse,
                                      threshold_mse_from_tau, unit)
from backends.itda.omp import orthogonal_matching_pursuit

pytestmark = pytest.mark.timeout(60)


def _gen(seed):
    return torch.Generator().manual_seed(seed)


@pytest.mark.parametrize("cached", [True, False])
def test_omp_gives_scikit_learns_codes(cached):
    atoms = unit(torch.randn(200, 48, generator=_gen(0)))
    x = torch.randn(150, 48, generator=_gen(1)) * 5
    gram = atoms @ atoms.T
    idx, coef = orthogonal_matching_pursuit(x, atoms, 10, gram if cached else None)
    assert idx.shape == coef.shape == (150, 10)
    assert all(len(set(row)) == 10 for row in idx.tolist())  # OMP picks each atom once
    ours = torch.zeros(150, 200, dtype=torch.float64).scatter_add_(1, idx, coef.double())
    theirs = orthogonal_mp_gram(gram.double().numpy(), (atoms @ x.T).double().numpy(), n_nonzero_coefs=10)
    assert np.abs(ours.numpy() - theirs.T).max() < 1e-4
    # The least-squares refit beats plain matching pursuit's k steps.
    mp = matching_pursuit(x, atoms, 10, gram)
    omp_error = (x - decode(idx, coef, atoms)).norm(dim=1)
    mp_error = (x - decode(*mp, atoms)).norm(dim=1)
    assert float(omp_error.mean()) < 0.97 * float(mp_error.mean())


def test_omp_stops_when_nothing_is_left_and_the_dictionary_chooses_it():
    atoms = unit(torch.tensor([[1.0, 0, 0, 0], [1.0, 1.0, 0, 0], [0, 0, 1.0, 0], [0, 0, 0, 1.0]]))
    x = torch.tensor([[2.0, 3.0, 0, 0]])  # in the span of atoms 0 and 1, which MP only approaches
    idx, coef = orthogonal_matching_pursuit(x, atoms, 4, atoms @ atoms.T)
    assert torch.allclose(decode(idx, coef, atoms), x, atol=1e-5)
    assert l0(idx).tolist() == [2.0]  # the steps after the exact fit repeat an atom with coefficient 0
    assert sorted(idx[0, :2].tolist()) == [0, 1] and coef[0, 2:].abs().max() == 0
    mp = matching_pursuit(x, atoms, 4, atoms @ atoms.T)
    assert float((x - decode(*mp, atoms)).norm()) > 1e-3
    d = Dictionary.empty(0, 4)
    d.add(atoms, [("a", i) for i in range(4)], ["t"] * 4, ["c"] * 4, "m")
    assert torch.equal(d.encode(x, 4, "omp")[0], idx) and torch.equal(d.encode(x, 4)[0], mp[0])


def test_one_duplicate_rule_within_the_batch_and_against_the_dictionary():
    a = torch.tensor([0.6, 0.8])
    assert select_new_atoms(torch.stack([a, -a]), Dictionary.empty(0, 2), 40, 0.4).tolist() == [0]
    tau = 0.4
    for cosine in (0.90, 0.915, 0.918, 0.919, 0.95, -0.918, -0.90):
        b = torch.tensor([cosine, math.sqrt(1 - cosine ** 2)])
        first = torch.tensor([1.0, 0.0])
        within = select_new_atoms(torch.stack([first, b]), Dictionary.empty(0, 2), 40, tau).tolist()
        d = Dictionary.empty(0, 2)
        d.add(first[None], [("a", 0)], ["t"], ["c"], "m")
        against = select_new_atoms(b[None], d, 1, tau).tolist()
        assert within == ([0, 1] if against == [0] else [0]), cosine
        assert (against == []) == (abs(cosine) >= math.sqrt(1 - tau ** 2))


def test_the_papers_threshold_converts_both_ways():
    assert threshold_mse_from_tau(0.4, 576) == pytest.approx(2.8985e-4, rel=1e-4)
    assert tau_from_threshold_mse(2.8985e-4, 576) == pytest.approx(0.4, abs=1e-4)
    for tau in (0.05, 0.3, 0.4, 0.7, 0.95):
        assert tau_from_threshold_mse(threshold_mse_from_tau(tau, 64), 64) == pytest.approx(tau, abs=1e-9)
    # What the ITDA code computes (train.py, ITDATrainer.update) at Parley's tau, for an activation
    # one atom reconstructs: mean over the width of (x/|x| - r/|r|)^2.
    width, tau = 576, 0.4
    atom = unit(torch.randn(1, width, generator=_gen(3)).double())
    other = unit(torch.randn(1, width, generator=_gen(4)).double())
    other = unit(other - (other @ atom.T) * atom)
    x = 7.0 * (math.sqrt(1 - tau ** 2) * atom + tau * other)  # unit-vector error to its projection: tau
    r = (x @ atom.T) * atom
    assert float((unit(x) - r / x.norm()).norm()) == pytest.approx(tau)
    paper = float(((unit(x) - unit(r)) ** 2).mean())
    assert paper == pytest.approx(threshold_mse_from_tau(tau, width), rel=1e-9)
    with pytest.raises(UsageError, match="threshold_mse: .* allowed between 0 and 0.003472") as raised:
        tau_from_threshold_mse(0.01, 576)
    assert raised.value.field == "threshold_mse"
