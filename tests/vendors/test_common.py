"""``vendors._common``: helpers the vendor modules share."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from mockserver.vendors._common import iso_z, random_uuid, uuid4_text


def test_random_ids_are_version_4_uuids_and_unique() -> None:
    ids = [random_uuid() for _ in range(10_000)]
    assert len(set(ids)) == len(ids)
    for text in ids[:100]:
        parsed = uuid.UUID(text)
        assert str(parsed) == text and parsed.version == 4 and parsed.variant == uuid.RFC_4122


def test_a_forked_child_does_not_repeat_its_parents_ids() -> None:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its next id, then gone without running pytest's teardown
        os.write(write, random_uuid().encode())
        os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    child = os.read(read, 100).decode()
    os.close(read)
    assert child and child != random_uuid()


@given(st.integers(min_value=0, max_value=2**128 - 1))
def test_uuid4_text_is_what_the_uuid_module_writes(n: int) -> None:
    assert uuid4_text(n) == str(uuid.UUID(int=n, version=4))


@given(st.datetimes(), st.booleans(), st.integers(min_value=0, max_value=6))
def test_iso_z_writes_every_field_of_the_moment(moment: datetime, aware: bool, digits: int) -> None:
    if aware:
        moment = moment.replace(tzinfo=UTC)
    m = moment
    expected = f"{m.year:04d}-{m.month:02d}-{m.day:02d}T{m.hour:02d}:{m.minute:02d}:{m.second:02d}"
    if digits:
        expected += "." + f"{m.microsecond:06d}"[:digits]
    assert iso_z(moment, digits) == expected + "Z"
