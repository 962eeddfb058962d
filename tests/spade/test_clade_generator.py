"""SPADEGenerator with CLADE as its norm: parameters, training through train.py, export and loading."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from stylesynth.nets import SPADEGenerator
from stylesynth.norm import CLADE, SPADE


def _segmap(semantic_nc: int, size: int, batch: int = 2) -> torch.Tensor:
    labels = torch.randint(semantic_nc, (batch, size // 4, size // 4)).repeat_interleave(4, 1).repeat_interleave(4, 2)
    return F.one_hot(labels, semantic_nc).permute(0, 3, 1, 2).float()


@pytest.mark.parametrize("positional", [False, True])
def test_clade_generator_has_clade_norms_and_their_parameters_only(positional) -> None:
    spade = SPADEGenerator(5, ngf=4, crop_size=32, hidden_channels=8, norm="batch")
    clade = SPADEGenerator(5, ngf=4, crop_size=32, hidden_channels=8, norm="batch", modulation="clade", positional=positional)
    norms = [m for m in clade.modules() if isinstance(m, CLADE)]
    assert norms and not any(isinstance(m, SPADE) for m in clade.modules())
    spade_norm_params = sum(p.numel() for m in spade.modules() if isinstance(m, SPADE) for p in m.parameters())
    shared = sum(p.numel() for p in spade.parameters()) - spade_norm_params
    # each CLADE: a (semantic_nc, C) table for gamma and one for beta (+ two 1x1 convs 2 -> 1 with ICPE)
    expected = shared + sum(2 * 5 * m.num_features + (6 if positional else 0) for m in norms)
    assert sum(p.numel() for p in clade.parameters()) == expected
    assert clade(_segmap(5, 32)).shape == (2, 3, 32, 32)


def test_clade_generator_shares_one_class_map_between_blocks_like_each_layer_would() -> None:
    torch.manual_seed(0)
    generator = SPADEGenerator(6, ngf=4, crop_size=64, norm="instance", modulation="clade", positional=True).eval()
    with torch.no_grad():
        for norm in (m for m in generator.modules() if isinstance(m, CLADE)):
            for param in norm.parameters():
                param.normal_(0.5, 0.5)
    segmap = _segmap(6, 64)

    def block_with_one_hot(block, x):  # every layer computes its own ids and positional map from the one-hot map
        return block(x, segmap)

    x = generator.fc(F.interpolate(segmap, size=(2, 2), mode="nearest"))
    x = block_with_one_hot(generator.head_0, x)
    x = block_with_one_hot(generator.G_middle_0, F.interpolate(x, scale_factor=2))
    x = block_with_one_hot(generator.G_middle_1, x)
    for block in generator.upsample_blocks():
        x = block_with_one_hot(block, F.interpolate(x, scale_factor=2))
    per_layer = torch.tanh(generator.conv_img(F.leaky_relu(x, 0.2)))
    torch.testing.assert_close(generator(segmap), per_layer)


def test_positional_needs_clade_and_unknown_modulations_are_refused() -> None:
    with pytest.raises(ValueError, match="modulation must be one of spade, clade, got 'adain'"):
        SPADEGenerator(3, ngf=2, crop_size=32, modulation="adain")
    with pytest.raises(ValueError, match="positional.*needs modulation='clade'"):
        SPADEGenerator(3, ngf=2, crop_size=32, positional=True)


def test_clade_config_trains_through_train_py_then_exports_and_loads(tmp_path: Path, monkeypatch) -> None:
    pytest.importorskip("lightning")
    import train
    from stylesynth.cli import main as cli_main
    from stylesynth.inference import Synthesizer

    monkeypatch.chdir(Path(__file__).parents[2])
    cli = train.main([
        "fit", "--config", "configs/spade-clade.yaml", "--trainer.max_steps", "2", "--trainer.default_root_dir", str(tmp_path),
        "--trainer.enable_progress_bar", "false", "--trainer.enable_model_summary", "false",
        "--model.init_args.positional", "true",
    ])
    module = cli.model
    tables = [m for m in module.generator.modules() if isinstance(m, CLADE)]
    assert tables and module.generator.modulation == "clade" and module.generator.positional
    # one generator step moved the class tables away from their (1, 0) start
    assert any(not torch.equal(m.weight, torch.ones_like(m.weight)) for m in tables)
    checkpoint = tmp_path / "clade.ckpt"
    cli.trainer.save_checkpoint(checkpoint)
    assert cli_main(["export", str(checkpoint), str(tmp_path / "exported")]) == 0
    synthesizer = Synthesizer.from_pretrained(tmp_path / "exported", device="cpu", precision="fp32")
    assert synthesizer.generator.modulation == "clade" and synthesizer.generator.positional
    segmap = _segmap(7, 64, batch=1)
    z = torch.randn(1, module.generator.z_dim)
    with torch.inference_mode():
        expected = module.generator.eval()(segmap, z)
        torch.testing.assert_close(synthesizer.generator(segmap, z), expected, atol=1e-5, rtol=1e-5)
    assert synthesizer.synthesize(torch.zeros(20, 30, dtype=torch.long), seed=1).size == (30, 20)
