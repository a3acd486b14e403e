"""idcs routes of the operator portal (upstream bmp-operation-api)."""
