"""``vendors._common``: helpers the vendor modules share."""

from __future__ import annotations

import os
import uuid

from mockserver.vendors._common import random_uuid


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
