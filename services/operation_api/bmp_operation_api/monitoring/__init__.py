"""in-band monitoring routes of the operator portal (upstream bmp-operation-api)."""
