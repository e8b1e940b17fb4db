"""Case workflow: pure state machines (engine), templates, and the services that apply steps."""
