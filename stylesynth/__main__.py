"""``python -m stylesynth``: the ``stylesynth`` command line."""

import sys

from .cli import main

sys.exit(main())
