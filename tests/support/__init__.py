"""Helpers and scenarios shared by the test packages: no test module imports another test
package; what two packages share lives here."""
