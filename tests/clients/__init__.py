"""Small vendor clients written the way integrators write them, plus variants with planted bugs.

They are the "real clients" of issue 6: the pytest plugin, fault injection and response fuzzing
must pass the correct ones and catch every planted bug (``buggy.py``) with a clear message.
"""
