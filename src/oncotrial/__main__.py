"""``python -m oncotrial``: the same as the ``oncotrial`` command."""

from oncotrial.cli import main

main()
