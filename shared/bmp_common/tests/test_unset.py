from __future__ import annotations

import pytest

from bmp_common.unset import UNSET, Unset, assign_given, given


def test_unset_is_the_one_member_of_its_type():
    assert isinstance(UNSET, Unset)
    assert list(Unset) == [UNSET]
    assert repr(UNSET) == "UNSET"


def test_unset_cannot_be_mistaken_for_an_empty_value():
    with pytest.raises(TypeError):
        bool(UNSET)
    assert UNSET != "" and UNSET is not None


def test_given_keeps_empty_and_none_values():
    assert given(a=UNSET, b="", c=None, d=0) == {"b": "", "c": None, "d": 0}


def test_assign_given_sets_only_what_was_given():
    class Row:
        name = "old"
        address = "kept"

    row = Row()
    assert assign_given(row, name="", address=UNSET) == ["name"]
    assert (row.name, row.address) == ("", "kept")
