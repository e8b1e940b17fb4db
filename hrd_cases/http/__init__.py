"""What HTTP adds on top of the services: the one mapping from failures to responses, the one
JSON envelope, the one logger of unexpected errors. The login gate, the pages and the API all
answer through here, so a failure reads the same on both faces."""
