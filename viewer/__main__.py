"""``python -m viewer``: the same entry point as the ``psoas-viewer`` command."""

import sys

from viewer.cli import main

sys.exit(main())
