"""`python -m bmp_ctl`: the same as the installed `bmpctl`."""

import sys

from bmp_ctl.cli import main

sys.exit(main())
