"""transformers.utils.ModelOutput, as the stand-in package needs it (see __init__.py): the base
of output dataclasses, read by attribute, by name (output["logits"]) or as a tuple of the fields
that are set."""

import dataclasses


class ModelOutput:
    def to_tuple(self):
        values = (getattr(self, field.name) for field in dataclasses.fields(self))
        return tuple(value for value in values if value is not None)

    def __getitem__(self, key):
        return getattr(self, key) if isinstance(key, str) else self.to_tuple()[key]
