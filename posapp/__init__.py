"""posapp: a desktop point-of-sale and back-office application."""
