import json
import time

from .test_console_web import console_web, tenant_with_instance  # noqa: F401


def test_hold(console_web, tenant_with_instance, lab):  # noqa: F811
    name, password, instance_id, message_id = tenant_with_instance
    with open("/tmp/webc-debug.json", "w") as f:
        json.dump({"url": console_web, "name": name, "password": password, "instance": instance_id,
                   "message": message_id, "device_type": lab.device_type_id,
                   "logs": str(lab.platform.logs)}, f)
    time.sleep(3000)
