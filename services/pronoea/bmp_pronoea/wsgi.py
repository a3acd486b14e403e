"""``gunicorn bmp_pronoea.wsgi:application``"""

from __future__ import annotations

import logging

from bmp_common import env
from bmp_pronoea.app import make_app
from bmp_pronoea.config import load

logging.basicConfig(
    level=env.env_str("BMP_LOG_LEVEL", "INFO"),
    format="%(asctime)s %(levelname)s %(name)s %(message)s",
)
application = make_app(load())
