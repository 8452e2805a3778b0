"""``python -m jdreview``: the same as the ``jdreview`` command."""

import sys

from .cli import main

sys.exit(main())
