"""marshmallow schemas of the JSON API: input schemas refuse unknown fields; output schemas
are the exact field sets a role is shown (see ``views``)."""
