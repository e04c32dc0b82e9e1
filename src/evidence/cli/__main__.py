"""``python -m evidence.cli``: the same as the ``evidence`` command."""

import sys

from evidence.cli import main

sys.exit(main())
