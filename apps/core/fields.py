"""Serializer fields shared by every API resource."""

from operator import attrgetter

from rest_framework import serializers

from apps.core.visibility import OPERATOR_LABEL, is_partner, operator_label

# Written by the platform itself rather than by a person.
SYSTEM_ACTORS = {"", "system"}


class PersonField(serializers.CharField):
    """Who wrote or did something, as the caller may know it.

    Operators read the stored name (an e-mail address, say); a partner reads "Bigtree operator" in
    its place, so operators' identities never leave the company. ``user_id`` names the attribute
    that says a person of ours did it (a user foreign key); without one, anything but the system
    and the calling partner itself counts as an operator (fail closed).
    """

    def __init__(self, *, name: str, user_id: str | None = None, **kwargs):
        kwargs.update(source="*", read_only=True)
        super().__init__(**kwargs)
        self.name_getter = attrgetter(name)
        self.user_id_getter = attrgetter(user_id) if user_id else None

    def to_representation(self, obj):
        try:
            name = self.name_getter(obj)
        except AttributeError:  # through a relation that is not set (no assigned operator)
            name = None
        if name is None:
            return None
        request = self.context.get("request")
        if request is None:
            # No caller to decide for: the label, never the person (fail closed).
            return str(OPERATOR_LABEL)
        caller = request.user
        if self.user_id_getter is not None:
            by_operator = self.user_id_getter(obj) is not None
        else:
            by_operator = name not in SYSTEM_ACTORS and name != str(caller)
        return operator_label(caller=caller, is_operator=by_operator, name=str(name))


class OperatorsOnlyTextField(serializers.CharField):
    """Free text written by operators (or told to them) that stays in the company: operators read it,
    a partner reads an empty string. Without a caller to decide for, the empty string (fail closed)."""

    def __init__(self, **kwargs):
        kwargs.update(read_only=True)
        super().__init__(**kwargs)

    def to_representation(self, value):
        request = self.context.get("request")
        if request is None or is_partner(request.user):
            return ""
        return super().to_representation(value)
