"""The catalog's endpoints: one module per tag (os, raid, image, deviceType)."""
