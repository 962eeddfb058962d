"""Video stylization: frames per second, and flicker against style strength for plain and stable modes.

    python bench/video.py                          # CPU, writes bench/results/video-cpu.md
    python bench/video.py --device cuda            # CUDA, writes bench/results/video-cuda.md
    python bench/video.py --quick --out /tmp/v.md  # fewer frames, a check run

Speed: ``VideoStylizer`` on frames already in memory (encode, AdaIN, decode; the style encoded once
beforehand), at 256p and 512p (shorter side, 4:3 frames), float32 and bfloat16 (``Stylizer(precision=...)``); and one
end-to-end ``Stylizer.stylize_video`` run (PyAV decode + stylize + H.264 encode, with audio) at 256p.

Flicker table: short clips made from ``examples/content/*.jpg`` (a pan of 3 pixels a frame, a zoom,
a still shot with sensor noise, an object crossing a still shot at 8 pixels a frame, the pan with noise), stylized with the bundled
``adain-default`` weights and ``examples/styles/mosaic.jpg``, per frame (``stable=False``) and in the
stable mode (``stable=True``). Columns: flicker (``stylesynth.video.metrics.flicker``), the median
over frames of the style-statistics gap closed and of the structure score (``stylesynth.metrics``).
The stable output is computed from the same per-frame outputs, so both columns see the same frames.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import tempfile
import time
from pathlib import Path

import av
import numpy as np
import torch
from PIL import Image
from torchvision.transforms.v2 import functional as TF

from stylesynth.inference import Stylizer
from stylesynth.metrics import structure, style_strength
from stylesynth.video.metrics import flicker
from stylesynth.video.stylize import VideoStylizer
from stylesynth.video.temporal import TemporalBlend

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


def load(path: Path) -> torch.Tensor:
    return TF.to_dtype(TF.pil_to_tensor(Image.open(path).convert("RGB")), torch.float32, scale=True)


def clips(frames: int, height: int = 144, width: int = 192) -> dict[str, torch.Tensor]:
    """Synthetic clips ``(T, 3, height, width)`` in [0, 1] from the example photos (seeded)."""
    generator = torch.Generator().manual_seed(0)
    cat = TF.resize(load(EXAMPLES / "content" / "cat.jpg"), [height + 36], antialias=True)  # wide enough for the pan
    astronaut = load(EXAMPLES / "content" / "astronaut.jpg")
    rocket = TF.resize(load(EXAMPLES / "content" / "rocket.jpg"), [height], antialias=True)[..., :width]
    pan = torch.stack([cat[:, 18 : 18 + height, 3 * t : 3 * t + width] for t in range(frames)])  # 3 pixels a frame
    zoom = []
    for t in range(frames):
        scale = 1.0 - 0.2 * t / max(frames - 1, 1)  # 20 % closer by the end
        crop_h, crop_w = int(astronaut.shape[-2] * scale), int(astronaut.shape[-2] * scale * width / height)
        crop_w = min(crop_w, astronaut.shape[-1])
        top, left = (astronaut.shape[-2] - crop_h) // 2, (astronaut.shape[-1] - crop_w) // 2
        zoom.append(TF.resize(astronaut[:, top : top + crop_h, left : left + crop_w], [height, width], antialias=True))
    noise = lambda clip: (clip + 0.02 * torch.randn(clip.shape, generator=generator)).clamp(0, 1)  # noqa: E731
    still = noise(cat[:, 18 : 18 + height, :width].expand(frames, -1, -1, -1))
    crossing = rocket.expand(frames, -1, -1, -1).clone()
    for t in range(frames):  # a 40x50 block crossing from the right, 8 pixels a frame
        left = width - 8 * (t + 1)
        crossing[t, :, height // 4 : height // 4 + 50, max(left, 0) : max(left + 40, 0)] = torch.tensor([0.9, 0.8, 0.2])[:, None, None]
    return {"pan": pan, "zoom": torch.stack(zoom), "still + noise": still, "object crossing": crossing, "pan + noise": noise(pan)}


def flicker_table(stylizer: Stylizer, frames: int) -> list[str]:
    style_path = EXAMPLES / "styles" / "mosaic.jpg"
    style_image = Image.open(style_path).convert("RGB")
    style = TF.resize(load(style_path)[None], [256], antialias=True)
    encoder = stylizer.network.encoder
    rows = ["| clip | mode | flicker | style (gap closed, median) | structure (median) |", "|---|---|---|---|---|"]
    for name, clip in clips(frames).items():
        plain = torch.cat([VideoStylizer(stylizer, style_image, stable=False)(chunk) for chunk in clip.split(4)])
        stable = TemporalBlend()(clip, plain)
        for mode, output in (("per frame", plain), ("stable", stable)):
            strength = float(style_strength(output, clip, style, encoder).median())
            shape = float(structure(output, clip).median())
            rows.append(f"| {name} | {mode} | {flicker(clip, output):.4f} | {strength:.3f} | {shape:.3f} |")
        print(rows[-2], rows[-1], sep="\n", flush=True)
    return rows


def frames_per_second(stylizer: Stylizer, short_side: int, count: int) -> float:
    style = Image.open(EXAMPLES / "styles" / "mosaic.jpg").convert("RGB")
    frames = torch.rand(count, 3, short_side, short_side * 4 // 3)
    video = VideoStylizer(stylizer, style, stable=True)
    video(frames[:1])  # warm-up: style encoding, allocations
    if stylizer.device.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    for chunk in frames.split(stylizer.batch_size):
        video(chunk)
    if stylizer.device.type == "cuda":
        torch.cuda.synchronize()
    return count / (time.perf_counter() - start)


def end_to_end(stylizer: Stylizer, count: int) -> float:
    """Frames per second of ``stylize_video`` on a 256p clip with audio (decode, stylize, encode)."""
    with tempfile.TemporaryDirectory() as folder:
        source, output = Path(folder) / "in.mp4", Path(folder) / "out.mp4"
        with av.open(str(source), "w") as container:
            video = container.add_stream("libx264", rate=24)
            video.width, video.height, video.pix_fmt = 340, 256, "yuv420p"
            sound = container.add_stream("aac", rate=44100)
            for index in range(count):
                frame = av.VideoFrame.from_ndarray(np.random.default_rng(index).integers(0, 255, (256, 340, 3), dtype=np.uint8), format="rgb24")
                frame.pts = index
                container.mux(video.encode(frame))
            container.mux(video.encode(None))
            samples = np.zeros((1, 44100 * count // 24), np.float32)
            chunk = av.AudioFrame.from_ndarray(samples, format="fltp", layout="mono")
            chunk.sample_rate = 44100
            container.mux(sound.encode(chunk))
            container.mux(sound.encode(None))
        style = Image.open(EXAMPLES / "styles" / "mosaic.jpg").convert("RGB")
        stylizer.style_statistics(style)
        start = time.perf_counter()
        stylizer.stylize_video(source, style, output)
        return count / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--checkpoint", default="adain-default")
    parser.add_argument("--quick", action="store_true", help="fewer frames (a check that the bench runs)")
    parser.add_argument("--out", type=Path, default=None, help="default bench/results/video-<device>.md")
    args = parser.parse_args()
    out = args.out or ROOT / "bench" / "results" / f"video-{args.device.split(':')[0]}.md"
    counts = {256: 2, 512: 1} if args.quick else {256: 8, 512: 4}
    if args.device.startswith("cuda"):
        counts = {256: 64, 512: 32}
    started = datetime.datetime.now(datetime.timezone.utc)
    load_average = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")

    speed = ["| frames | precision | FPS | ms/frame |", "|---|---|---|---|"]
    for precision in ("fp32", "bf16"):
        stylizer = Stylizer.from_pretrained(args.checkpoint, device=args.device, precision=precision, batch_size=4)
        for side, count in counts.items():
            fps = frames_per_second(stylizer, side, count)
            speed.append(f"| {side * 4 // 3}x{side} | {precision} | {fps:.2f} | {1000 / fps:.0f} |")
            print(speed[-1], flush=True)
    stylizer = Stylizer.from_pretrained(args.checkpoint, device=args.device, precision="fp32", batch_size=4)
    e2e_count = 4 if args.quick else 24
    e2e = end_to_end(stylizer, e2e_count)
    print(f"end to end: {e2e:.2f} FPS", flush=True)
    table = flicker_table(stylizer, 6 if args.quick else 16)

    machine = f"{platform.machine()}, {torch.get_num_threads()} thread(s), torch {torch.__version__}, PyAV {av.__version__}"
    if args.device.startswith("cuda"):
        machine += f", {torch.cuda.get_device_name()}"
    text = "\n".join(
        [
            f"# Video stylization ({args.device})",
            "",
            f"Measured {started:%Y-%m-%d %H:%M} UTC with `python bench/video.py --device {args.device}{' --quick' if args.quick else ''}`",
            f"on {machine}; load average {load_average:.2f} at the start (the machine is shared, so",
            "absolute CPU numbers are pessimistic). Checkpoint: `" + args.checkpoint + "`, batch 4, stable mode on.",
            "",
            "## Frames per second",
            "",
            "Frames already in memory, the style encoded once before timing (encode, AdaIN, decode, stable blend):",
            "",
            *speed,
            "",
            f"End to end, `Stylizer.stylize_video` on a 340x256 H.264 clip with an AAC track, {e2e_count} frames",
            f"(decode, stylize, encode, mux; float32): **{e2e:.2f} FPS**.",
            "",
            "## Flicker and style strength, per frame against stable",
            "",
            f"{16 if not args.quick else 6} frames of 192x144 per clip, style `examples/styles/mosaic.jpg`. Flicker: mean",
            "|(O[t+1] - O[t]) - (I[t+1] - I[t])| in [0, 1] pixel units (lower is steadier; a clip whose content",
            "moves cannot reach 0, a frozen output of a noisy still scores the noise). Style: 1 - D(o, s) / D(c, s)",
            "over VGG channel statistics at relu1_1..relu4_1 (higher is more style). Structure: edge correlation",
            "with the content (higher keeps more of its layout).",
            "",
            *table,
            "",
        ]
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
