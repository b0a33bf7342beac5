"""``python -m aligner``: the same as the ``aligner`` command."""

from .cli import main

raise SystemExit(main())
