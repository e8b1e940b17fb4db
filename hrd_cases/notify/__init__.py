"""Notifications: in-app alerts and e-mail through a transactional outbox (issue 18).

Steps raise events in their own transaction (:mod:`hrd_cases.notify.events`); rows in
``notifications`` and ``outbox_messages`` commit with the step or not at all. ``hrd-cases
worker`` delivers the outbox (:mod:`hrd_cases.notify.worker`) and raises the time-based events
(:mod:`hrd_cases.notify.scheduler`). Messages name a case reference, what waits, since when,
the deadline and a link: never a name, place, narrative, amount, court or statement text.
"""
