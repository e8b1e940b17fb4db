"""HTML blueprints: thin views that parse input, call a service and render."""
