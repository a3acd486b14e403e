"""Result bodies upstream uses for writes."""

SUCCESS = {"success": True}  # upstream's CommonResponse
