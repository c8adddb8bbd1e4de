"""oncotrial: open software for running a single-arm oncology trial.

The protocol is data (:mod:`oncotrial.protocol`); the rooms below read it:
``recist`` (response evaluation), ``stats`` (inference and design), ``sdtm`` and
``adam`` (datasets), ``edc`` (data capture), ``report`` and ``simulate``.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("oncotrial")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
