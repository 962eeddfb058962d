"""scripts/set_checkpoint_hparams.py: changing a checkpoint's hyper-parameters to resume with them."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import torch

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "set_checkpoint_hparams.py"
spec = importlib.util.spec_from_file_location("set_checkpoint_hparams", SCRIPT)
script = importlib.util.module_from_spec(spec)
spec.loader.exec_module(script)


def checkpoint() -> dict:
    return {
        "hyper_parameters": {"lr": 2e-4, "style_weight": 1.0, "warmup_steps": 200, "encoder": "hed_vgg16", "layout_layers": None},
        "stylesynth": {"training": {"lr": 2e-4, "style_weight": 1.0}},
        "lr_schedulers": [{"base_lrs": [2e-4], "last_epoch": 1200}],
        "optimizer_states": [{"param_groups": [{"lr": 1.8e-4, "initial_lr": 2e-4}], "state": {0: {"step": torch.tensor(1200.0)}}}],
        "global_step": 1200,
    }


def test_changes_hparams_the_exported_training_record_and_the_base_rate(tmp_path: Path) -> None:
    source, target = tmp_path / "last.ckpt", tmp_path / "resumed.ckpt"
    torch.save(checkpoint(), source)
    before = source.read_bytes()
    assert script.main([str(source), str(target), "style_weight=0.4", "lr=1e-4", "layout_layers=['relu3_1']"]) == 0
    edited = torch.load(target, weights_only=True)
    assert edited["hyper_parameters"]["style_weight"] == 0.4 and edited["stylesynth"]["training"]["style_weight"] == 0.4
    # a key the training record lacked (a list, as layout_layers) is added to it, so config.json shows it
    assert edited["hyper_parameters"]["layout_layers"] == ["relu3_1"] and edited["stylesynth"]["training"]["layout_layers"] == ["relu3_1"]
    assert edited["lr_schedulers"][0]["base_lrs"] == [1e-4]
    group = edited["optimizer_states"][0]["param_groups"][0]
    assert group["initial_lr"] == 1e-4 and group["lr"] == pytest.approx(0.9e-4)
    assert edited["global_step"] == 1200 and source.read_bytes() == before


def test_unknown_key_wrong_type_and_overwriting_the_source_are_refused(tmp_path: Path) -> None:
    source = tmp_path / "last.ckpt"
    torch.save(checkpoint(), source)
    with pytest.raises(SystemExit, match="'stylewieght' is not a hyper-parameter .* it has: encoder, layout_layers, lr, style_weight"):
        script.main([str(source), str(tmp_path / "a.ckpt"), "stylewieght=0.4"])
    with pytest.raises(SystemExit, match="warmup_steps: the checkpoint holds a int"):
        script.main([str(source), str(tmp_path / "a.ckpt"), "warmup_steps=abc"])
    with pytest.raises(SystemExit, match="expected KEY=VALUE"):
        script.main([str(source), str(tmp_path / "a.ckpt"), "style_weight"])
    with pytest.raises(SystemExit, match="write the edited checkpoint to a new file"):
        script.main([str(source), str(source), "style_weight=0.4"])
    assert not (tmp_path / "a.ckpt").exists()
