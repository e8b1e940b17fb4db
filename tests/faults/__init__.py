"""Fault tests (issue 9), each run on SQLite and on PostgreSQL:

- the database going away mid-request: test_database_down.py
- a killed key rotation completes on re-run: test_killed_rotation.py
- a killed export leaves no partial file at the target path: test_killed_export.py
- two approvals racing resolve to one: tests/workflow/test_referrals.py
  (test_racing_officers_never_produce_two_transitions: officers on separate connections
  released together by a barrier, 20 runs), not repeated here.
"""
