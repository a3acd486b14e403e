"""Key rotation: every stored secret re-encrypted with the first ``BMP_ENCRYPTION_KEY``."""

from bmp_common.rotation import RotateSecretsCommand as Command

__all__ = ["Command"]
