"""The layering of docs/architecture.md: the library never imports Lightning or Gradio."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def test_library_imports_without_lightning_or_gradio() -> None:
    script = textwrap.dedent(
        """
        import importlib, pkgutil, sys

        class Forbid:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in {"lightning", "pytorch_lightning", "gradio", "gradio_client"}:
                    raise ImportError(f"the library must not import {name}")
                return None

        sys.meta_path.insert(0, Forbid())
        import stylesynth
        modules = [m.name for m in pkgutil.walk_packages(stylesynth.__path__, "stylesynth.") if not m.name.endswith("__main__")]
        for name in modules:
            importlib.import_module(name)
        from stylesynth import Stylizer, Synthesizer
        print(len(modules))
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.strip()) > 10
