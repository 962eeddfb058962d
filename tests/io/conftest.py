"""The API's fixtures, shared with tests/adain and tests/spade."""

from __future__ import annotations

from tests.adain.conftest import network, stylizer  # noqa: F401 - fixtures shared with tests/adain
from tests.spade.conftest import tiny_checkpoint  # noqa: F401 - a fixture shared with tests/spade
