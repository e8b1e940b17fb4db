"""Notifications: in-app alerts and e-mail through a transactional outbox (issue 18).

Steps record one ``notification_events`` row in their own transaction
(:mod:`hrd_cases.notify.events`): it commits with the step or not at all. ``hrd-cases worker``
fans events out into ``notifications`` (in-app) and ``outbox_messages`` (e-mail, by each
user's preferences), delivers the outbox (:mod:`hrd_cases.notify.worker`) and raises the
time-based events (:mod:`hrd_cases.notify.scheduler`). Messages name a case reference, what
waits, since when, the deadline and a link: never a name, place, narrative, amount, court or
statement text.
"""
