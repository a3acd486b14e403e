"""A unique constraint that refuses a write (a concurrent twin got in first, past the service's
own check) answers the app's 409, through the one helper ``bmp_common.db.unique_or_conflict``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bmp_common.db import unique_or_conflict
from bmp_common.errors import BmpError
from bmp_openapi.idcs.error_codes import IDC_NAME_TAKEN
from bmp_openapi.idcs.models import Idc

REPOSITORY = Path(__file__).resolve().parents[3]
HELPER = REPOSITORY / "shared" / "bmp_common" / "db.py"


def _turns_integrity_error_into_bmp_error(handler: ast.ExceptHandler) -> bool:
    caught = ast.unparse(handler.type) if handler.type else ""
    raises = [node for node in ast.walk(handler) if isinstance(node, ast.Raise) and node.exc]
    return "IntegrityError" in caught and any("BmpError" in ast.unparse(r.exc) for r in raises)


def test_no_code_but_the_helper_turns_an_integrity_error_into_a_bmp_error():
    offenders = []
    for root in (REPOSITORY / "services", REPOSITORY / "shared"):
        for path in root.rglob("*.py"):
            if "tests" in path.parts or path == HELPER:
                continue
            tree = ast.parse(path.read_text(), filename=str(path))
            offenders += [
                f"{path.relative_to(REPOSITORY)}:{node.lineno}"
                for node in ast.walk(tree)
                if isinstance(node, ast.ExceptHandler)
                and _turns_integrity_error_into_bmp_error(node)
            ]
    assert offenders == []


def _idc(name: str) -> Idc:
    return Idc(
        idc_id=f"idc-{name}-{Idc.objects.count()}", name=name, created_by="t", updated_by="t"
    )


@pytest.mark.django_db
def test_a_refused_write_is_the_apps_409_and_the_transaction_goes_on():
    _idc("twin").save()
    with pytest.raises(BmpError) as refused:
        with unique_or_conflict(IDC_NAME_TAKEN, name="twin"):
            _idc("twin").save()
    assert (refused.value.spec, refused.value.params) == (IDC_NAME_TAKEN, {"name": "twin"})
    assert refused.value.spec.code == 409
    assert list(Idc.objects.values_list("name", flat=True)) == ["twin"]  # still usable


@pytest.mark.django_db
def test_the_error_may_be_chosen_after_the_refusal():
    _idc("twin").save()
    with pytest.raises(BmpError) as refused:
        with unique_or_conflict(lambda: BmpError(IDC_NAME_TAKEN, name=Idc.objects.get().name)):
            _idc("twin").save()
    assert refused.value.params == {"name": "twin"}
