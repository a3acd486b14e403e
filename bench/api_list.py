"""Benchmark: GET /v1/devices over 10,000 devices, against the same queries in raw SQL.

Seeds the devices (bulk_create) into a throwaway SQLite file, or into the database that
BMP_DATABASE_URL names (migrated first; the rows it seeds are deleted at the end). For each
query (no filter, a deep page, filters) it times the API through Django's test client with an
admin key, then the SQL that the API ran for it (the COUNT and the SELECT ... LIMIT 20, captured
from the first call) with cursor.execute, and prints one line per query and a last line:

    rows=10000 p50_ms=… p95_ms=… sql_ratio=…

over every API call (sql_ratio = API p50 / SQL p50: what Django, DRF, authentication and
rendering add to the database's work).

    .venv/bin/python bench/api_list.py [--rows 10000] [--runs 200]
"""

from __future__ import annotations

import argparse
import base64
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for package_root in (ROOT / "shared", ROOT / "services" / "openapi"):
    sys.path.insert(0, str(package_root))

QUERIES = {
    "all": "",
    "page250": "pageNumber=250",
    "idc+status": "idcId={idc_id}&manageStatus=putaway",
    "sn": "sn=SN0012",
    "series": "deviceSeries=computer",
    "ipv4": "ipv4=10.0.3.15",
}


def configure() -> Path | None:
    """Environment for Django; returns the throwaway directory, if one was made."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bmp_openapi.settings")
    os.environ.setdefault("BMP_SECRET_KEY", base64.urlsafe_b64encode(os.urandom(40)).decode())
    os.environ.setdefault("BMP_ENCRYPTION_KEY", base64.urlsafe_b64encode(os.urandom(32)).decode())
    os.environ.setdefault("BMP_LOG_LEVEL", "WARNING")
    if os.environ.get("BMP_DATABASE_URL"):
        return None
    work = Path(tempfile.mkdtemp(prefix="bmp-bench-"))
    os.environ["BMP_DATA_DIR"] = str(work)
    os.environ["BMP_DATABASE_URL"] = f"sqlite:///{work / 'bench.sqlite3'}"
    return work


def seed(rows: int):
    """An IDC, a device type and ``rows`` devices; returns (idc, admin user, api key)."""
    from bmp_common.crypto import encrypt_secret
    from bmp_common.ids import new_id, new_password
    from bmp_openapi.accounts.choices import ROLE_ADMIN
    from bmp_openapi.accounts.services import apikey_create, user_create
    from bmp_openapi.catalog.models import DeviceType
    from bmp_openapi.devices.models import Device
    from bmp_openapi.idcs.models import Idc

    suffix = new_id("b")[-8:]
    idc = Idc.objects.create(
        idc_id=new_id("idc"), name=f"bench-{suffix}", name_en=f"bench-{suffix}"
    )
    device_type = DeviceType.objects.create(
        device_type_id=new_id("dt"),
        idc=idc,
        name=f"bench-{suffix}",
        device_type="cps.bench",
        device_series="computer",
        architecture="x86_64",
        height=2,
        cpu_spec="common",
        cpu_amount=2,
        cpu_cores=16,
        cpu_manufacturer="Intel",
        cpu_model="6338",
        cpu_frequency="2.0",
        mem_spec="common",
        mem_type="DDR4",
        mem_size=32,
        mem_amount=16,
        mem_frequency=3200,
        nic_amount=2,
        nic_rate=25,
        interface_mode="bond",
        boot_mode="UEFI",
    )
    password = encrypt_secret("Bench-Bmc-1")
    devices = []
    for number in range(rows):
        high, low = divmod(number, 200)
        typed = number % 3 == 0
        devices.append(
            Device(
                device_id=new_id("d"),
                sn=f"SN{number:06d}-{suffix}",
                idc=idc,
                device_type=device_type if typed else None,
                manage_status=("putaway" if number % 2 else "in") if typed else "in",
                cabinet=f"A{high:02d}",
                u_position=str(low % 42 + 1),
                mac1=f"0c:{high // 256:02x}:{high % 256:02x}:{low:02x}:00:01",
                mac2=f"0c:{high // 256:02x}:{high % 256:02x}:{low:02x}:00:02",
                private_ipv4=f"10.{high // 250}.{high % 250 + 1}.{low + 10}",
                mask="255.0.0.0",
                gateway="10.255.255.254",
                ilo_ip=f"11.{high // 250}.{high % 250 + 1}.{low + 10}",
                ilo_user="root",
                ilo_password_encrypted=password,
                created_by="bench",
                updated_by="bench",
            )
        )
    Device.objects.bulk_create(devices, batch_size=1000)
    user = user_create(user_name=f"bench-{suffix}", password=new_password(), role_id=ROLE_ADMIN)
    _, token = apikey_create(user=user, name="bench", source="operation")
    return idc, device_type, user, token


def cleanup(idc, device_type, user) -> None:
    from bmp_openapi.accounts.models import ApiKey
    from bmp_openapi.devices.models import Device

    Device.all_objects.filter(idc=idc).delete()
    device_type.delete()
    idc.delete()
    ApiKey.objects.filter(user=user).delete()
    user.delete()


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def time_api(client, path: str, runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        answer = client.get(path)
        samples.append((time.perf_counter() - start) * 1000)
        assert answer.status_code == 200, answer.content[:300]
    return samples


def captured_sql(client, path: str) -> list[str]:
    """The device queries the API runs for ``path``: its COUNT and its page."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        client.get(path)
    statements = [q["sql"] for q in captured.captured_queries if '"device"' in q["sql"]]
    statements += [q["sql"] for q in captured.captured_queries if "`device`" in q["sql"]]
    assert len(statements) == 2, statements  # COUNT(*), SELECT ... LIMIT
    return statements


def time_sql(statements: list[str], runs: int) -> list[float]:
    from django.db import connection

    samples = []
    with connection.cursor() as cursor:
        for _ in range(runs):
            start = time.perf_counter()
            for sql in statements:
                cursor.execute(sql)
                cursor.fetchall()
            samples.append((time.perf_counter() - start) * 1000)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    work = configure()

    import django

    django.setup()
    from django.core.management import call_command
    from rest_framework.test import APIClient

    call_command("migrate", verbosity=0)
    idc, device_type, user, token = seed(args.rows)
    try:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        api_all, sql_all = [], []
        for name, query in QUERIES.items():
            path = "/v1/devices?pageSize=20&" + query.format(idc_id=idc.idc_id)
            statements = captured_sql(client, path)
            time_api(client, path, 5)  # warm up
            api = time_api(client, path, args.runs)
            sql = time_sql(statements, args.runs)
            api_all += api
            sql_all += sql
            print(
                f"query={name} p50_ms={statistics.median(api):.2f} "
                f"p95_ms={percentile(api, 0.95):.2f} sql_p50_ms={statistics.median(sql):.2f} "
                f"sql_ratio={statistics.median(api) / statistics.median(sql):.1f}"
            )
        print(
            f"rows={args.rows} p50_ms={statistics.median(api_all):.2f} "
            f"p95_ms={percentile(api_all, 0.95):.2f} "
            f"sql_ratio={statistics.median(api_all) / statistics.median(sql_all):.1f}"
        )
    finally:
        cleanup(idc, device_type, user)
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
