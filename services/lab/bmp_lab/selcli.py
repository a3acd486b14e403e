"""`python -m bmp_lab sel add|list|clear SN ...`: a running fleet's event logs, over IPMI.

The fleet runs in another process (`python -m bmp_lab up`), so the command speaks IPMI to the
server's BMC, as any tool would: Add SEL Entry (the BMC gives the record its id and time), Get
SEL Entry, Clear SEL. The BMC address comes from the state file, the password from the 0600
password file next to it: never from the command line.
"""

from __future__ import annotations

import struct
from pathlib import Path

import pyipmi
import pyipmi.interfaces
from pyipmi.event import EVENT_DEASSERTION
from pyipmi.msgs import create_request_by_name

from bmp_common.sel import SelEvent, event_codes
from bmp_lab.fleet import read_password, read_state
from bmp_lab.node import sensor_for


def add_parser(commands) -> None:
    sel = commands.add_parser("sel", help="add, list or clear a server's System Event Log")
    actions = sel.add_subparsers(dest="sel_command", required=True)
    add = actions.add_parser(
        "add", help='log an event, e.g. --sensor Memory --event "Uncorrectable ECC"'
    )
    add.add_argument("sn")
    add.add_argument("--sensor", required=True, help="sensor type as ipmitool names it")
    add.add_argument("--event", required=True, help="event as ipmitool names it")
    add.add_argument("--deassert", action="store_true")
    for name in ("list", "clear"):
        actions.add_parser(name).add_argument("sn")
    for action in actions.choices.values():
        action.add_argument("--state-dir", type=Path)


def _connect(state_dir, sn: str):
    state = read_state(state_dir)
    node = next((n for n in state["nodes"] if n["sn"] == sn), None)
    if node is None:
        raise SystemExit(f"bmp-lab: no server {sn} in {state_dir}")
    interface = pyipmi.interfaces.create_interface("rmcpplus", keep_alive_interval=0)
    ipmi = pyipmi.create_connection(interface)
    ipmi.session.set_session_type_rmcp(node["bmc"]["address"], port=node["bmc"]["port"])
    ipmi.session.set_auth_type_user(node["bmc"]["username"], read_password(state_dir))
    ipmi.target = pyipmi.Target(ipmb_address=0x20)
    ipmi.open()
    return ipmi


def run_sel(args, default_state_dir) -> int:
    state_dir = args.state_dir or default_state_dir
    ipmi = _connect(state_dir, args.sn)
    try:
        if args.sel_command == "add":
            try:
                sensor_type, event_type, offset = event_codes(args.sensor, args.event)
            except ValueError as exc:
                raise SystemExit(f"bmp-lab: {exc}") from None
            if args.deassert:
                event_type |= 0x80
            request = create_request_by_name("AddSelEntry")
            request.record_data = struct.pack(
                "<HBIHBBBBBBB",
                0,
                0x02,
                0,
                0x0020,
                0x04,
                sensor_type,
                sensor_for(sensor_type),
                event_type,
                offset,
                0xFF,
                0xFF,
            )
            answer = ipmi.send_message(request)
            if answer.completion_code:
                raise SystemExit(
                    f"bmp-lab: the BMC refused the record (0x{answer.completion_code:02x})"
                )
            print(f"{args.sn}: record {answer.record_id} logged")
        elif args.sel_command == "clear":
            ipmi.clear_sel()
            print(f"{args.sn}: SEL cleared")
        else:
            for entry in ipmi.get_sel_entries():
                print(
                    SelEvent(
                        record_id=entry.record_id,
                        timestamp=entry.timestamp,
                        sensor_type=entry.sensor_type,
                        sensor_number=entry.sensor_number,
                        event_type=entry.event_type
                        | (0x80 if entry.event_direction == EVENT_DEASSERTION else 0),
                        event_data=tuple(entry.event_data),
                    ).line()
                )
    finally:
        ipmi.close()
    return 0
