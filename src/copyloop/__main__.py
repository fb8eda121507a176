"""Allow `python -m copyloop`."""

from copyloop.cli import main

main()
