"""The domain's words and rules with no Flask and no database: vocabulary (every enum stored
in the clear), the pure state machines, the errors services raise (no HTTP codes), and the
input policy for free text (``text_input``)."""
