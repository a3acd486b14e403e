"""`python -m bmp_lab` entry point."""

import sys

from bmp_lab.cli import main

sys.exit(main())
