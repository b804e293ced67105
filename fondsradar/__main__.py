"""``python -m fondsradar`` is the same as the ``fondsradar`` command."""

from fondsradar.cli import main

main()
