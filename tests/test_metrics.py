"""stylesynth.metrics: the style, texture and structure numbers of model cards, against their formulas in float64."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from stylesynth.metrics import gram_distance, statistics_distance, structure, style_strength, texture_strength
from stylesynth.nets import VGGEncoder


@pytest.fixture(scope="module")
def encoder() -> VGGEncoder:
    return VGGEncoder.random(seed=0, last_layer="relu4_1")


def _reference_features(encoder: VGGEncoder, x: torch.Tensor) -> list[torch.Tensor]:
    with torch.no_grad():
        return [f.double() for f in encoder(x)]


def test_statistics_and_gram_distances_match_their_formulas(encoder):
    torch.manual_seed(0)
    images, style = torch.rand(2, 3, 40, 48), torch.rand(1, 3, 32, 36)
    got_stat, got_gram = statistics_distance(images, style, encoder), gram_distance(images, style, encoder)
    produced, wanted = _reference_features(encoder, images), _reference_features(encoder, style)
    for n in range(2):
        stat_terms, gram_terms = [], []
        for layer, (a, b) in enumerate(zip(produced, wanted)):
            a_n, b_0 = a[n].flatten(1), b[0].flatten(1)
            mean_a, mean_b = a_n.mean(1), b_0.mean(1)
            std_a = ((a_n - mean_a[:, None]) ** 2).mean(1).add(1e-5).sqrt()
            std_b = ((b_0 - mean_b[:, None]) ** 2).mean(1).add(1e-5).sqrt()
            stat_terms.append(((mean_a - mean_b) ** 2).mean() + ((std_a - std_b) ** 2).mean())
            if layer < 3:
                gram_a, gram_b = a_n @ a_n.T / a_n.shape[1], b_0 @ b_0.T / b_0.shape[1]
                gram_terms.append(((gram_a - gram_b) ** 2).mean())
        torch.testing.assert_close(got_stat[n], torch.stack(stat_terms).mean(), rtol=1e-6, atol=0)
        torch.testing.assert_close(got_gram[n], torch.stack(gram_terms).mean(), rtol=1e-6, atol=0)


def test_strengths_are_zero_for_the_content_and_one_for_the_style(encoder):
    torch.manual_seed(1)
    content, style = torch.rand(1, 3, 32, 32), torch.rand(1, 3, 32, 32).pow(3)
    assert style_strength(content, content, style, encoder).item() == pytest.approx(0.0, abs=1e-9)
    assert texture_strength(content, content, style, encoder).item() == pytest.approx(0.0, abs=1e-9)
    assert style_strength(style, content, style, encoder).item() == pytest.approx(1.0, abs=1e-9)
    assert texture_strength(style, content, style, encoder).item() == pytest.approx(1.0, abs=1e-9)
    halfway = style_strength(0.5 * content + 0.5 * style, content, style, encoder).item()
    assert 0.0 < halfway < 1.0


def test_structure_sees_edges_not_colours():
    torch.manual_seed(2)
    y, x = torch.meshgrid(torch.linspace(0, 1, 64), torch.linspace(0, 1, 64), indexing="ij")
    shapes = ((x - 0.4) ** 2 + (y - 0.5) ** 2 < 0.08).double() + (x > 0.75).double() * 0.5
    content = shapes.expand(1, 3, 64, 64).clone()
    recoloured = torch.stack([0.2 + 0.6 * shapes, 0.9 - 0.5 * shapes, 0.3 + 0.3 * shapes]).unsqueeze(0)
    noise = torch.rand(1, 3, 64, 64, dtype=torch.float64)
    assert structure(content, content).item() == pytest.approx(1.0, abs=1e-9)
    assert structure(recoloured, content).item() > 0.9
    assert abs(structure(noise, content).item()) < 0.2
    # the same edges in other places: low correlation
    shifted = torch.roll(content, shifts=6, dims=3)
    assert structure(shifted, content).item() < 0.5
    with pytest.raises(ValueError, match="same shape"):
        structure(content, F.avg_pool2d(content, 2))
