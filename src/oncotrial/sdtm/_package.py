"""An SDTM package: the domains of one study as pandas DataFrames, by domain name."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

import pandas as pd

__all__ = ["SdtmPackage"]


@dataclass(frozen=True)
class SdtmPackage(Mapping[str, pd.DataFrame]):
    """The SDTM domains of one study, keyed by upper-case domain name ("DM", "TR", ...).

    Character variables hold text ("" when missing, as in SAS); numeric ones are float.
    ``source`` names where the package was read from and ``files`` each domain's file, for
    messages.

    >>> import pandas as pd
    >>> pkg = SdtmPackage({"dm": pd.DataFrame({"USUBJID": ["S-1"]})})
    >>> sorted(pkg), "DM" in pkg, pkg.get("CM") is None
    (['DM'], True, True)
    """

    domains: dict[str, pd.DataFrame] = field(default_factory=dict)
    source: str | None = None
    files: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "domains", {k.upper(): v for k, v in self.domains.items()})
        object.__setattr__(self, "files", {k.upper(): v for k, v in self.files.items()})

    def file_name(self, name: str) -> str:
        """The file a domain was read from (``tr.csv``), or its name for a package built in memory."""
        return self.files.get(name.upper(), name.upper())

    def __getitem__(self, name: str) -> pd.DataFrame:
        try:
            return self.domains[name.upper()]
        except KeyError:
            where = f" in {self.source}" if self.source else ""
            raise KeyError(f"domain {name.upper()} is not in the SDTM package{where}") from None

    def table(self, name: str) -> pd.DataFrame:
        """A domain's table; for an optional domain that is absent, an empty one ("none recorded").

        An absent required domain is still a ``KeyError`` (:func:`read_sdtm` checks for those).
        """
        from oncotrial.sdtm._specs import DOMAINS  # the specs import nothing of this module

        name = name.upper()
        spec = DOMAINS.get(name)
        if name not in self.domains and spec is not None and not spec.required:
            return spec.empty()
        return self[name]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.upper() in self.domains

    def __iter__(self) -> Iterator[str]:
        return iter(self.domains)

    def __len__(self) -> int:
        return len(self.domains)

    def __repr__(self) -> str:
        sizes = ", ".join(f"{k}: {len(v)}" for k, v in self.domains.items())
        return f"SdtmPackage({sizes}; source={self.source!r})"
