"""Presentation: UI strings, numbers, tables, charts, the brief."""
