"""Analyses that run a model and judge what it does: model checks, reality checks, loop dominance."""
