"""Start Chorus: ``python main.py``."""

import sys

from ui.launch import main

if __name__ == "__main__":
    sys.exit(main())
