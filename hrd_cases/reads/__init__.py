"""Every query a screen or an API answer needs, written once and shared by both faces: the
case list, the case view (scope, decryption tolerant of erased keys, the audited view), name
search, home pages and the calendar. Views and API operations parse, call one of these and
format; they import neither ``models`` queries nor ``db``.
"""
