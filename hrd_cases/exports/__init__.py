"""Quarterly aggregate exports: fixed tables over clear categories, disclosure control, and
CSV / XLSX / JSON / HTML renderers. Callers use :mod:`hrd_cases.exports.service`."""
