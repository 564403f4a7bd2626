"""A JSON model field that holds a pydantic model and validates every write."""
from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError


class PydanticJSONEncoder(DjangoJSONEncoder):
    """Lets admin forms and serializers render a stored model as JSON."""

    def default(self, o: Any) -> Any:
        if isinstance(o, BaseModel):
            return o.model_dump(mode="json")
        return super().default(o)


class TypedJSONField(models.JSONField):
    """Stores ``schema`` instances; loading gives the instance back.

    Writes that do not validate raise django ValidationError before any SQL runs.
    """

    def __init__(self, *args: Any, schema: type[BaseModel], **kwargs: Any) -> None:
        self.schema = schema
        kwargs.setdefault("default", schema)
        kwargs.setdefault("encoder", PydanticJSONEncoder)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> tuple[str, str, list[Any], dict[str, Any]]:
        name, path, args, kwargs = super().deconstruct()
        kwargs["schema"] = self.schema
        return name, path, args, kwargs

    def _validate_value(self, value: Any) -> BaseModel:
        if isinstance(value, self.schema):
            value = value.model_dump()  # re-validate: fields may have been mutated
        try:
            return self.schema.model_validate(value)
        except PydanticValidationError as exc:
            raise ValidationError(f"invalid {self.schema.__name__}: {exc}") from exc

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        loaded = super().from_db_value(value, expression, connection)
        return None if loaded is None else self.schema.model_validate(loaded)

    def to_python(self, value: Any) -> Any:
        return None if value is None else self._validate_value(value)

    def get_prep_value(self, value: Any) -> Any:
        if value is None:
            return None
        return super().get_prep_value(self._validate_value(value).model_dump(mode="json"))
