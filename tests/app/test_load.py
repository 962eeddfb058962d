"""Load: 20 requests sent at once through gradio_client all come back, each with its own right answer."""

from __future__ import annotations

import time
from pathlib import Path

import torch
from PIL import Image

from stylesynth import Stylizer, Synthesizer
from stylesynth.data.scenes import SCENE_CLASSES, SceneGenerator

from .conftest import noise_image
from .test_api import assert_close, editor, gallery

REQUESTS = 20
#: all 20 on a busy 2-core machine, with the queue running one at a time (a request takes well under a second)
TOTAL_TIMEOUT = 240


def test_twenty_concurrent_requests_all_complete_with_their_own_results(client, checkpoint_root: Path, tmp_path: Path) -> None:
    style = noise_image(tmp_path / "style.png", (32, 32), seed=99)
    contents = [noise_image(tmp_path / f"content_{index}.png", (48, 32), seed=index) for index in range(REQUESTS // 2)]
    scenes = SceneGenerator(32)
    label_maps = []
    for index in range(REQUESTS // 2):
        path = tmp_path / f"scene_{index}.png"
        labels = scenes.layout(torch.Generator().manual_seed(index))
        Image.fromarray(torch.tensor(SCENE_CLASSES.colours, dtype=torch.uint8)[labels].numpy()).save(path)
        label_maps.append((path, labels))

    started = time.monotonic()
    stylize_jobs = [
        client.submit(editor(path), gallery(style), 1, 1, 1, 1, 1.0, False, 32, "adain-tiny", api_name="/stylize")
        for path in contents
    ]
    synthesize_jobs = [
        client.submit(editor(path), None, seed, "spade-tiny", api_name="/synthesize")
        for seed, (path, _) in enumerate(label_maps)
    ]
    results = [job.result(timeout=TOTAL_TIMEOUT) for job in stylize_jobs + synthesize_jobs]
    elapsed = time.monotonic() - started
    assert len(results) == REQUESTS and all(results)
    assert elapsed < TOTAL_TIMEOUT

    stylizer = Stylizer.from_pretrained(checkpoint_root / "adain-tiny", device="cpu")
    for path, result in zip(contents, results[: REQUESTS // 2]):
        assert_close(Image.open(result).convert("RGB"), stylizer.stylize(Image.open(path), Image.open(style), size=32))
    synthesizer = Synthesizer.from_pretrained(checkpoint_root / "spade-tiny", device="cpu")
    for seed, ((_, labels), result) in enumerate(zip(label_maps, results[REQUESTS // 2 :])):
        assert_close(Image.open(result).convert("RGB"), synthesizer.synthesize(labels, seed=seed))
