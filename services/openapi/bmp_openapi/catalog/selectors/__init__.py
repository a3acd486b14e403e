"""Reads of the catalog: one module per resource."""
