"""Domain rules with no Flask and no database: vocabulary, state machines, input policy."""
