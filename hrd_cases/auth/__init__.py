"""Authentication and authorisation: passwords, login, the login gate, permissions."""
