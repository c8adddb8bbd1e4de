"""The base of every protocol section: strict models, and where a value comes from."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["Source", "SourceKind"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False)


class SourceKind(StrEnum):
    REGISTRATION = "registration"
    ASSUMPTION = "assumption"


class Source(_Model):
    """Where a value comes from: a quotation of the registration, or an assumption."""

    kind: SourceKind
    text: str = Field(min_length=1, description="the quoted registration text, or the rationale")

    @property
    def is_assumption(self) -> bool:
        return self.kind is SourceKind.ASSUMPTION

    def __str__(self) -> str:
        return f"{self.kind.value}: {self.text}"


class _Sourced(_Model):
    """A section whose values carry their provenance.

    ``source`` covers every field of the section; ``sources`` overrides it field by field.
    """

    source: Source
    sources: dict[str, Source] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _sources_name_fields(self) -> _Sourced:
        own = set(type(self).model_fields) - {"source", "sources"}
        unknown = sorted(set(self.sources) - own)
        if unknown:
            raise ValueError(f"sources names unknown field(s) {unknown}; fields here are {sorted(own)}")
        return self

    def source_of(self, field_name: str) -> Source:
        """The provenance of one field of this section."""
        return self.sources.get(field_name, self.source)
