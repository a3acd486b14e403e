"""The end of an instance: its device goes back on sale, the instance is kept as destroyed."""

from __future__ import annotations

from bmp_openapi.devices import states as device_states
from bmp_openapi.devices.services.lifecycle import device_lock, device_transition
from bmp_openapi.instances.services.lifecycle import instance_transition


def instance_release(instance, *, event: str, actor_name: str) -> None:
    """``event`` leads the instance to destroyed (the table refuses any other)."""
    device = device_lock(device_id=instance.device.device_id)
    if device.instance_id == instance.instance_id:
        device_transition(
            device=device,
            action=device_states.RELEASE,
            actor_name=actor_name,
            instance_id="",
            user_id="",
            user_name="",
        )
    instance_transition(instance, event, actor_name=actor_name, password_encrypted="")
    instance.mark_deleted(actor=actor_name)
